package io.lmforge.bench.serve;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lmforge.bench.machine.Machine;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.checkpoint.RandomCheckpoint;
import io.lmforge.serving.Engine.Work;
import io.lmforge.serving.OpenAiServer;
import io.lmforge.serving.ServeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code lmforge bench serve}: a load generator on loopback against the serving endpoint. For each
 * number of concurrent clients, each client sends streaming completions one after another until
 * the level's request count or time is used up; the same checkpoint is served twice in the same
 * process, with continuous batching (max batch = the most clients) and one request at a time
 * (max batch 1); each level runs on one server right after the other, and the two are printed
 * side by side.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Load-tests the HTTP server: tokens/s, time to first token and latency, continuous batching vs one at a time.")
public final class ServeBench implements Callable<Integer> {

    @Option(names = "--checkpoint", description = "checkpoint to serve (default: the tiny preset with random weights, "
            + "vocabulary 260 to match its byte-level tokenizer)")
    Path checkpoint;

    @Option(names = "--clients", split = ",", description = "concurrent clients per level (default: 1,4,16,64)")
    List<Integer> clients = List.of(1, 4, 16, 64);

    @Option(names = "--requests", description = "requests per level at most (default: 64; at least 2 per client)")
    int requests = 64;

    @Option(names = "--seconds", description = "seconds per level at most; clients send no new request after it (default: 60)")
    int seconds = 60;

    @Option(names = "--max-tokens", description = "new tokens per request (default: 32)")
    int maxTokens = 32;

    @Option(names = "--prompt-bytes", description = "prompt length in bytes (default: 48)")
    int promptBytes = 48;

    @Option(names = "--threads", description = "libtorch intra-op threads (default: lmforge serve's, the cores but one shared among the lanes)")
    Integer threads;

    @Option(names = "--lanes", description = "the continuous server's scheduler threads (default: lmforge serve's)")
    Integer lanes;

    @Option(names = "--step-cpu", description = "instead of serving: CPU time per continuous-batch step on one thread, "
            + "1 row and the most clients' rows, joins in their own pass and in the decode pass (use with --threads 1)")
    boolean stepCpu;

    /** One request's client-side timings. */
    private record Sample(double ttft, double latency, int tokens, boolean ok) {
    }

    /** One level's figures. */
    private record Level(int clients, int done, int failed, long tokens, double seconds, double[] ttft, double[] latency) {
        double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    @Override
    public Integer call() throws Exception {
        Engine.getInstance();
        int cores = Runtime.getRuntime().availableProcessors();
        int laneCount = lanes != null ? lanes : ServeOptions.defaultLanes(cores);
        JniUtils.setNumThreads(threads != null ? threads : ServeOptions.defaultTorchThreads(cores, laneCount));
        Path dir = checkpoint;
        Path temp = null;
        if (dir == null) {
            temp = Files.createTempDirectory("lmforge-bench-serve");
            dir = RandomCheckpoint.write(temp.resolve("tiny"), ModelConfig.preset("tiny")
                    .withVocabSize(RandomCheckpoint.TOKENIZER_VOCAB), 1);
        }
        int most = Collections.max(clients);
        System.out.printf("machine: %d cores, libtorch %s with %d intra-op threads, %d scheduler lanes, load average %s%n",
                cores, Engine.getInstance().getVersion(), JniUtils.getNumThreads(), laneCount, Machine.loadAverage());
        try (CheckpointModel model = CheckpointModel.load(dir)) {
            if (stepCpu) {
                int promptTokens = model.tokenizer().encode(promptText(0)).length + 1;   // and bos
                new StepCpu(model, promptTokens, maxTokens).print(most);
                return 0;
            }
            System.out.printf("checkpoint: %s (%s, context %d); %d new tokens per request, prompts of %d bytes; "
                            + "per level at most %d requests (2 per client) and %d s%n", checkpoint == null ? "tiny preset, random weights" : dir,
                    model.config().name(), model.config().maxPositions(), maxTokens, promptBytes, requests, seconds);
            List<String> rows = new ArrayList<>();
            StringBuilder ratios = new StringBuilder("throughput, continuous / one at a time:");
            // The scheduler thread's CPU per token: the engine's cost alone, much less sensitive to
            // the machine's load than the wall-clock throughput (HTTP and the clients not counted).
            StringBuilder cpuRatios = new StringBuilder("engine CPU per token, one at a time / continuous:");
            // Both servers run side by side and each level is measured on one right after the other,
            // so a change in the machine's load between levels hits both; each is warmed up first
            // (JIT, allocator) at the most concurrency the bench will use, up to 16.
            int[] batches = {most, 1};
            OpenAiServer[] servers = new OpenAiServer[batches.length];
            try {
                for (int i = 0; i < batches.length; i++) {
                    servers[i] = OpenAiServer.start(model, ServeOptions.defaults("bench").withPort(0)
                            .withBatch(batches[i], 4 * most).withLimits(1 << 20, Duration.ofSeconds(600), 4 * most)
                            .withLanes(laneCount));
                    int warm = Math.min(most, 16);
                    load(servers[i].port(), warm, 2 * warm);
                }
                for (int c : clients) {
                    double[] perSecond = new double[batches.length];
                    double[] cpuPerToken = new double[batches.length];
                    for (int i = 0; i < batches.length; i++) {
                        int batch = batches[i];
                        Work before = servers[i].engine().work();
                        Level l = load(servers[i].port(), c, Math.max(requests, 2 * c));
                        Work work = servers[i].engine().work().minus(before);
                        cpuPerToken[i] = work.cpuNanos() / 1e6 / Math.max(1, work.tokens());
                        String row = String.format("| %s | %d | %d | %d | %,.1f | %.0f | %.0f | %.0f | %.0f | %.1f | %.2f |",
                                batch == 1 ? "one at a time" : "continuous (max batch " + batch + ")", c, l.done(),
                                l.failed(), l.tokensPerSecond(), l.ttft()[0] * 1e3, l.ttft()[1] * 1e3,
                                l.latency()[0] * 1e3, l.latency()[1] * 1e3,
                                (double) work.rows() / Math.max(1, work.steps()), cpuPerToken[i]);
                        rows.add(row);
                        perSecond[i] = l.tokensPerSecond();
                        System.out.println(row);
                        System.out.flush();
                    }
                    ratios.append(String.format(" %d clients %.2f×;", c, perSecond[0] / perSecond[1]));
                    cpuRatios.append(String.format(" %d clients %.2f×;", c, cpuPerToken[1] / cpuPerToken[0]));
                }
            } finally {
                for (OpenAiServer server : servers) {
                    if (server != null) {
                        server.stop();
                    }
                }
            }
            System.out.println();
            System.out.println("| server | clients | requests | failed | tokens/s | TTFT p50 ms | TTFT p99 ms | latency p50 ms "
                    + "| latency p99 ms | rows per step | engine CPU ms per token |");
            System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            rows.forEach(System.out::println);
            System.out.println(ratios);
            System.out.println(cpuRatios);
            System.out.printf("load average after: %s%n", Machine.loadAverage());
        } finally {
            if (temp != null) {
                try (var files = Files.walk(temp)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        return 0;
    }

    private Level load(int port, int clientCount, int total) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicInteger next = new AtomicInteger();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clientCount);
        long start = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clientCount; c++) {
                futures.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < total && System.nanoTime() < deadline) {
                        samples.add(request(http, port, i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        List<Sample> ok = samples.stream().filter(Sample::ok).toList();
        long tokens = ok.stream().mapToLong(Sample::tokens).sum();
        return new Level(clientCount, ok.size(), samples.size() - ok.size(), tokens, wall,
                percentiles(ok.stream().mapToDouble(Sample::ttft).toArray()),
                percentiles(ok.stream().mapToDouble(Sample::latency).toArray()));
    }

    /** Request i's prompt: {@code promptBytes} random lowercase letters. */
    private String promptText(int i) {
        StringBuilder prompt = new StringBuilder();
        java.util.SplittableRandom r = new java.util.SplittableRandom(i);
        while (prompt.length() < promptBytes) {
            prompt.append((char) ('a' + r.nextInt(26)));
        }
        return prompt.toString();
    }

    /** A streaming completion; time to its first text event and to [DONE]; tokens from the usage chunk. */
    private Sample request(HttpClient http, int port, int i) {
        String prompt = promptText(i);
        String body = String.format("{\"prompt\": \"%s\", \"max_tokens\": %d, \"temperature\": 1.0, \"seed\": %d, "
                + "\"stream\": true, \"stream_options\": {\"include_usage\": true}}", prompt, maxTokens, i);
        long start = System.nanoTime();
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                response.body().close();
                return new Sample(0, 0, 0, false);
            }
            double ttft = -1;
            int tokens = 0;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (!line.startsWith("data: ")) {
                        continue;
                    }
                    String data = line.substring(6);
                    if (data.equals("[DONE]")) {
                        break;
                    }
                    JsonObject chunk = JsonParser.parseString(data).getAsJsonObject();
                    if (chunk.has("error")) {
                        return new Sample(0, 0, 0, false);
                    }
                    if (ttft < 0) {
                        ttft = (System.nanoTime() - start) / 1e9;
                    }
                    if (chunk.has("usage") && chunk.get("usage").isJsonObject()) {
                        tokens = chunk.getAsJsonObject("usage").get("completion_tokens").getAsInt();
                    }
                }
            }
            return new Sample(ttft, (System.nanoTime() - start) / 1e9, tokens, true);
        } catch (IOException e) {
            return new Sample(0, 0, 0, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Sample(0, 0, 0, false);
        }
    }

    /** p50 and p99 (nearest rank). */
    private static double[] percentiles(double[] values) {
        if (values.length == 0) {
            return new double[]{Double.NaN, Double.NaN};
        }
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return new double[]{v[(int) Math.ceil(0.50 * v.length) - 1], v[(int) Math.ceil(0.99 * v.length) - 1]};
    }
}
