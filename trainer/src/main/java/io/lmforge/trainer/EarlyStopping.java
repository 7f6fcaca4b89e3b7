package io.lmforge.trainer;

/**
 * Stops training when the validation loss has not improved by more than {@code minDelta} for
 * {@code patience} evaluations in a row. Its state travels in checkpoints.
 */
public final class EarlyStopping {
    private final int patience;
    private final double minDelta;
    private double best = Double.POSITIVE_INFINITY;
    private long bestStep = -1;
    private int evaluationsWithoutImprovement;

    /** @param patience evaluations without improvement before stopping; 0 disables early stopping */
    public EarlyStopping(int patience, double minDelta) {
        this.patience = patience;
        this.minDelta = minDelta;
    }

    /** Records an evaluation; returns true when training should stop. */
    public boolean observe(long step, double validationLoss) {
        if (validationLoss < best - minDelta) {
            best = validationLoss;
            bestStep = step;
            evaluationsWithoutImprovement = 0;
        } else {
            evaluationsWithoutImprovement++;
        }
        return patience > 0 && evaluationsWithoutImprovement >= patience;
    }

    public double best() {
        return best;
    }

    public long bestStep() {
        return bestStep;
    }

    public int evaluationsWithoutImprovement() {
        return evaluationsWithoutImprovement;
    }

    public void restore(double best, long bestStep, int evaluationsWithoutImprovement) {
        this.best = best;
        this.bestStep = bestStep;
        this.evaluationsWithoutImprovement = evaluationsWithoutImprovement;
    }
}
