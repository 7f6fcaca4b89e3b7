package io.lmforge.cli.serve;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.lmforge.cli.CheckpointArgs;
import io.lmforge.cli.QuantizeOption;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.serving.GrpcEndpoint;
import io.lmforge.serving.OpenAiServer;
import io.lmforge.serving.ServeOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code lmforge serve --checkpoint RUN [--host H] [--port P]}: an OpenAI-compatible HTTP server
 * (see docs/serving.md). It listens at once (so /health answers while the model loads), is ready
 * when the checkpoint is loaded, and on SIGTERM/SIGINT stops accepting, finishes what runs and exits.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serves a checkpoint over an OpenAI-compatible HTTP API with continuous batching.")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true,
            description = "a run directory (its best checkpoint, else the newest) or RUN/checkpoints/step-N")
    Path checkpoint;

    @Option(names = "--host", description = "bind address (default: 127.0.0.1; 0.0.0.0 for all interfaces)")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "(default: 8080; 0 picks a free port)")
    int port = 8080;

    @Option(names = "--grpc-port", description = "also serve the gRPC Generation service on this port, same bind "
            + "address (default: -1, off; the API key applies there too)")
    int grpcPort = -1;

    @Option(names = "--model-name", description = "the model id of /v1/models and responses (default: lmforge-PRESET)")
    String modelName;

    @Option(names = "--max-batch", description = "sequences decoding together (default: 16)")
    int maxBatch = 16;

    @Option(names = "--max-queue", description = "requests waiting for a place; more get 429 (default: 64)")
    int maxQueue = 64;

    @Option(names = "--max-body-bytes", description = "largest request body; larger get 413 (default: 1048576)")
    long maxBodyBytes = 1 << 20;

    @Option(names = "--max-connections", description = "requests handled at once; more get 503 (default: 128)")
    int maxConnections = 128;

    @Option(names = "--request-timeout", description = "seconds a request may take, queueing included (default: 120)")
    long requestTimeout = 120;

    @Option(names = "--default-max-tokens", description = "new tokens when a request gives no max_tokens (default: 256)")
    int defaultMaxTokens = 256;

    @Option(names = "--drain-timeout", description = "seconds running requests get to finish on shutdown (default: 30)")
    long drainTimeout = 30;

    @Option(names = "--api-key", description = "require 'Authorization: Bearer KEY' on /v1 and gRPC (default: env LMFORGE_API_KEY, else none)",
            arity = "0..1")
    String apiKey;

    @Option(names = "--threads", description = "libtorch intra-op threads (default: one per core but one, left to the HTTP threads)")
    Integer threads;

    @Option(names = "--lanes", description = "scheduler threads, each decoding its share of --max-batch "
            + "(default: 2 where there are 2 cores or more; 1 for a large, memory-bound model)")
    Integer lanes;

    @CommandLine.Mixin
    QuantizeOption quantize;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        String key = apiKey != null ? apiKey : System.getenv("LMFORGE_API_KEY");
        String name = modelName != null ? modelName
                : "lmforge-" + CheckpointFiles.readConfig(CheckpointFiles.resolve(checkpoint)).model().name();
        int cores = Runtime.getRuntime().availableProcessors();
        int laneCount = lanes != null ? lanes : ServeOptions.defaultLanes(cores);
        ServeOptions options = new ServeOptions(host, port, name, maxBatch, maxQueue, maxBodyBytes,
                Duration.ofSeconds(requestTimeout), maxConnections, defaultMaxTokens, Duration.ofSeconds(drainTimeout), key, laneCount);
        Engine.getInstance();
        JniUtils.setNumThreads(threads != null ? threads : ServeOptions.defaultTorchThreads(cores, laneCount));
        OpenAiServer server = new OpenAiServer(options);
        var err = spec.commandLine().getErr();
        err.printf("lmforge serve: listening on http://%s:%d (health at /health; loading %s)%n", host, server.port(), checkpoint);
        err.flush();
        CheckpointModel model;
        try {
            model = CheckpointArgs.load(checkpoint, quantize.quantization());
        } catch (RuntimeException e) {
            server.stop();
            throw e;
        }
        server.attach(model);
        GrpcEndpoint grpc = grpcPort < 0 ? null : GrpcEndpoint.start(server, options, host, grpcPort);
        if (grpc != null) {
            err.printf("lmforge serve: gRPC on %s:%d%n", host, grpc.port());
        }
        err.printf("lmforge serve: ready, model %s from %s (context %d, batch %d in %d lanes of %d libtorch threads, "
                        + "queue %d, API key %s)%n",
                options.modelName(), model.directory(), model.config().maxPositions(), maxBatch,
                server.engine().lanes(), JniUtils.getNumThreads(), maxQueue,
                options.authenticated() ? "required" : "not required");
        err.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        OpenAiServer running = server;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (grpc != null) {
                grpc.close();
            }
            running.stop();
            model.close();
            stopped.countDown();
        }, "lmforge-serve-shutdown"));
        stopped.await();
        return 0;
    }
}
