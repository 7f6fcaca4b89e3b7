package io.lmforge.bench.generate;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import io.lmforge.bench.machine.Machine;
import io.lmforge.bench.train.TrainBenchCommand;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.ModelSize;
import io.lmforge.model.generate.Generator;
import io.lmforge.model.generate.Sampler;
import io.lmforge.model.generate.Sampling;
import io.lmforge.model.nn.DeepSeekModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code lmforge bench decode}: greedy decoding tokens/s with the key/value cache against
 * recomputing the whole sequence for every token, at several context lengths, and the model's
 * forward FLOP rate (one full-sequence forward pass) against the engine's matmul rate measured in
 * the same process. Random weights and tokens: speed does not depend on them.
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Decode tokens/s with the KV cache vs recomputing the sequence; forward FLOP/s vs matmul rate.")
public final class DecodeBenchCommand implements Callable<Integer> {

    @Option(names = "--presets", split = ",", description = "model presets (default: tiny,small)")
    List<String> presets = List.of("tiny", "small");

    @Option(names = "--contexts", split = ",", description = "tokens of context when decoding (default: 128,512,2048)")
    List<Integer> contexts = List.of(128, 512, 2048);

    @Option(names = "--cached-steps", description = "timed decode steps with the cache (default: 64)")
    int cachedSteps = 64;

    @Option(names = "--recompute-steps", description = "timed steps recomputing the whole sequence (default: 2)")
    int recomputeSteps = 2;

    @Option(names = "--matmul-size", description = "n of the n×n·n×n reference multiply (default: 2048)")
    int matmulSize = 2048;

    @Option(names = "--threads", description = "libtorch intra-op threads (default: libtorch's, one per core)")
    Integer threads;

    @Override
    public Integer call() {
        for (int context : contexts) {
            if (context < cachedSteps + 2) {
                System.err.printf("lmforge: --contexts %d leaves no prompt: give at least --cached-steps + 2 = %d%n",
                        context, cachedSteps + 2);
                return 2;
            }
        }
        Engine.getInstance();
        if (threads != null) {
            JniUtils.setNumThreads(threads);
        }
        JniUtils.setGradMode(false);
        System.out.printf("machine: %d cores, libtorch %s with %d intra-op threads, load average %s%n",
                Runtime.getRuntime().availableProcessors(), Engine.getInstance().getVersion(), JniUtils.getNumThreads(),
                Machine.loadAverage());
        List<String> rows = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            double matmulBefore = TrainBenchCommand.matmulRate(manager, matmulSize);
            System.out.printf("matmul rate (fp32 %d×%d · %d×%d through DJL): %.1f GFLOP/s%n", matmulSize, matmulSize,
                    matmulSize, matmulSize, matmulBefore / 1e9);
            List<double[]> forwardRates = new ArrayList<>();
            for (String preset : presets) {
                ModelConfig config = ModelConfig.preset(preset);
                ModelSize size = ModelSize.of(config);
                try (NDManager m = manager.newSubManager()) {
                    DeepSeekModel model = new DeepSeekModel(config).initialize(m, DataType.FLOAT32, 1);
                    Generator generator = new Generator(model, m);
                    for (int context : contexts) {
                        Row r = measure(generator, config, size, context);
                        forwardRates.add(new double[]{r.forwardFlops});
                        String row = String.format("| `%s` | %,d | %,.1f | %,.2f | %.1f× | %.1f | %.1f |", preset, context,
                                r.cached, r.recomputed, r.cached / r.recomputed, r.forwardFlops / 1e9, r.decodeFlops / 1e9);
                        rows.add(row);
                        System.out.println(row);
                    }
                }
            }
            double matmulAfter = TrainBenchCommand.matmulRate(manager, matmulSize);
            double matmul = Math.max(matmulBefore, matmulAfter);
            System.out.printf("matmul rate again: %.1f GFLOP/s (the higher one is the reference)%n", matmulAfter / 1e9);
            System.out.println();
            System.out.println("| preset | context | cached decode tokens/s | recompute tokens/s | ratio "
                    + "| forward GFLOP/s (full sequence) | decode GFLOP/s (cached) | forward / matmul |");
            System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
            for (int i = 0; i < rows.size(); i++) {
                System.out.printf("%s %.0f%% |%n", rows.get(i), 100 * forwardRates.get(i)[0] / matmul);
            }
            System.out.printf("matmul rate: %.1f GFLOP/s; load average after: %s%n", matmul / 1e9,
                    Machine.loadAverage());
        }
        return 0;
    }

    /**
     * @param cached       decode steps per second with the cache (one token each, context ≈ {@code context})
     * @param recomputed   tokens per second recomputing all {@code context} positions each step
     * @param forwardFlops FLOP/s of the full-sequence forward pass (the recompute step)
     * @param decodeFlops  FLOP/s of the cached decode step
     */
    private record Row(double cached, double recomputed, double forwardFlops, double decodeFlops) {
    }

    private Row measure(Generator generator, ModelConfig config, ModelSize size, int context) {
        SplittableRandom random = new SplittableRandom(context);
        int[] prompt = new int[context - cachedSteps - 1];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = random.nextInt(config.vocabSize());
        }
        // Cached: prefill (untimed), then cachedSteps forward passes of one token; the context ends at `context`.
        generator.generate(new int[][]{Arrays.copyOf(prompt, 8)}, 16, Sampling.GREEDY, 1, -1, 0, null);   // warm-up
        Generator.Result r = generator.generate(new int[][]{prompt}, cachedSteps + 1, Sampling.GREEDY, 1, -1, 0, null);
        double cached = r.decodeSteps() / (r.decodeNanos() / 1e9);

        // Recompute: each step one forward pass over all `context` positions.
        int[] sequence = new int[context];
        for (int i = 0; i < context; i++) {
            sequence[i] = random.nextInt(config.vocabSize());
        }
        long best = Long.MAX_VALUE;
        long total = 0;
        for (int s = 0; s < recomputeSteps; s++) {
            long t = System.nanoTime();
            sequence[context - 1] = Sampler.argmax(generator.logitsWithoutCache(sequence));
            long took = System.nanoTime() - t;
            best = Math.min(best, took);
            total += took;
        }
        double recomputed = recomputeSteps / (total / 1e9);
        // The full forward computes logits at every position, as training does: context × FLOPs per token.
        double forwardFlops = context * size.forwardFlopsPerToken(context) / (best / 1e9);
        // A cached step: every weight once, attention over ~context keys (half the full-matrix estimate's 4·L·T·d).
        double decodeFlops = cached * (2.0 * size.matmulActive() + 2.0 * config.layers() * context * config.hiddenSize());
        return new Row(cached, recomputed, forwardFlops, decodeFlops);
    }
}
