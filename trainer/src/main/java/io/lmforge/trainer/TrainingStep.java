package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.lmforge.model.LanguageModelLoss;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.model.Scalars;
import io.lmforge.trainer.data.Batch;
import io.lmforge.trainer.dist.GradientSync;
import io.lmforge.trainer.distill.Distillation;
import io.lmforge.trainer.distill.DistillationLoss;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One optimizer step, on each of W ranks with A micro-batches each:
 *
 * <pre>
 *   N = Σ over ranks and micro-batches of the scored targets         (one small all-reduce)
 *   for each micro-batch:
 *       logits, L_bal = model(tokens)                                 (fp16 or fp32 compute)
 *       backward(s · (Σ_t CE_t / (N / W) + L_bal / A))                  s: the loss scale, 1 without scaling
 *   g ← mean over ranks of g                                          the all-reduce (fp32)
 *   g ← g / s;   ‖g‖ = clip_global_norm(g, max)
 *   if ‖g‖ is finite: AdamW update at learning rate η                 (else skip; the scaler halves s)
 *   g ← 0
 * </pre>
 *
 * With a teacher (see {@link DistillationLoss}), each CE_t becomes (1 − α) CE_t + α T² KL_t, the
 * KL between the teacher's and the student's softened distributions at the same position.
 *
 * The objective is therefore Σ CE over every scored token of the step / N + the mean balance
 * loss over the step's micro-batches: the same whatever the split into ranks and micro-batches,
 * also when padding (the ignore index) makes micro-batches score different numbers of tokens
 * (a mean of per-micro-batch means would weight a padded micro-batch's tokens more). So W ranks
 * with micro-batch B take the same step as one rank with micro-batch W·B on the same samples,
 * except for the balance loss, which is a statistic of each micro-batch (as in DeepSeekMoE and
 * Megatron), not a sum over tokens.
 */
public final class TrainingStep {
    private final MixedPrecision models;
    private final ParameterStore store;
    private final NDManager manager;
    private final AdamW optimizer;
    private final LanguageModelLoss objective;
    private final GradientSync sync;
    private final double maxGradNorm;
    private final int accumulation;
    private final boolean maskDocuments;
    private final DynamicLossScaler scaler;
    private final Distillation distillation;

    /**
     * How a step trains, apart from the model, the optimizer and the ranks it syncs with.
     *
     * @param objective     the loss whose cross-entropy part is summed over scored targets
     * @param maxGradNorm   the global gradient norm is clipped to this
     * @param accumulation  micro-batches per optimizer step
     * @param maskDocuments attend only within each document of a packed sequence
     * @param scaler        dynamic loss scaling, or null for none (a non-finite gradient then skips the step)
     * @param distillation  a teacher to learn from besides the data, or null (see {@link DistillationLoss})
     */
    public record Options(LanguageModelLoss objective, double maxGradNorm, int accumulation, boolean maskDocuments,
                          DynamicLossScaler scaler, Distillation distillation) {

        /** Without distillation. */
        public Options(LanguageModelLoss objective, double maxGradNorm, int accumulation, boolean maskDocuments,
                       DynamicLossScaler scaler) {
            this(objective, maxGradNorm, accumulation, maskDocuments, scaler, null);
        }

        /** Without loss scaling. */
        public Options(LanguageModelLoss objective, double maxGradNorm, int accumulation, boolean maskDocuments) {
            this(objective, maxGradNorm, accumulation, maskDocuments, null);
        }
    }

    /** A step over {@code models} (fp32 alone, or fp32 masters with an fp16 compute copy). */
    public TrainingStep(MixedPrecision models, NDManager manager, AdamW optimizer, GradientSync sync, Options options) {
        this.models = models;
        this.store = new ParameterStore(manager, false);
        this.manager = manager;
        this.optimizer = optimizer;
        this.objective = options.objective();
        this.sync = sync;
        this.maxGradNorm = options.maxGradNorm();
        this.accumulation = options.accumulation();
        this.maskDocuments = options.maskDocuments();
        this.scaler = options.scaler();
        this.distillation = options.distillation();
    }

    /**
     * What a step measured, the same on every rank: the objective and its parts over all ranks'
     * micro-batches, the gradient norm before clipping (after unscaling), this rank's tokens, whether
     * the update was skipped, and the loss scale it ran with (1 without scaling).
     *
     * @param distillKl the mean KL(teacher_T ‖ student_T) over the scored targets; NaN without a teacher
     */
    public record Outcome(double loss, double crossEntropy, double balanceLoss, double gradNorm, long tokens,
                          boolean skipped, float lossScale, double distillKl) {
    }

    public Outcome run(Supplier<Batch> batches, double learningRate) {
        // 1. The step's micro-batches, and how many targets they score over all ranks.
        List<Batch> microBatches = new ArrayList<>(accumulation);
        long scored = 0;
        for (int i = 0; i < accumulation; i++) {
            Batch batch = batches.get();
            microBatches.add(batch);
            scored += objective.scoredTargets(batch.targetIds());
        }
        double allScored = Math.max(1, sync.sum(new double[]{scored})[0]);
        double perRank = allScored / sync.worldSize();
        float scale = scaler == null ? 1f : scaler.scale();

        // 2. Forward and backward per micro-batch; gradients accumulate.
        DeepSeekModel model = models.compute();
        double crossEntropySum = 0;
        double balanceSum = 0;
        double klSum = 0;
        long tokens = 0;
        for (Batch batch : microBatches) {
            try (NDScope scope = new NDScope(); Autograd autograd = Autograd.record()) {
                scope.suppressNotUsedWarning();
                NDArray documents = maskDocuments ? batch.documentIds(manager) : null;
                NDArray inputs = batch.inputs(manager);
                NDArray targets = batch.targets(manager);
                NDList out = model.forward(store, inputs, documents, true);
                NDArray logits = models.toFloat32(out.get(0));
                NDArray crossEntropy = objective.crossEntropySum(logits, targets);
                NDArray tokenLoss = crossEntropy;
                if (distillation != null) {
                    NDArray kl = distillation.klSum(logits, inputs, documents, targets);
                    tokenLoss = distillation.loss().blend(crossEntropy, kl);
                    klSum += scalar(kl);
                }
                NDArray balance = models.toFloat32(out.get(1));
                NDArray share = Scalars.dividedBy(tokenLoss, perRank).add(Scalars.dividedBy(balance, accumulation));
                autograd.backward(scale == 1f ? share : Scalars.times(share, scale));
                crossEntropySum += scalar(crossEntropy);
                balanceSum += scalar(balance);
            }
            tokens += batch.tokens();
        }

        // 3. Average over ranks, unscale, clip, update (or skip).
        double gradNorm;
        boolean skipped;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            models.gradientsToMaster();
            Map<String, NDArray> gradients = new LinkedHashMap<>();
            models.trainableParameters().forEach((name, p) -> gradients.put(name, p.getArray().getGradient()));
            sync.averageGradients(gradients);
            if (scale != 1f) {
                float inverse = 1f / scale;                 // a power of two: exact
                for (NDArray g : gradients.values()) {
                    g.muli(inverse);
                }
            }
            // The all-reduced gradients have the same bits on every rank, so every rank reaches the
            // same norm, the same overflow verdict and the same update without another exchange.
            gradNorm = GradientClipping.clipGlobalNorm(gradients.values(), maxGradNorm);
            boolean finite = Double.isFinite(gradNorm);
            skipped = scaler == null ? !finite : !scaler.update(finite);
            if (!skipped) {
                optimizer.update(models.trainableParameters(), learningRate);
                models.copyMasterToCompute();
            }
        }
        models.zeroGradients();

        // 4. The step's objective over all ranks, for the log.
        double[] sums = sync.sum(new double[]{crossEntropySum, balanceSum, klSum});
        double crossEntropy = sums[0] / allScored;
        double balance = sums[1] / ((double) accumulation * sync.worldSize());
        if (distillation == null) {
            return new Outcome(crossEntropy + balance, crossEntropy, balance, gradNorm, tokens, skipped, scale, Double.NaN);
        }
        double kl = sums[2] / allScored;
        return new Outcome(distillation.loss().blend(crossEntropy, kl) + balance, crossEntropy, balance, gradNorm, tokens,
                skipped, scale, kl);
    }

    /** The parameters the optimizer updates (fp32). */
    Map<String, Parameter> parameters() {
        return models.masterParameters();
    }

    private static double scalar(NDArray a) {
        return a.toType(DataType.FLOAT64, false).getDouble();
    }
}
