package io.lmforge.trainer.distill;

import ai.djl.ndarray.NDArray;
import io.lmforge.model.LanguageModelLoss;
import io.lmforge.model.Scalars;

/**
 * Knowledge distillation's objective (Hinton, Vinyals and Dean, "Distilling the Knowledge in a
 * Neural Network", 2015), per scored target position t:
 *
 * <pre>
 *   p_T = softmax(z_teacher / T),   q_T = softmax(z_student / T)
 *   KL_t = KL(p_T ‖ q_T) = Σ_v p_T(v) (log p_T(v) − log q_T(v))
 *   ℓ_t = (1 − α) CE_t + α T² KL_t
 * </pre>
 *
 * The direction is the usual one (the teacher's distribution is the target, the student's the
 * approximation): the "forward" KL, whose gradient with respect to the student's logits is
 * (q_T − p_T) / T, so the T² factor keeps that term's gradient on the scale of the cross-entropy's
 * as T changes. Positions the cross-entropy does not score (padding, and the context of a masked
 * fine-tuning example) add nothing, and the step divides both sums by the same count of scored targets.
 *
 * @param ignoreIndex targets equal to this id (or negative) are not scored
 */
public record DistillationLoss(double alpha, double temperature, int ignoreIndex) {

    /**
     * Σ over scored positions of KL(p_T ‖ q_T), differentiable in the student's logits.
     *
     * @param student (B, T, V) logits, fp32
     * @param teacher (B, T, V) logits, no gradient
     * @param targets (B, T) token ids
     */
    public NDArray klSum(NDArray student, NDArray teacher, NDArray targets) {
        NDArray logP = Scalars.dividedBy(teacher, temperature).logSoftmax(-1);
        NDArray logQ = Scalars.dividedBy(student, temperature).logSoftmax(-1);
        NDArray perPosition = logP.exp().mul(logP.sub(logQ)).sum(new int[]{-1});
        NDArray scored = LanguageModelLoss.scored(targets, ignoreIndex).toType(perPosition.getDataType(), false);
        return perPosition.mul(scored).sum();
    }

    /** (1 − α) CE + α T² KL, from the two sums over the same scored positions. */
    public NDArray blend(NDArray crossEntropySum, NDArray klSum) {
        return Scalars.times(crossEntropySum, 1 - alpha).add(Scalars.times(klSum, alpha * temperature * temperature));
    }

    /** The same blend of per-token means, for the log. */
    public double blend(double crossEntropy, double kl) {
        return (1 - alpha) * crossEntropy + alpha * temperature * temperature * kl;
    }
}
