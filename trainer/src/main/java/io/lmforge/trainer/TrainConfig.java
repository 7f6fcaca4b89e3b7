package io.lmforge.trainer;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.lora.LoraConfig;
import io.lmforge.trainer.dist.DistributedSettings;
import io.lmforge.trainer.distill.DistillSettings;
import io.lmforge.trainer.freeze.FreezeSpec;

import java.io.File;
import java.io.Serializable;
import java.util.Set;

/**
 * A training run's settings, read from HOCON with strict keys (see {@code conf/train-tiny.conf}):
 * {@code model}, {@code train}, {@code optimizer}, {@code eval}, {@code checkpoint}, {@code metrics},
 * {@code distributed} (data parallelism; one rank by default) and {@code distill} (a teacher to
 * learn from). Serializable: a data-parallel run ships it to the executors.
 */
public record TrainConfig(ModelConfig model, boolean vocabSizeExplicit, Run run, Optimizer optimizer, Eval eval,
                          Checkpoint checkpoint, Metrics metrics, DistributedSettings distributed, FreezeSpec freeze,
                          DistillSettings distill, LoraConfig lora) implements Serializable {

    /** {@code train.freeze}: the parameters that stay fixed. */
    public TrainConfig withFreeze(FreezeSpec f) {
        return new TrainConfig(model, vocabSizeExplicit, run, optimizer, eval, checkpoint, metrics, distributed, f, distill,
                lora);
    }

    /** The {@code distill} section. */
    public TrainConfig withDistill(DistillSettings d) {
        return new TrainConfig(model, vocabSizeExplicit, run, optimizer, eval, checkpoint, metrics, distributed, freeze, d,
                lora);
    }

    /** The same with other LoRA settings. */
    public TrainConfig withLora(LoraConfig settings) {
        return new TrainConfig(model, vocabSizeExplicit, run, optimizer, eval, checkpoint, metrics, distributed, freeze,
                distill, settings);
    }

    /**
     * @param microBatch       sequences per forward pass (per rank)
     * @param gradAccumulation micro-batches per optimizer step
     * @param contextLength    training context; 0 means the shards' seq_len (a shorter one splits each window)
     * @param maskDocuments    keep attention inside each packed document (the shards' doc_starts)
     * @param device           "cpu" or "gpu"
     * @param threads          libtorch intra-op threads; 0 keeps libtorch's default
     * @param precision        fp32, or fp16 compute with fp32 master weights, and loss scaling
     */
    public record Run(long seed, long maxSteps, int microBatch, int gradAccumulation, int contextLength,
                      double labelSmoothing, boolean maskDocuments, String device, int threads, Precision precision)
            implements Serializable {

        public Run withMaxSteps(long steps) {
            return new Run(seed, steps, microBatch, gradAccumulation, contextLength, labelSmoothing, maskDocuments, device,
                    threads, precision);
        }

        public Run withMicroBatch(int sequences) {
            if (sequences < 1) {
                throw new InvalidConfigException("train.micro-batch must be at least 1: " + sequences);
            }
            return new Run(seed, maxSteps, sequences, gradAccumulation, contextLength, labelSmoothing, maskDocuments, device,
                    threads, precision);
        }

        public Run withThreads(int n) {
            return new Run(seed, maxSteps, microBatch, gradAccumulation, contextLength, labelSmoothing, maskDocuments, device,
                    n, precision);
        }
    }

    /**
     * {@code train.precision} and {@code train.loss-scale}.
     *
     * @param fp16       fp16 compute with fp32 master weights (see {@code MixedPrecision}); false: fp32 throughout
     * @param lossScaling dynamic loss scaling; on by default with fp16, off with fp32
     * @param lossScale  the scaler's settings (PyTorch GradScaler's defaults)
     */
    public record Precision(boolean fp16, boolean lossScaling, DynamicLossScaler.Config lossScale) implements Serializable {
        public static final Precision FP32 = new Precision(false, false, DynamicLossScaler.Config.defaults());
    }

    /** AdamW, the schedule and clipping. {@code decaySteps} 0 means "until max-steps". */
    public record Optimizer(double lr, double minLr, int warmupSteps, int decaySteps, AdamW.Hyper adam, double gradClip)
            implements Serializable {
    }

    /** @param maxSequences validation samples per evaluation (0: the whole split); patience 0: no early stop */
    public record Eval(int every, long maxSequences, int patience, double minDelta) implements Serializable {
    }

    public record Checkpoint(int every, int keep) implements Serializable {
    }

    /** @param prometheusPort 0 for an ephemeral port, negative to switch the endpoint off */
    public record Metrics(int logEvery, int prometheusPort, String prometheusHost) implements Serializable {
    }

    /**
     * Where a training config's defaults are, in the merged reference.conf (trainer's own; its
     * {@code model} section is model's {@code lmforge.model}).
     */
    public static final String NAMESPACE = "lmforge.train";

    public static TrainConfig load(File file) {
        return from(Settings.load(file, NAMESPACE));
    }

    public static TrainConfig from(Settings root) {
        Settings modelSection = root.section("model");
        // The vocabulary comes from the shards unless the config sets a (larger, padded) one.
        boolean vocabExplicit = modelSection.raw().hasPath("vocab-size");
        ModelConfig model = ModelConfig.fromSettings(modelSection);

        Settings t = root.section("train");
        Run run = new Run(
                t.longValue("seed"),
                positive(t, "max-steps", t.longValue("max-steps")),
                (int) positive(t, "micro-batch", t.integer("micro-batch")),
                (int) positive(t, "grad-accumulation", t.integer("grad-accumulation")),
                (int) atLeast(t, "context-length", t.integer("context-length"), 0),
                t.inRange("label-smoothing", t.decimal("label-smoothing"), 0, 0.99),
                t.bool("mask-documents"),
                t.oneOf("device", t.string("device"), Set.of("cpu", "gpu")),
                (int) atLeast(t, "threads", t.integer("threads"), 0),
                precision(t));
        FreezeSpec freeze = FreezeSpec.parse(t.name("freeze"), t.string("freeze"));
        t.requireNoUnknownKeys();

        Settings o = root.section("optimizer");
        double lr = o.decimal("lr");
        Optimizer optimizer = new Optimizer(
                o.inRange("lr", lr, 1e-12, 10),
                o.inRange("min-lr", o.decimal("min-lr"), 0, lr),
                (int) atLeast(o, "warmup-steps", o.integer("warmup-steps"), 0),
                (int) atLeast(o, "decay-steps", o.integer("decay-steps"), 0),
                new AdamW.Hyper(
                        o.inRange("beta1", o.decimal("beta1"), 0, 0.999999),
                        o.inRange("beta2", o.decimal("beta2"), 0, 0.999999),
                        o.inRange("eps", o.decimal("eps"), 0, 1),
                        o.inRange("weight-decay", o.decimal("weight-decay"), 0, 10)),
                o.inRange("grad-clip", o.decimal("grad-clip"), 0, 1e9));
        o.requireNoUnknownKeys();

        Settings e = root.section("eval");
        Eval eval = new Eval(
                (int) positive(e, "every", e.integer("every")),
                atLeast(e, "max-sequences", e.longValue("max-sequences"), 0),
                (int) atLeast(e, "patience", e.integer("patience"), 0),
                e.inRange("min-delta", e.decimal("min-delta"), 0, 1e9));
        e.requireNoUnknownKeys();

        Settings c = root.section("checkpoint");
        Checkpoint checkpoint = new Checkpoint(
                (int) positive(c, "every", c.integer("every")),
                (int) positive(c, "keep", c.integer("keep")));
        c.requireNoUnknownKeys();

        Settings m = root.section("metrics");
        Metrics metrics = new Metrics(
                (int) positive(m, "log-every", m.integer("log-every")),
                m.integer("prometheus-port"),
                m.string("prometheus-host"));
        m.requireNoUnknownKeys();

        DistributedSettings distributed = DistributedSettings.from(root.section("distributed"));
        DistillSettings distill = DistillSettings.from(root.section("distill"));
        LoraConfig lora = LoraConfig.fromSettings(root.section("lora"));
        root.requireNoUnknownKeys();
        return new TrainConfig(model, vocabExplicit, run, optimizer, eval, checkpoint, metrics, distributed, freeze,
                distill, lora);
    }

    private static Precision precision(Settings t) {
        boolean fp16 = t.oneOf("precision", t.string("precision"), Set.of("fp32", "fp16")).equals("fp16");
        Settings s = t.section("loss-scale");
        String enabled = s.oneOf("enabled", s.string("enabled"), Set.of("auto", "true", "false"));
        DynamicLossScaler.Config config;
        try {
            config = new DynamicLossScaler.Config(
                    (float) s.decimal("initial"),
                    (float) s.decimal("growth-factor"),
                    (float) s.decimal("backoff-factor"),
                    (int) positive(s, "growth-interval", s.integer("growth-interval")),
                    (float) s.decimal("min"),
                    (float) s.decimal("max"),
                    (int) positive(s, "max-overflows-at-min", s.integer("max-overflows-at-min")));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(s.path() + ": " + e.getMessage(), e);
        }
        s.requireNoUnknownKeys();
        boolean scaling = enabled.equals("auto") ? fp16 : Boolean.parseBoolean(enabled);
        return new Precision(fp16, scaling, config);
    }

    /** Sequences per optimizer step over all ranks. */
    public long globalBatch(int worldSize) {
        return (long) run.microBatch() * run.gradAccumulation() * worldSize;
    }

    public LearningRateSchedule schedule() {
        int decay = optimizer.decaySteps() > 0 ? optimizer.decaySteps()
                : (int) Math.max(1, run.maxSteps() - optimizer.warmupSteps());
        return new LearningRateSchedule(optimizer.lr(), optimizer.minLr(), optimizer.warmupSteps(), decay);
    }

    private static long positive(Settings s, String key, long value) {
        return atLeast(s, key, value, 1);
    }

    private static long atLeast(Settings s, String key, long value, long min) {
        if (value < min) {
            throw new InvalidConfigException(s.name(key) + " = " + value + " must be at least " + min);
        }
        return value;
    }
}
