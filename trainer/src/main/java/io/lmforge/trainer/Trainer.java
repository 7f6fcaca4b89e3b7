package io.lmforge.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.model.LanguageModelLoss;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.checkpoint.Weights;
import io.lmforge.trainer.data.Batch;
import io.lmforge.trainer.data.DataPosition;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.data.ShardSplit;
import io.lmforge.trainer.data.TrainingStream;
import io.lmforge.trainer.data.UnigramEntropy;
import io.lmforge.trainer.dist.GradientSync;
import io.lmforge.trainer.distill.Distillation;
import io.lmforge.trainer.distill.Teacher;
import io.lmforge.trainer.freeze.ParameterFreeze;
import io.lmforge.trainer.metrics.EvalReport;
import io.lmforge.trainer.metrics.RankPace;
import io.lmforge.trainer.metrics.StepReport;
import io.lmforge.trainer.metrics.TrainingMetrics;
import org.apache.hadoop.conf.Configuration;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;

/**
 * The training loop, top to bottom:
 *
 * <pre>
 *   restore the newest checkpoint (the one rank 0 picks), or start every rank from rank 0's initial weights
 *   for each step:                                                       (see TrainingStep)
 *     for each micro-batch:  forward → loss (cross-entropy, with a teacher blended with its KL, + MoE balance) → backward
 *     sync.averageGradients(…)          ← the all-reduce of data-parallel training
 *     unscale, clip to the global norm, AdamW update at the scheduled learning rate, zero the gradients
 *     every N steps: log (rank 0, with every rank's pace), validate (early stopping), checkpoint (rank 0)
 * </pre>
 *
 * One instance is one rank's run; a single process passes {@link GradientSync#singleProcess()},
 * a data-parallel rank a sync backed by a collective (see {@code dist/spark/DistributedTraining}).
 */
public final class Trainer {
    private static final int MAX_CONSECUTIVE_SKIPS = 20;
    /** Tokens counted for the unigram entropy baseline (the first blocks of a larger split). */
    private static final long UNIGRAM_SAMPLE_TOKENS = 20_000_000;

    private final TrainConfig config;
    private final ShardManifest shards;
    private final Path runDir;
    private final GradientSync sync;
    private final Options options;

    /**
     * @param stopAtStep stop after this step as if interrupted (a later run resumes); 0 for none
     * @param resume     continue from the newest checkpoint in the run directory, if there is one
     */
    public record Options(long stopAtStep, boolean resume, java.io.PrintStream console, int gpu, String initFrom) {
        /**
         * @param gpu      the CUDA device when {@code train.device = gpu}
         * @param initFrom a run without a checkpoint to resume starts from the weights of this
         *                 Hugging Face directory ({@code lmforge export --format hf}); null: random.
         *                 With LoRA ({@code lora.rank > 0}): the base checkpoint or run, on every start
         */
        public Options {
        }

        public Options(long stopAtStep, boolean resume, java.io.PrintStream console, int gpu) {
            this(stopAtStep, resume, console, gpu, null);
        }

        public Options(long stopAtStep, boolean resume, java.io.PrintStream console) {
            this(stopAtStep, resume, console, 0);
        }

        public static Options defaults() {
            return new Options(0, true, System.out);
        }
    }

    /**
     * How a run ended.
     *
     * @param tokensPerSecond    this rank's trained tokens per second over the steps of this run
     * @param communicationShare this rank's share of those steps spent in collectives
     */
    public record Result(long step, long tokensSeen, double lastLoss, EvalReport lastEval, boolean stoppedEarly,
                         Path lastCheckpoint, long resumedFrom, double tokensPerSecond, double communicationShare) {
    }

    public Trainer(TrainConfig config, ShardManifest shards, Path runDir, GradientSync sync, Options options) {
        this.config = config;
        this.shards = shards;
        this.runDir = runDir;
        this.sync = sync;
        this.options = options;
    }

    public Result run() {
        TrainConfig.Run run = config.run();
        LoraBase lora = LoraBase.open(config.lora(), options.initFrom(), shards);
        if (lora != null && config.freeze().freezes()) {
            // LoRA already freezes every base weight; a freeze spec would only pick among the adapters.
            throw new InvalidConfigException("train.freeze = " + config.freeze().text()
                    + " cannot be combined with LoRA (lora.rank > 0): LoRA keeps every base weight frozen");
        }
        ModelConfig modelConfig = lora != null ? lora.modelConfig() : modelConfigFor(shards);
        int context = contextLength(modelConfig);
        startEngine(run.threads());
        Device device = "gpu".equals(run.device()) ? Device.gpu(options.gpu()) : Device.cpu();
        try (NDManager manager = NDManager.newBaseManager(device);
             Teacher teacher = Teacher.ofSettings(config.distill(), shards, modelConfig, device)) {
            MixedPrecision models = lora != null ? lora.models(manager, run)
                    : MixedPrecision.create(modelConfig, manager, run.precision().fp16(), run.seed());
            models.freeze(ParameterFreeze.select(config.freeze(), models.masterParameters(), modelConfig.layers()));
            AdamW optimizer = new AdamW(config.optimizer().adam(), models.trainableParameters(), manager);
            EarlyStopping stopping = new EarlyStopping(config.eval().patience(), config.eval().minDelta());
            Checkpoints checkpoints = new Checkpoints(runDir);
            Start start = restoreOrInitialize(checkpoints, modelConfig, models, optimizer, stopping, manager, lora);
            DynamicLossScaler scaler = lossScaler(start);
            TrainingStep trainingStep = new TrainingStep(models, manager, optimizer, sync, new TrainingStep.Options(
                    new LanguageModelLoss(shards.ignoreIndex(), run.labelSmoothing()), config.optimizer().gradClip(),
                    run.gradAccumulation(), run.maskDocuments(), scaler,
                    Distillation.of(teacher, config.distill(), shards.ignoreIndex())));
            Configuration hadoop = new Configuration();
            ModelFiles modelFiles = ModelFiles.of(shards, modelConfig, hadoop);
            ShardSplit trainSplit = ShardSplit.open(shards, "train", context, hadoop);
            ShardSplit valSplit = ShardSplit.open(shards, "val", context, hadoop);
            Validation validation = new Validation(valSplit, new ArrayList<>(shards.split("val").tokensByDomain().keySet()),
                    config.eval().maxSequences(), run.microBatch());

            try (TrainingStream data = new TrainingStream(trainSplit, run.seed(), sync.rank(), sync.worldSize(), start.position());
                 TrainingMetrics metrics = TrainingMetrics.open(metricsSettings(), runDir, sync.rank() == 0,
                         start.resumedFrom(), options.console())) {
                reportStart(metrics, start, modelConfig, context, trainSplit, valSplit, models.fp16(), device);
                reportFineTuning(metrics, start.step(), models.freeze(), teacher);
                Session session = new Session(models, manager, optimizer, stopping, scaler, checkpoints, trainingStep, data,
                        context, validation, valSplit.samples() > 0, new ParameterStore(manager, false),
                        new LanguageModelLoss(shards.ignoreIndex(), 0), metrics,
                        lora != null ? lora.checkpointFiles(modelFiles.files()) : modelFiles.files());
                if (lora != null && sync.rank() == 0) {
                    metrics.event(start.step(), "lora", lora.report());
                    options.console().println(lora.summary());
                }
                if (modelFiles.warning() != null && sync.rank() == 0) {
                    metrics.warning(start.step(), modelFiles.warning());
                }
                Progress progress = new Progress(start);
                long stopAt = options.stopAtStep() > 0 ? Math.min(options.stopAtStep(), run.maxSteps()) : run.maxSteps();

                while (progress.step < stopAt) {
                    throwIfInterrupted(progress.step);
                    TrainingStep.Outcome outcome = step(session, progress);
                    boolean last = progress.step == stopAt;
                    if (progress.step % config.metrics().logEvery() == 0 || last || outcome.skipped()) {
                        log(session, progress, outcome);
                    }
                    if ((progress.step % config.eval().every() == 0 || last) && session.validates()) {
                        evaluate(session, progress);
                    }
                    if (progress.step % config.checkpoint().every() == 0 || last || progress.stoppedEarly) {
                        progress.lastCheckpoint = checkpoint(session, progress);
                    }
                    if (progress.stoppedEarly) {
                        reportEarlyStop(session, progress);
                        break;
                    }
                }
                metrics.finished(progress.step, progress.tokensSeen, progress.lastLoss, progress.lastEval,
                        trainSplit.badRows() + valSplit.badRows());
                return progress.result();
            }
        }
    }

    /**
     * What the loop trains with, built once before the first step.
     *
     * @param scaler    the loss scaler, null without loss scaling
     * @param validates whether the val split has samples (else no validation and no early stopping)
     * @param modelFiles config.json and the tokenizer, copied into every checkpoint
     */
    private record Session(MixedPrecision models, NDManager manager, AdamW optimizer, EarlyStopping stopping,
                           DynamicLossScaler scaler, Checkpoints checkpoints, TrainingStep trainingStep,
                           TrainingStream data, int context, Validation validation, boolean validates,
                           ParameterStore validationStore, LanguageModelLoss validationLoss, TrainingMetrics metrics,
                           Map<String, byte[]> modelFiles) {
    }

    /**
     * Where this run begins: the step, tokens and this rank's data position of the checkpoint it
     * resumes from, or the beginning.
     *
     * @param resumedFrom the checkpoint's step, -1 for a run from the initial weights
     * @param lossScale   the checkpointed loss scaler's state, null when there is none to continue
     */
    private record Start(long step, long tokensSeen, DataPosition position, long resumedFrom, Path checkpoint,
                         DynamicLossScaler.State lossScale) {
        static final Start BEGINNING = new Start(0, 0, DataPosition.START, -1, null, null);
    }

    /** What changes from step to step and ends up in the {@link Result}. */
    private static final class Progress {
        final long resumedFrom;
        final Pace pace = new Pace();
        long step;
        long tokensSeen;
        double learningRate;
        double lastLoss = Double.NaN;
        EvalReport lastEval;
        Path lastCheckpoint;
        boolean stoppedEarly;
        int consecutiveSkips;

        Progress(Start start) {
            resumedFrom = start.resumedFrom();
            step = start.step();
            tokensSeen = start.tokensSeen();
            lastCheckpoint = start.checkpoint();
        }

        Result result() {
            return new Result(step, tokensSeen, lastLoss, lastEval, stoppedEarly, lastCheckpoint, resumedFrom,
                    pace.rankTokensPerSecondOverall(), pace.communicationShareOverall());
        }
    }

    private static void startEngine(int threads) {
        Engine.getInstance();                   // loads libtorch before the JNI calls below
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        // Grad mode is per thread in libtorch; DJL switches it off only on the thread that loaded
        // the engine, and a Spark task thread may be another one.
        JniUtils.setGradMode(false);
    }

    /**
     * Resumes every rank from the checkpoint rank 0 picks, or, for a new run, makes every rank's
     * weights rank 0's initial ones.
     */
    private Start restoreOrInitialize(Checkpoints checkpoints, ModelConfig modelConfig, MixedPrecision models,
                                      AdamW optimizer, EarlyStopping stopping, NDManager manager, LoraBase lora) {
        if (sync.rank() == 0) {
            checkpoints.removeIncomplete();
            if (!options.resume()) {
                // A fresh run must not leave older checkpoints behind for a later resume to pick.
                checkpoints.deleteAll();
            }
        }
        Optional<Checkpoints.Loaded> restored = options.resume() ? agreedCheckpoint(checkpoints, manager) : Optional.empty();
        Start start = Start.BEGINNING;
        if (restored.isPresent()) {
            if (lora != null) {
                lora.requireResumable(restored.get().path());
            }
            CheckpointState s = restore(restored.get(), modelConfig, models.masterParameters(), optimizer, stopping);
            start = new Start(s.step(), s.tokensSeen(), s.dataPositions().get(sync.rank()), s.step(),
                    restored.get().path(), s.lossScale());
        } else {
            if (options.initFrom() != null && lora == null && sync.rank() == 0) {
                initializeFrom(Path.of(options.initFrom()), models.masterParameters(), manager);
            }
            sync.replicateParameters(models.masterParameters());
        }
        models.copyMasterToCompute();
        return start;
    }

    /** Copies a checkpoint's or an exported Hugging Face directory's weights into the parameters (shapes must agree). */
    private void initializeFrom(Path dir, java.util.Map<String, ai.djl.nn.Parameter> parameters, NDManager manager) {
        try (NDManager scratch = manager.newSubManager()) {
            Weights.load(parameters, InitialWeights.read(dir, shards, scratch), dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading --init-from " + dir, e);
        } catch (IllegalStateException e) {
            throw new io.lmforge.config.InvalidConfigException("--init-from " + dir + " does not fit the config's model: "
                    + e.getMessage());
        }
        options.console().printf("initialized from %s%n", dir);
    }

    /** The run's loss scaler, continuing a checkpointed one; null without loss scaling. */
    private DynamicLossScaler lossScaler(Start start) {
        TrainConfig.Precision precision = config.run().precision();
        if (!precision.lossScaling()) {
            return null;
        }
        return start.lossScale() == null ? new DynamicLossScaler(precision.lossScale())
                : DynamicLossScaler.restore(precision.lossScale(), start.lossScale());
    }

    private TrainingMetrics.Settings metricsSettings() {
        TrainConfig.Run run = config.run();
        return new TrainingMetrics.Settings(run.microBatch(), run.gradAccumulation(), config.globalBatch(sync.worldSize()),
                run.precision().fp16(), run.precision().lossScaling(), config.metrics().prometheusHost(),
                config.metrics().prometheusPort());
    }

    private void reportStart(TrainingMetrics metrics, Start start, ModelConfig modelConfig, int context,
                             ShardSplit trainSplit, ShardSplit valSplit, boolean fp16, Device device) {
        metrics.started(start.step(), modelConfig, context, trainSplit, valSplit, sync.worldSize(), start.resumedFrom(),
                device);
        if (sync.rank() == 0) {
            metrics.unigramEntropy(start.step(), UnigramEntropy.of(trainSplit, shards.vocabSize(), UNIGRAM_SAMPLE_TOKENS));
        }
        if (fp16 && !device.isGpu()) {
            metrics.warning(start.step(), "train.precision = fp16 on the CPU: libtorch emulates fp16 there, slower than fp32; "
                    + "fp16 is for GPUs");
        }
        if (valSplit.samples() == 0) {
            metrics.warning(start.step(), "the val split has no samples: no validation, no early stopping");
        }
        if (shards.lossMasked() && !config.run().maskDocuments()) {
            metrics.warning(start.step(), "fine-tuning shards pack several examples per window; with train.mask-documents "
                    + "= false each example also attends to the ones before it in its window");
        }
    }

    /** What the log says about frozen parameters and the teacher, when there are any. */
    private void reportFineTuning(TrainingMetrics metrics, long step, ParameterFreeze freeze, Teacher teacher) {
        if (sync.rank() != 0) {
            return;
        }
        if (freeze.spec().freezes()) {
            metrics.event(step, "freeze", freeze.details());
            options.console().println(freeze.describe());
        }
        if (teacher != null) {
            metrics.event(step, "distillation", teacher.details(config.distill()));
            options.console().printf("distilling from %s (%,d parameters): alpha %s, temperature %s%n",
                    teacher.directory(), io.lmforge.model.ModelSize.of(teacher.config()).total(),
                    config.distill().alpha(), config.distill().temperature());
        }
    }

    private void throwIfInterrupted(long step) {
        if (Thread.currentThread().isInterrupted()) {
            // Spark interrupts a rank whose stage is being cancelled (a sibling failed).
            throw new CancellationException("rank " + sync.rank() + ": interrupted before step " + (step + 1));
        }
    }

    /** One optimizer step: forward/backward per micro-batch, all-reduce, clip, AdamW. */
    private TrainingStep.Outcome step(Session session, Progress progress) {
        long started = System.nanoTime();
        long communicationBefore = sync.communicationNanos();
        int microBatch = config.run().microBatch();
        progress.learningRate = config.schedule().at(progress.step);
        TrainingStep.Outcome outcome = session.trainingStep().run(
                () -> new Batch(session.data().next(microBatch), session.context()), progress.learningRate);
        progress.tokensSeen += outcome.tokens() * sync.worldSize();
        progress.step++;
        progress.consecutiveSkips = outcome.skipped() ? progress.consecutiveSkips + 1 : 0;
        // With loss scaling, overflow skips are expected and the scaler decides when to give up.
        if (session.scaler() == null && progress.consecutiveSkips > MAX_CONSECUTIVE_SKIPS) {
            throw new IllegalStateException("training diverged: " + progress.consecutiveSkips
                    + " steps in a row had non-finite gradients (last loss " + outcome.loss() + "); lower optimizer.lr");
        }
        progress.lastLoss = outcome.loss();
        progress.pace.record(System.nanoTime() - started, outcome.tokens(), sync.worldSize(),
                sync.communicationNanos() - communicationBefore);
        return outcome;
    }

    private void log(Session session, Progress progress, TrainingStep.Outcome outcome) {
        // Every rank decides to log alike (skips are decided on identical all-reduced gradients), so
        // all ranks join the gather of their pace.
        Pace pace = progress.pace;
        RankPace ranks = sync.worldSize() > 1 ? pace.gather(sync) : null;
        long maxSteps = config.run().maxSteps();
        session.metrics().step(new StepReport(progress.step, maxSteps, outcome.loss(), outcome.crossEntropy(),
                outcome.balanceLoss(), progress.learningRate, outcome.gradNorm(), progress.tokensSeen,
                pace.tokensPerSecond(), pace.elapsedSeconds(), pace.secondsPerStep() * (maxSteps - progress.step),
                outcome.skipped(), session.scaler() == null ? 0f : outcome.lossScale(), ranks, outcome.distillKl()),
                session.models().compute().lastExpertCounts());
    }

    private void evaluate(Session session, Progress progress) {
        EarlyStopping stopping = session.stopping();
        EvalReport report = session.validation().run(session.models().master(), session.validationStore(),
                session.manager(), session.validationLoss(), config.run().maskDocuments(), sync, progress.step, false);
        progress.stoppedEarly = stopping.observe(progress.step, report.loss());
        progress.lastEval = new EvalReport(progress.step, report.loss(), report.tokens(), report.domains(),
                stopping.bestStep() == progress.step);
        session.metrics().eval(progress.lastEval);
    }

    private void reportEarlyStop(Session session, Progress progress) {
        EarlyStopping stopping = session.stopping();
        session.metrics().event(progress.step, "early_stop", Map.of("best_step", stopping.bestStep(),
                "best_val_loss", stopping.best(), "patience", config.eval().patience()));
    }

    /** The model config with the shards' vocabulary (a larger configured vocabulary is kept, as padding). */
    public ModelConfig modelConfigFor(ShardManifest manifest) {
        ModelConfig m = config.model();
        if (!config.vocabSizeExplicit()) {
            return m.withVocabSize(manifest.vocabSize());
        }
        if (m.vocabSize() < manifest.vocabSize()) {
            throw new io.lmforge.config.InvalidConfigException("model.vocab-size = " + m.vocabSize()
                    + " is smaller than the shards' vocabulary (" + manifest.vocabSize() + ")");
        }
        return m;
    }

    private int contextLength(ModelConfig model) {
        int configured = config.run().contextLength();
        int context = configured > 0 ? configured : Math.min(shards.seqLen(), model.maxPositions());
        if (context > shards.seqLen()) {
            throw new io.lmforge.config.InvalidConfigException("train.context-length = " + context
                    + " exceeds the shards' seq_len " + shards.seqLen());
        }
        return context;
    }

    /**
     * The checkpoint every rank resumes from: rank 0 picks the newest one that verifies and the
     * others load that same step, so a checkpoint that one node cannot read (or one written while
     * they looked) never splits the ranks. The exchange also keeps the others from looking before
     * rank 0 has cleared incomplete or (with --fresh) old checkpoints.
     */
    private Optional<Checkpoints.Loaded> agreedCheckpoint(Checkpoints checkpoints, NDManager manager) {
        Optional<Checkpoints.Loaded> chosen = sync.rank() == 0 ? checkpoints.loadLatest(manager) : Optional.empty();
        long step = (long) sync.gather(chosen.map(c -> (double) c.state().step()).orElse(-1.0))[0];
        if (sync.rank() == 0 || step < 0) {
            return chosen;
        }
        Path path = checkpoints.pathOf(step);
        try {
            return Optional.of(checkpoints.load(path, manager));
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("rank " + sync.rank() + " cannot read the checkpoint " + path
                    + " that rank 0 resumes from (" + e.getMessage() + "); the run directory must be on a filesystem "
                    + "every executor sees", e);
        }
    }

    private CheckpointState restore(Checkpoints.Loaded loaded, ModelConfig modelConfig, Map<String, Parameter> parameters,
                                    AdamW optimizer, EarlyStopping stopping) {
        CheckpointState s = loaded.state();
        if (!Json.sameTree(s.model(), modelConfig.toMap())) {
            throw new io.lmforge.config.InvalidConfigException("the checkpoint " + loaded.path()
                    + " holds a different model (" + s.model() + ") than the config (" + modelConfig.toMap()
                    + "); use a new --out directory or the checkpoint's model settings");
        }
        if (s.dataPositions().size() != sync.worldSize()) {
            throw new io.lmforge.config.InvalidConfigException("the checkpoint " + loaded.path() + " was written by "
                    + s.dataPositions().size() + " ranks; resuming needs the same number (got " + sync.worldSize() + ")");
        }
        Weights.load(parameters, loaded.model(), loaded.path());
        optimizer.load(loaded.optimizer(), s.optimizerStep());
        stopping.restore(s.bestValidationLoss(), s.bestStep(), s.evaluationsWithoutImprovement());
        loaded.model().close();
        loaded.optimizer().close();
        options.console().printf("resumed from %s (step %d, %,d tokens seen)%n", loaded.path(), s.step(), s.tokensSeen());
        return s;
    }

    /** Rank 0 writes the checkpoint (every rank's data position in it) and returns its path; other ranks null. */
    private Path checkpoint(Session session, Progress progress) {
        DataPosition position = session.data().position();
        List<DataPosition> positions = new ArrayList<>();
        double[] all = sync.gather(position.epoch());
        double[] slots = sync.gather(position.slot());
        for (int r = 0; r < all.length; r++) {
            positions.add(new DataPosition((long) all[r], (long) slots[r]));
        }
        if (sync.rank() != 0) {
            return null;
        }
        NDList tensors = new NDList();
        for (Map.Entry<String, Parameter> e : session.models().masterParameters().entrySet()) {
            NDArray a = e.getValue().getArray();
            a.setName(e.getKey());
            tensors.add(a);
        }
        EarlyStopping stopping = session.stopping();
        AdamW optimizer = session.optimizer();
        DynamicLossScaler scaler = session.scaler();
        CheckpointState state = new CheckpointState(progress.step, progress.tokensSeen, positions, config.run().seed(),
                stopping.best(), stopping.bestStep(), stopping.evaluationsWithoutImprovement(), optimizer.step(),
                session.models().master().config().toMap(), scaler == null ? null : scaler.state());
        Path path = session.checkpoints().save(state, tensors, optimizer.state(), session.modelFiles());
        session.checkpoints().prune(config.checkpoint().keep(), stopping.bestStep());
        session.metrics().event(progress.step, "checkpoint", Map.of("path", path.toString()));
        return path;
    }

    /** Step times, throughput and communication, over the whole run and the recent steps. */
    private static final class Pace {
        private final long start = System.nanoTime();
        private double recentSecondsPerStep = Double.NaN;
        private double recentTokensPerSecond = Double.NaN;
        private double recentRankTokensPerSecond = Double.NaN;
        private double recentCommunicationShare = Double.NaN;
        private long stepNanos;
        private long rankTokens;
        private long communicationNanos;

        /** @param rankTokens this rank's tokens in the step; {@code communication} its nanoseconds in collectives */
        void record(long nanos, long rankTokens, int worldSize, long communication) {
            double seconds = nanos / 1e9;
            stepNanos += nanos;
            this.rankTokens += rankTokens;
            communicationNanos += communication;
            // Exponential averages: smooth, and forget the slow first steps (allocation, warm-up).
            recentSecondsPerStep = smooth(recentSecondsPerStep, seconds);
            recentTokensPerSecond = smooth(recentTokensPerSecond, rankTokens * worldSize / seconds);
            recentRankTokensPerSecond = smooth(recentRankTokensPerSecond, rankTokens / seconds);
            recentCommunicationShare = smooth(recentCommunicationShare, (double) communication / nanos);
        }

        private static double smooth(double average, double value) {
            return Double.isNaN(average) ? value : 0.8 * average + 0.2 * value;
        }

        /** Every rank's recent pace, on every rank (one small collective). */
        RankPace gather(GradientSync sync) {
            int n = sync.worldSize();
            double[] mine = new double[2 * n];
            mine[sync.rank()] = recentRankTokensPerSecond;
            mine[n + sync.rank()] = recentCommunicationShare;
            double[] all = sync.sum(mine);
            return new RankPace(java.util.Arrays.copyOfRange(all, 0, n), java.util.Arrays.copyOfRange(all, n, 2 * n));
        }

        double rankTokensPerSecondOverall() {
            return stepNanos == 0 ? Double.NaN : rankTokens / (stepNanos / 1e9);
        }

        double communicationShareOverall() {
            return stepNanos == 0 ? Double.NaN : (double) communicationNanos / stepNanos;
        }

        double tokensPerSecond() {
            return recentTokensPerSecond;
        }

        double secondsPerStep() {
            return recentSecondsPerStep;
        }

        double elapsedSeconds() {
            return (System.nanoTime() - start) / 1e9;
        }
    }
}
