package io.lmforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The training objective: next-token cross-entropy, with an ignore index and optional label
 * smoothing, plus the MoE balance loss. DJL's {@code SoftmaxCrossEntropyLoss} has neither an
 * ignore index nor label smoothing, hence this class.
 *
 * <pre>
 *   ℓ_t  = −(1 − ε) log p(y_t) − (ε / V) Σ_v log p(v)          (ε = 0: plain cross-entropy)
 *   L    = Σ_{t: y_t ≠ ignore} ℓ_t / #{t: y_t ≠ ignore}  +  L_bal
 * </pre>
 *
 * A negative target ({@link #MASKED}: a context token of a fine-tuning example) adds nothing either.
 *
 * @param ignoreIndex    targets equal to this id add nothing (padding); any negative value also works
 * @param labelSmoothing ε in [0, 1)
 */
public record LanguageModelLoss(int ignoreIndex, double labelSmoothing) {
    /** The target of a position the loss mask leaves out (Hugging Face's -100). */
    public static final int MASKED = -100;

    public LanguageModelLoss {
        if (labelSmoothing < 0 || labelSmoothing >= 1) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
        }
    }

    /** The objective as a scalar, and its cross-entropy part (detached values for logging). */
    public record Value(NDArray total, NDArray crossEntropy) {
    }

    /**
     * @param logits       (B, T, V)
     * @param targets      (B, T) token ids
     * @param balanceLoss  scalar MoE balance loss, or null
     */
    public Value compute(NDArray logits, NDArray targets, NDArray balanceLoss) {
        NDArray count = scored(targets).toType(logits.getDataType(), false).sum().maximum(1);
        NDArray crossEntropy = crossEntropySum(logits, targets).div(count);
        NDArray total = balanceLoss == null ? crossEntropy : crossEntropy.add(balanceLoss);
        return new Value(total, crossEntropy);
    }

    /**
     * Σ_{t: y_t ≠ ignore} ℓ_t, not yet divided by the number of scored targets: a training step
     * divides by the count over all its micro-batches and ranks, so that the step's objective is
     * the mean over every scored token, however they are split (see {@link #scoredTargets}).
     */
    public NDArray crossEntropySum(NDArray logits, NDArray targets) {
        NDArray valid = scored(targets).toType(logits.getDataType(), false);
        return tokenLosses(logits, targets, labelSmoothing).mul(valid).sum();
    }

    /** The targets the loss scores (not the ignore index, not masked), counted on the host. */
    public long scoredTargets(int[][] targets) {
        long n = 0;
        for (int[] row : targets) {
            for (int t : row) {
                if (t != ignoreIndex && t >= 0) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Summed plain cross-entropy (no smoothing) and the number of scored tokens of each sequence,
     * for validation loss and perplexity per domain: both (B), as doubles on the host.
     */
    public double[][] perSequence(NDArray logits, NDArray targets) {
        NDArray valid = scored(targets).toType(logits.getDataType(), false);
        NDArray nll = tokenLosses(logits, targets, 0).mul(valid).sum(new int[]{1});
        return new double[][]{
                nll.toType(DataType.FLOAT64, false).toDoubleArray(),
                valid.sum(new int[]{1}).toType(DataType.FLOAT64, false).toDoubleArray()};
    }

    /** Where targets count: not the ignore index, not masked (negative). */
    private NDArray scored(NDArray targets) {
        return scored(targets, ignoreIndex);
    }

    /**
     * The positions a loss scores: the target is neither {@code ignoreIndex} (padding) nor negative
     * ({@link #MASKED}); every per-token term of the training objective uses the same rule.
     */
    public static NDArray scored(NDArray targets, int ignoreIndex) {
        return targets.neq(ignoreIndex).logicalAnd(targets.gte(0));
    }

    /** ℓ_t for every position (B, T); positions with the ignore index hold garbage (mask them). */
    private NDArray tokenLosses(NDArray logits, NDArray targets, double smoothing) {
        NDArray logProbs = logits.logSoftmax(-1);
        // Ignored targets may be negative; clamp them to a valid id, the mask removes them later.
        NDArray safe = targets.toType(DataType.INT64, false).clip(0, logits.getShape().get(2) - 1);
        NDArray nll = logProbs.gather(safe.expandDims(-1), -1).squeeze(-1).neg();
        if (smoothing == 0) {
            return nll;
        }
        NDArray uniform = logProbs.mean(new int[]{-1}).neg();
        return Scalars.times(nll, 1 - smoothing).add(Scalars.times(uniform, smoothing));
    }
}
