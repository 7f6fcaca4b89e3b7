package io.lmforge.trainer.metrics;

/**
 * One optimizer step's figures.
 *
 * @param loss           the objective (cross-entropy, or its blend with the distillation term, + balance loss) over the step's micro-batches on all ranks
 * @param gradNorm       global gradient norm before clipping
 * @param tokensPerSec   trained tokens per second over all ranks, smoothed over recent steps
 * @param etaSeconds     time left at the recent pace
 * @param skipped        true when the update was skipped (non-finite gradients)
 * @param lossScale      the dynamic loss scale the step ran with; 0 without loss scaling
 * @param ranks          every rank's pace (data-parallel runs), or null for one process
 * @param distillKl      mean KL(teacher_T ‖ student_T) per scored token when distilling, else NaN
 */
public record StepReport(long step, long maxSteps, double loss, double crossEntropy, double balanceLoss,
                         double learningRate, double gradNorm, long tokensSeen, double tokensPerSec,
                         double elapsedSeconds, double etaSeconds, boolean skipped, float lossScale, RankPace ranks,
                         double distillKl) {

    /** Without a teacher. */
    public StepReport(long step, long maxSteps, double loss, double crossEntropy, double balanceLoss,
                      double learningRate, double gradNorm, long tokensSeen, double tokensPerSec,
                      double elapsedSeconds, double etaSeconds, boolean skipped, float lossScale, RankPace ranks) {
        this(step, maxSteps, loss, crossEntropy, balanceLoss, learningRate, gradNorm, tokensSeen, tokensPerSec,
                elapsedSeconds, etaSeconds, skipped, lossScale, ranks, Double.NaN);
    }

    /** A single-process step without loss scaling. */
    public StepReport(long step, long maxSteps, double loss, double crossEntropy, double balanceLoss, double learningRate,
                      double gradNorm, long tokensSeen, double tokensPerSec, double elapsedSeconds, double etaSeconds,
                      boolean skipped) {
        this(step, maxSteps, loss, crossEntropy, balanceLoss, learningRate, gradNorm, tokensSeen, tokensPerSec,
                elapsedSeconds, etaSeconds, skipped, 0f, null);
    }
}
