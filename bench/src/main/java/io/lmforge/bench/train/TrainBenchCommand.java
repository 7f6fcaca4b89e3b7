package io.lmforge.bench.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.lmforge.bench.machine.Machine;
import io.lmforge.model.LanguageModelLoss;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.ModelSize;
import io.lmforge.trainer.AdamW;
import io.lmforge.trainer.MixedPrecision;
import io.lmforge.trainer.dist.GradientSync;
import io.lmforge.trainer.TrainingStep;
import io.lmforge.trainer.data.Batch;
import io.lmforge.trainer.data.TokenWindow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code lmforge bench train}: training throughput of a preset and the model FLOP/s it achieves,
 * against the matrix-multiply rate of the same engine measured in the same run (before and after
 * the training steps, the higher one counts, so a noisy neighbour cannot flatter the ratio).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Training tokens/s and achieved model FLOP/s against the engine's matmul rate, in one run.")
public final class TrainBenchCommand implements Callable<Integer> {

    @Option(names = "--preset", description = "model preset (default: tiny)")
    String preset = "tiny";

    @Option(names = "--context", description = "tokens per sequence (default: 256)")
    int context = 256;

    @Option(names = "--micro-batch", description = "sequences per step (default: 16)")
    int microBatch = 16;

    @Option(names = "--vocab-size", description = "vocabulary (default: the preset's)")
    Integer vocabSize;

    @Option(names = "--steps", description = "timed steps (default: 8)")
    int steps = 8;

    @Option(names = "--warmup", description = "untimed steps first (default: 2)")
    int warmup = 2;

    @Option(names = "--matmul-size", description = "n of the n×n·n×n reference multiply (default: 2048)")
    int matmulSize = 2048;

    @Option(names = "--threads", description = "libtorch intra-op threads (default: libtorch's, one per core)")
    Integer threads;

    @Option(names = "--device", description = "cpu or gpu (default: cpu)")
    String device = "cpu";

    @Override
    public Integer call() {
        Engine.getInstance();
        if (threads != null) {
            JniUtils.setNumThreads(threads);
        }
        JniUtils.setGradMode(false);
        ModelConfig config = ModelConfig.preset(preset);
        if (vocabSize != null) {
            config = config.withVocabSize(vocabSize);
        }
        ModelSize size = ModelSize.of(config);
        Device dev = "gpu".equals(device) ? Device.gpu() : Device.cpu();
        System.out.printf("machine: %d cores, libtorch %s with %d intra-op threads, load average %s%n",
                Runtime.getRuntime().availableProcessors(), Engine.getInstance().getVersion(), JniUtils.getNumThreads(),
                Machine.loadAverage());

        try (NDManager manager = NDManager.newBaseManager(dev)) {
            double matmulBefore = matmulRate(manager, matmulSize);
            System.out.printf("matmul rate (fp32 %d×%d · %d×%d through DJL): %.1f GFLOP/s%n",
                    matmulSize, matmulSize, matmulSize, matmulSize, matmulBefore / 1e9);

            MixedPrecision models = MixedPrecision.create(config, manager, false, 1);
            AdamW optimizer = new AdamW(AdamW.Hyper.DEFAULT, models.master().namedParameters(), manager);
            TrainingStep step = new TrainingStep(models, manager, optimizer, GradientSync.singleProcess(),
                    new TrainingStep.Options(new LanguageModelLoss(-100, 0), 1.0, 1, false));
            SplittableRandom random = new SplittableRandom(7);
            int vocab = config.vocabSize();
            System.out.print(size.describe(context));
            for (int i = 0; i < warmup; i++) {
                step.run(() -> batch(random, vocab), 1e-4);
            }
            double[] stepSeconds = new double[steps];
            long tokensPerStep = (long) microBatch * context;
            double loss = 0;
            for (int i = 0; i < steps; i++) {
                long t = System.nanoTime();
                loss = step.run(() -> batch(random, vocab), 1e-4).loss();
                stepSeconds[i] = (System.nanoTime() - t) / 1e9;
            }
            double seconds = java.util.Arrays.stream(stepSeconds).sum();
            // The median step: a neighbour's burst on a shared machine inflates single steps, not the median.
            double[] sorted = stepSeconds.clone();
            java.util.Arrays.sort(sorted);
            double median = steps % 2 == 1 ? sorted[steps / 2] : (sorted[steps / 2 - 1] + sorted[steps / 2]) / 2;

            double matmulAfter = matmulRate(manager, matmulSize);
            double matmul = Math.max(matmulBefore, matmulAfter);
            double tokensPerSecond = tokensPerStep / median;
            double flops = tokensPerSecond * size.trainingFlopsPerToken(context);
            System.out.printf("matmul rate again after training: %.1f GFLOP/s (the higher one is the reference)%n",
                    matmulAfter / 1e9);
            System.out.printf("training %s: micro-batch %d × %d tokens, %d steps in %.1f s (median step %.2f s, loss %.3f): "
                    + "%,.0f tokens/s (%,.0f over all steps)%n", config.name(), microBatch, context, steps, seconds, median,
                    loss, tokensPerSecond, tokensPerStep * steps / seconds);
            System.out.printf("achieved model FLOP/s: %.1f GFLOP/s = %.0f%% of the matmul rate%n",
                    flops / 1e9, 100 * flops / matmul);
            System.out.printf("load average after: %s%n", Machine.loadAverage());
        }
        return 0;
    }

    private Batch batch(SplittableRandom random, int vocab) {
        return randomBatch(random, microBatch, context, vocab);
    }

    /** {@code sequences} windows of uniformly random tokens (throughput does not depend on the text). */
    public static Batch randomBatch(SplittableRandom random, int sequences, int context, int vocab) {
        List<TokenWindow> windows = new ArrayList<>(sequences);
        for (int b = 0; b < sequences; b++) {
            int[] t = new int[context + 1];
            for (int i = 0; i < t.length; i++) {
                t[i] = random.nextInt(vocab);
            }
            windows.add(new TokenWindow(t, "bench", new int[]{0}));
        }
        return new Batch(windows, context);
    }

    /** FLOP/s of an n×n by n×n fp32 multiply through DJL: the best of several timed rounds. */
    public static double matmulRate(NDManager manager, int n) {
        NDArray a = manager.randomNormal(new Shape(n, n));
        NDArray b = manager.randomNormal(new Shape(n, n));
        double flops = 2.0 * n * n * n;
        int reps = (int) Math.max(2, Math.min(50, 4e10 / flops));
        double best = 0;
        for (int round = 0; round < 4; round++) {
            long t = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                NDArray c = a.matMul(b);
                c.getFloat(0, 0);          // forces completion on asynchronous devices
                c.close();
            }
            best = Math.max(best, reps * flops / ((System.nanoTime() - t) / 1e9));
        }
        a.close();
        b.close();
        return best;
    }
}
