package io.lmforge.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.lmforge.model.LanguageModelLoss;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.trainer.data.Batch;
import io.lmforge.trainer.data.DataPosition;
import io.lmforge.trainer.data.ShardManifest;
import io.lmforge.trainer.data.ShardSplit;
import io.lmforge.trainer.data.TrainingStream;
import io.lmforge.trainer.data.UnigramEntropy;
import io.lmforge.trainer.metrics.EvalReport;
import io.lmforge.trainer.metrics.StepReport;
import io.lmforge.trainer.metrics.TrainingMetrics;
import org.apache.hadoop.conf.Configuration;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The training loop, top to bottom:
 *
 * <pre>
 *   restore the newest checkpoint, if any
 *   for each step:
 *     for each micro-batch:  forward → loss (cross-entropy + MoE balance) → collector.backward(loss / accumulation)
 *     sync.averageGradients(…)          ← the all-reduce of data-parallel training goes here
 *     clip to the global norm, AdamW update at the scheduled learning rate, zero the gradients
 *     every N steps: validate (early stopping), checkpoint, log
 * </pre>
 *
 * One instance is one rank's run; a single process passes {@link GradientSync#singleProcess()}.
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
    public record Options(long stopAtStep, boolean resume, java.io.PrintStream console) {
        public static Options defaults() {
            return new Options(0, true, System.out);
        }
    }

    /** How a run ended. */
    public record Result(long step, long tokensSeen, double lastLoss, EvalReport lastEval, boolean stoppedEarly,
                         Path lastCheckpoint, long resumedFrom) {
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
        ModelConfig modelConfig = modelConfigFor(shards);
        int context = contextLength(modelConfig);
        Engine.getInstance();                   // loads libtorch before the JNI calls below
        if (run.threads() > 0) {
            JniUtils.setNumThreads(run.threads());
        }
        // Grad mode is per thread in libtorch; DJL switches it off only on the thread that loaded
        // the engine, and a Spark task thread may be another one.
        JniUtils.setGradMode(false);

        Device device = "gpu".equals(run.device()) ? Device.gpu() : Device.cpu();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            DeepSeekModel model = new DeepSeekModel(modelConfig).initialize(manager, DataType.FLOAT32, run.seed());
            Map<String, Parameter> parameters = model.namedParameters();
            ParameterStore ps = new ParameterStore(manager, false);
            AdamW optimizer = new AdamW(config.optimizer().adam(), parameters, manager);
            LearningRateSchedule schedule = config.schedule();
            TrainingStep trainingStep = new TrainingStep(model, manager, optimizer,
                    new LanguageModelLoss(shards.ignoreIndex(), run.labelSmoothing()), sync,
                    config.optimizer().gradClip(), run.gradAccumulation(), run.maskDocuments());
            LanguageModelLoss validationLoss = new LanguageModelLoss(shards.ignoreIndex(), 0);
            EarlyStopping stopping = new EarlyStopping(config.eval().patience(), config.eval().minDelta());
            Checkpoints checkpoints = new Checkpoints(runDir);

            // Restore
            long step = 0;
            long tokensSeen = 0;
            DataPosition position = DataPosition.START;
            long resumedFrom = -1;
            if (sync.rank() == 0) {
                checkpoints.removeIncomplete();
                if (!options.resume()) {
                    // A fresh run must not leave older checkpoints behind for a later resume to pick.
                    checkpoints.deleteAll();
                }
            }
            Optional<Checkpoints.Loaded> restored = options.resume() ? checkpoints.loadLatest(manager) : Optional.empty();
            if (restored.isPresent()) {
                CheckpointState s = restore(restored.get(), modelConfig, parameters, optimizer, stopping);
                step = s.step();
                tokensSeen = s.tokensSeen();
                position = s.dataPositions().get(sync.rank());
                resumedFrom = step;
            }

            Configuration hadoop = new Configuration();
            ShardSplit trainSplit = ShardSplit.open(shards, "train", context, hadoop);
            ShardSplit valSplit = ShardSplit.open(shards, "val", context, hadoop);
            Validation validation = new Validation(valSplit, new ArrayList<>(shards.split("val").tokensByDomain().keySet()),
                    config.eval().maxSequences(), run.microBatch());
            long stopAt = options.stopAtStep() > 0 ? Math.min(options.stopAtStep(), run.maxSteps()) : run.maxSteps();

            try (TrainingStream data = new TrainingStream(trainSplit, run.seed(), sync.rank(), sync.worldSize(), position);
                 TrainingMetrics metrics = TrainingMetrics.open(config, runDir, sync.rank() == 0, resumedFrom,
                         options.console())) {
                metrics.started(step, modelConfig, context, trainSplit, valSplit, sync.worldSize(), resumedFrom, device);
                if (sync.rank() == 0) {
                    metrics.unigramEntropy(step, UnigramEntropy.of(trainSplit, shards.vocabSize(), UNIGRAM_SAMPLE_TOKENS));
                }
                if (valSplit.samples() == 0) {
                    metrics.warning(step, "the val split has no samples: no validation, no early stopping");
                }
                double lastLoss = Double.NaN;
                EvalReport lastEval = null;
                Path lastCheckpoint = restored.map(Checkpoints.Loaded::path).orElse(null);
                boolean stoppedEarly = false;
                int consecutiveSkips = 0;
                Pace pace = new Pace();

                while (step < stopAt) {
                    // 1. one optimizer step: forward/backward per micro-batch, all-reduce, clip, AdamW
                    long started = System.nanoTime();
                    double lr = schedule.at(step);
                    TrainingStep.Outcome outcome = trainingStep.run(() -> new Batch(data.next(run.microBatch()), context), lr);
                    tokensSeen += outcome.tokens() * sync.worldSize();
                    step++;
                    consecutiveSkips = outcome.skipped() ? consecutiveSkips + 1 : 0;
                    if (consecutiveSkips > MAX_CONSECUTIVE_SKIPS) {
                        throw new IllegalStateException("training diverged: " + consecutiveSkips
                                + " steps in a row had non-finite gradients (last loss " + outcome.loss() + "); lower optimizer.lr");
                    }
                    lastLoss = outcome.loss();

                    // 2. report, validate, checkpoint
                    pace.record(System.nanoTime() - started, (long) run.microBatch() * run.gradAccumulation() * context
                            * sync.worldSize());
                    boolean last = step == stopAt;
                    if (step % config.metrics().logEvery() == 0 || last || outcome.skipped()) {
                        metrics.step(new StepReport(step, run.maxSteps(), outcome.loss(), outcome.crossEntropy(),
                                outcome.balanceLoss(), lr, outcome.gradNorm(), tokensSeen, pace.tokensPerSecond(),
                                pace.elapsedSeconds(), pace.secondsPerStep() * (run.maxSteps() - step), outcome.skipped()),
                                model.lastExpertCounts());
                    }
                    if ((step % config.eval().every() == 0 || last) && valSplit.samples() > 0) {
                        EvalReport report = validation.run(model, ps, manager, validationLoss, run.maskDocuments(), sync,
                                step, false);
                        stoppedEarly = stopping.observe(step, report.loss());
                        lastEval = new EvalReport(step, report.loss(), report.tokens(), report.domains(),
                                stopping.bestStep() == step);
                        metrics.eval(lastEval);
                    }
                    if (step % config.checkpoint().every() == 0 || last || stoppedEarly) {
                        lastCheckpoint = checkpoint(checkpoints, step, tokensSeen, data.position(), model, parameters,
                                optimizer, stopping, metrics);
                    }
                    if (stoppedEarly) {
                        metrics.event(step, "early_stop", Map.of("best_step", stopping.bestStep(),
                                "best_val_loss", stopping.best(), "patience", config.eval().patience()));
                        break;
                    }
                }
                metrics.finished(step, tokensSeen, lastLoss, lastEval, trainSplit.badRows() + valSplit.badRows());
                return new Result(step, tokensSeen, lastLoss, lastEval, stoppedEarly, lastCheckpoint, resumedFrom);
            }
        }
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
        Map<String, NDArray> saved = new LinkedHashMap<>();
        for (NDArray a : loaded.model()) {
            saved.put(a.getName(), a);
        }
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            NDArray from = saved.get(e.getKey());
            if (from == null) {
                throw new IllegalStateException(loaded.path() + " has no tensor " + e.getKey());
            }
            Tensors.copyInto(from, e.getValue().getArray(), e.getKey());
        }
        optimizer.load(loaded.optimizer(), s.optimizerStep());
        stopping.restore(s.bestValidationLoss(), s.bestStep(), s.evaluationsWithoutImprovement());
        loaded.model().close();
        loaded.optimizer().close();
        options.console().printf("resumed from %s (step %d, %,d tokens seen)%n", loaded.path(), s.step(), s.tokensSeen());
        return s;
    }

    private Path checkpoint(Checkpoints checkpoints, long step, long tokensSeen, DataPosition position, DeepSeekModel model,
                            Map<String, Parameter> parameters, AdamW optimizer, EarlyStopping stopping,
                            TrainingMetrics metrics) {
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
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            NDArray a = e.getValue().getArray();
            a.setName(e.getKey());
            tensors.add(a);
        }
        CheckpointState state = new CheckpointState(step, tokensSeen, positions, config.run().seed(), stopping.best(),
                stopping.bestStep(), stopping.evaluationsWithoutImprovement(), optimizer.step(), model.config().toMap());
        Path path = checkpoints.save(state, tensors, optimizer.state());
        checkpoints.prune(config.checkpoint().keep(), stopping.bestStep());
        metrics.event(step, "checkpoint", Map.of("path", path.toString()));
        return path;
    }

    /** Step times and throughput, over the whole run and the recent steps. */
    private static final class Pace {
        private final long start = System.nanoTime();
        private double recentSecondsPerStep = Double.NaN;
        private double recentTokensPerSecond = Double.NaN;

        void record(long nanos, long tokens) {
            double seconds = nanos / 1e9;
            double rate = tokens / seconds;
            // An exponential average: smooth, and forgets the slow first steps (allocation, warm-up).
            recentSecondsPerStep = Double.isNaN(recentSecondsPerStep) ? seconds : 0.8 * recentSecondsPerStep + 0.2 * seconds;
            recentTokensPerSecond = Double.isNaN(recentTokensPerSecond) ? rate : 0.8 * recentTokensPerSecond + 0.2 * rate;
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
