package io.lmforge.bench.quantize;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.checkpoint.QuantizedCheckpoint;
import io.lmforge.model.eval.LogLikelihood;
import io.lmforge.model.eval.LossReport;
import io.lmforge.model.generate.Generator;
import io.lmforge.model.generate.Sampling;
import io.lmforge.model.quantize.Int8;
import io.lmforge.model.quantize.Quantization;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.eval.ShardEval;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code lmforge bench quantize --checkpoint C [--data SHARDS]}: a float32 checkpoint against its
 * int8 quantizations (embeddings int8, the default, and embeddings kept float32), side by side in
 * one run: checkpoint size, weights in memory and the resident set of a fresh process per
 * checkpoint, held-out perplexity, cached decode tokens/s (the three checkpoints in turn, best of
 * {@code --runs}), and the projection's multiply done four ways.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "int8 against float32: checkpoint size, resident memory, held-out perplexity, decode tokens/s.")
public final class QuantizeBench implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, description = "a float32 checkpoint or run directory")
    Path checkpoint;

    @Option(names = "--data", description = "shards to score (their val split); none: perplexity is not measured")
    String data;

    @Option(names = "--max-samples", description = "val windows to score (default: all)")
    long maxSamples;

    @Option(names = "--prompt-tokens", description = "decode: prompt length (default: 64)")
    int promptTokens = 64;

    @Option(names = "--decode-tokens", description = "decode: new tokens per run (default: 64)")
    int decodeTokens = 64;

    @Option(names = "--runs", description = "decode and matmul: runs of each, the best counts (default: 3)")
    int runs = 3;

    @Option(names = "--threads", description = "libtorch intra-op threads (default: libtorch's)")
    Integer threads;

    @Option(names = "--work", description = "where the quantized copies are written (default: a temporary directory)")
    Path work;

    /** One checkpoint of the comparison. */
    private record Variant(String name, Path dir) {
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        Engine.getInstance();
        if (threads != null) {
            JniUtils.setNumThreads(threads);
        }
        Path source = CheckpointFiles.resolve(checkpoint);
        if (CheckpointFiles.readConfig(source).quantization() != null) {
            System.err.println("lmforge: input error: " + source + " is already quantized; give the float32 checkpoint");
            return 2;
        }
        Path dir = work != null ? Files.createDirectories(work) : Files.createTempDirectory("lmforge-quantize-bench");
        List<Variant> variants = List.of(new Variant("float32", source),
                new Variant("int8", QuantizedCheckpoint.write(source, dir.resolve("int8"), new Quantization(false))),
                new Variant("int8, embeddings float32",
                        QuantizedCheckpoint.write(source, dir.resolve("int8-keep"), new Quantization(true))));
        ModelConfig config = CheckpointFiles.readConfig(source).model();
        System.out.printf("checkpoint %s: %s, d=%d, %d layers, vocabulary %,d; %s intra-op threads%n%n", source,
                config.name(), config.hiddenSize(), config.layers(), config.vocabSize(),
                threads == null ? "libtorch's default" : threads);

        System.out.println("| checkpoint | file bytes | ratio | weights in memory | ratio | RSS after load − engine | "
                + "ratio | RSS after decode − engine | ratio |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        long[] base = null;
        for (Variant v : variants) {
            long[] m = memory(v.dir());
            long[] row = {weightFileBytes(v.dir()), m[0], m[2] - m[1], m[3] - m[1]};
            base = base == null ? row : base;
            System.out.printf("| %s | %,d | %.3f | %,d | %.3f | %,d | %.3f | %,d | %.3f |%n", v.name(), row[0],
                    (double) row[0] / base[0], row[1], (double) row[1] / base[1], row[2], (double) row[2] / base[2],
                    row[3], (double) row[3] / base[3]);
        }

        if (data != null) {
            System.out.println();
            ShardManifest manifest = ShardManifest.load(data, new Configuration());
            System.out.println("| checkpoint | val windows | tokens | loss | perplexity | perplexity change |");
            System.out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
            double basePerplexity = 0;
            for (Variant v : variants) {
                try (CheckpointModel model = CheckpointModel.load(v.dir())) {
                    LossReport r = new LossReport(ShardEval.score(manifest, ShardManifest.VAL, model.tokenizer(),
                            new LogLikelihood(model.model(), model.manager(), 8), maxSamples, false, new Configuration()));
                    double ppl = r.overall().perplexity();
                    basePerplexity = basePerplexity == 0 ? ppl : basePerplexity;
                    System.out.printf("| %s | %,d | %,d | %.5f | %.4f | %+.3f %% |%n", v.name(), r.overall().units(),
                            r.overall().tokens(), r.overall().loss(), ppl, 100 * (ppl / basePerplexity - 1));
                }
            }
        }

        System.out.println();
        double[] best = new double[variants.size()];
        List<CheckpointModel> loaded = new ArrayList<>();
        try {
            for (Variant v : variants) {
                loaded.add(CheckpointModel.load(v.dir()));
            }
            int[] prompt = new SplittableRandom(7).ints(promptTokens, 4, Math.min(config.vocabSize(), 260)).toArray();
            for (int run = 0; run < runs; run++) {                        // the three in turn: the load hits each alike
                for (int i = 0; i < loaded.size(); i++) {
                    Generator.Result r = loaded.get(i).generator().generate(new int[][]{prompt}, decodeTokens,
                            Sampling.GREEDY, 1, -1, 0, null);
                    best[i] = Math.max(best[i], r.decodeSteps() / (r.decodeNanos() / 1e9));
                }
            }
        } finally {
            loaded.forEach(CheckpointModel::close);
        }
        System.out.printf("| checkpoint | decode tokens/s (batch 1, %d prompt tokens, %d new, best of %d) | ratio |%n",
                promptTokens, decodeTokens, runs);
        System.out.println("| --- | ---: | ---: |");
        for (int i = 0; i < variants.size(); i++) {
            System.out.printf("| %s | %.1f | %.3f |%n", variants.get(i).name(), best[i], best[i] / best[0]);
        }

        System.out.println();
        matmuls(config);
        return 0;
    }

    /** weights_bytes, rss_engine, rss_loaded, rss_decoded of {@link ResidentMemoryProbe} in a new JVM. */
    private long[] memory(Path dir) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-Dai.djl.offline=true"));
        if (threads != null) {
            command.add("-Dai.djl.pytorch.num_threads=" + threads);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ResidentMemoryProbe.class.getName(),
                dir.toString()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("the memory probe of " + dir + " failed (exit " + p.exitValue() + "): " + out);
        }
        String[] f = out.lines().reduce((a, b) -> b).orElse("").split(" ");
        return new long[]{Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])};
    }

    private static long weightFileBytes(Path dir) throws IOException {
        long bytes = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, CheckpointFiles.WEIGHTS_PREFIX + "*.safetensors")) {
            for (Path f : s) {
                bytes += Files.size(f);
            }
        }
        return bytes;
    }

    /**
     * One token through the largest projections of the model four ways: float32; int8 codes cast
     * for the multiply with the output scaled (what lmforge runs); the weight dequantized first;
     * and an integer multiply (the token quantized to int8 per row, both widened to int32: DJL has
     * no int8 GEMM, and libtorch multiplies int32 without BLAS).
     */
    private void matmuls(ModelConfig config) {
        int d = config.hiddenSize();
        int[][] shapes = {{config.vocabSize(), d}, {2 * config.moe().expertIntermediateSize() * Math.max(1,
                config.moe().sharedExperts()), d}, {3 * d, d}};
        String[] names = {"head", "shared expert w13", "attention wqkv"};
        System.out.printf("| projection (out × in), one token | float32 µs | int8, output scaled µs | ratio "
                + "| int8, weight dequantized µs | ratio | int32 matmul µs | ratio |%n");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (int s = 0; s < shapes.length; s++) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray w = m.randomNormal(new Shape(shapes[s][0], shapes[s][1]));
                NDArray x = m.randomNormal(new Shape(1, d));
                NDList q = Int8.quantize(w);
                NDArray codes = q.get(0);
                NDArray scale = q.get(1);
                double fp32 = time(() -> x.getNDArrayInternal().linear(x, w, null).singletonOrThrow());
                double scaled = time(() -> Int8.linear(x, codes, scale));
                double dequantized = time(() -> x.getNDArrayInternal().linear(x, Int8.dequantize(codes, scale), null)
                        .singletonOrThrow());
                NDArray wide = codes.toType(DataType.INT32, false);
                String integer;
                try {
                    double t = time(() -> {
                        NDList xq = Int8.quantize(x);
                        return xq.get(0).toType(DataType.INT32, false).matMul(wide.transpose())
                                .toType(DataType.FLOAT32, false).mul(xq.get(1).expandDims(1)).mul(scale);
                    });
                    integer = String.format("%.0f | %.2f", t, t / fp32);
                } catch (RuntimeException e) {
                    integer = "not supported | ";
                }
                System.out.printf("| %s (%d × %d) | %.0f | %.0f | %.2f | %.0f | %.2f | %s |%n", names[s], shapes[s][0],
                        shapes[s][1], fp32, scaled, scaled / fp32, dequantized, dequantized / fp32, integer);
            }
        }
    }

    /** Best of {@code runs} means over 20 calls, in µs; each call's arrays freed before the next. */
    private double time(java.util.function.Supplier<NDArray> op) {
        double best = Double.MAX_VALUE;
        for (int r = 0; r < runs + 1; r++) {                               // the first run warms up
            long t = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
                    op.get().toFloatArray();
                }
            }
            double us = (System.nanoTime() - t) / 20 / 1e3;
            if (r > 0) {
                best = Math.min(best, us);
            }
        }
        return best;
    }
}
