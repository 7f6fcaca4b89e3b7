package io.lmforge.bench.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import io.lmforge.bench.machine.Machine;
import io.lmforge.model.LanguageModelLoss;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.lora.LoraAdapters;
import io.lmforge.model.lora.LoraConfig;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.trainer.AdamW;
import io.lmforge.trainer.MixedPrecision;
import io.lmforge.trainer.TrainingStep;
import io.lmforge.trainer.dist.GradientSync;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code lmforge bench lora}: LoRA against full fine-tuning of the same model on the same batches,
 * in one run: trainable parameters, checkpoint bytes (weights plus AdamW moments, as the trainer
 * writes them) and the median step time, steps of the two alternating so load affects both alike.
 */
@Command(name = "lora", mixinStandardHelpOptions = true,
        description = "LoRA vs full fine-tuning: trainable parameters, checkpoint size, step time, in one run.")
public final class LoraBench implements Callable<Integer> {

    @Option(names = "--preset", description = "model preset (default: tiny)")
    String preset = "tiny";

    @Option(names = "--context", description = "tokens per sequence (default: 128)")
    int context = 128;

    @Option(names = "--micro-batch", description = "sequences per step (default: 4)")
    int microBatch = 4;

    @Option(names = "--steps", description = "timed steps of each (default: 6)")
    int steps = 6;

    @Option(names = "--warmup", description = "untimed steps of each first (default: 1)")
    int warmup = 1;

    @Option(names = "--rank", description = "LoRA rank (default: 8)")
    int rank = 8;

    @Option(names = "--alpha", description = "LoRA alpha (default: 16)")
    double alpha = 16;

    @Option(names = "--targets", split = ",", description = "LoRA targets (default: q,v)")
    List<String> targets = List.of("q", "v");

    @Option(names = "--threads", description = "libtorch intra-op threads (default: libtorch's)")
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
        LoraConfig lora = new LoraConfig(rank, alpha, targets, 0);
        Device dev = "gpu".equals(device) ? Device.gpu() : Device.cpu();
        System.out.printf("machine: %d cores, %s, libtorch %s with %d intra-op threads, load average %s%n",
                Runtime.getRuntime().availableProcessors(), dev, Engine.getInstance().getVersion(), JniUtils.getNumThreads(),
                Machine.loadAverage());
        try (NDManager manager = NDManager.newBaseManager(dev)) {
            MixedPrecision full = MixedPrecision.create(config, manager, false, 1);
            Map<String, Parameter> all = full.master().namedParameters();
            AdamW fullOptimizer = new AdamW(AdamW.Hyper.DEFAULT, all, manager);

            DeepSeekModel base = new DeepSeekModel(config).initialize(manager, DataType.FLOAT32, 1);
            LoraAdapters adapters = LoraAdapters.attach(base, lora, manager, DataType.FLOAT32, 2);
            AdamW loraOptimizer = new AdamW(AdamW.Hyper.DEFAULT, adapters.parameters(), manager);

            TrainingStep.Options options = new TrainingStep.Options(new LanguageModelLoss(-100, 0), 1.0, 1, false);
            TrainingStep fullStep = new TrainingStep(full, manager, fullOptimizer, GradientSync.singleProcess(), options);
            TrainingStep loraStep = new TrainingStep(MixedPrecision.fp32(base, adapters.parameters(), manager), manager,
                    loraOptimizer, GradientSync.singleProcess(), options);

            long fullCount = count(all);
            long loraCount = adapters.parameterCount();
            System.out.printf("model %s: %,d parameters; LoRA rank %d alpha %s on %s: %,d trainable (%.3f%%)%n",
                    config.name(), fullCount, rank, alpha, String.join(",", targets), loraCount, 100.0 * loraCount / fullCount);

            double[] fullSeconds = new double[steps];
            double[] loraSeconds = new double[steps];
            SplittableRandom fullData = new SplittableRandom(7);
            SplittableRandom loraData = new SplittableRandom(7);
            int vocab = config.vocabSize();
            for (int i = -warmup; i < steps; i++) {
                long t = System.nanoTime();
                fullStep.run(() -> TrainBenchCommand.randomBatch(fullData, microBatch, context, vocab), 1e-4);
                long u = System.nanoTime();
                loraStep.run(() -> TrainBenchCommand.randomBatch(loraData, microBatch, context, vocab), 1e-4);
                long v = System.nanoTime();
                if (i >= 0) {
                    fullSeconds[i] = (u - t) / 1e9;
                    loraSeconds[i] = (v - u) / 1e9;
                }
            }
            long fullBytes = bytes(all, fullOptimizer);
            long loraBytes = bytes(adapters.parameters(), loraOptimizer);
            System.out.printf("checkpoint (weights + AdamW moments): full %,d bytes, LoRA adapter %,d bytes (%.4fx)%n",
                    fullBytes, loraBytes, (double) loraBytes / fullBytes);
            double fullMedian = median(fullSeconds);
            double loraMedian = median(loraSeconds);
            System.out.printf("step (micro-batch %d × %d tokens, median of %d): full %.3f s, LoRA %.3f s (%.2fx the full step)%n",
                    microBatch, context, steps, fullMedian, loraMedian, loraMedian / fullMedian);
            System.out.printf("load average after: %s%n", Machine.loadAverage());
        }
        return 0;
    }

    private static long count(Map<String, Parameter> parameters) {
        return parameters.values().stream().mapToLong(p -> p.getShape().size()).sum();
    }

    /** The bytes of model.safetensors plus optimizer.safetensors for these tensors, encoded as the trainer does. */
    private static long bytes(Map<String, Parameter> parameters, AdamW optimizer) {
        NDList tensors = new NDList();
        parameters.forEach((name, p) -> {
            NDArray a = p.getArray();
            a.setName(name);
            tensors.add(a);
        });
        return encoded(tensors) + encoded(optimizer.state());
    }

    private static long encoded(NDList tensors) {
        long[] n = {0};
        try (OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                n[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                n[0] += len;
            }
        }) {
            tensors.encode(counter, NDList.Encoding.SAFETENSORS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n[0];
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
