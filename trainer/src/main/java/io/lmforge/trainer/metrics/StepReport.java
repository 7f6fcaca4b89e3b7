package io.lmforge.trainer.metrics;

/**
 * One optimizer step's figures.
 *
 * @param loss           the objective (cross-entropy + balance loss), mean over the step's micro-batches
 * @param gradNorm       global gradient norm before clipping
 * @param tokensPerSec   trained tokens per second over all ranks, smoothed over recent steps
 * @param etaSeconds     time left at the recent pace
 * @param skipped        true when the update was skipped (non-finite gradients)
 */
public record StepReport(long step, long maxSteps, double loss, double crossEntropy, double balanceLoss,
                         double learningRate, double gradNorm, long tokensSeen, double tokensPerSec,
                         double elapsedSeconds, double etaSeconds, boolean skipped) {
}
