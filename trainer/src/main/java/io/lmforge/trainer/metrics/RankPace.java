package io.lmforge.trainer.metrics;

/**
 * Every rank's pace over recent steps, gathered by rank 0 for the log and Prometheus.
 *
 * @param tokensPerSec       each rank's own trained tokens per second
 * @param communicationShare each rank's share of a step spent inside collectives (waiting for
 *                           slower ranks included: a straggler shows a low share, the others a high one)
 */
public record RankPace(double[] tokensPerSec, double[] communicationShare) {

    public int ranks() {
        return tokensPerSec.length;
    }

    public double meanCommunicationShare() {
        double sum = 0;
        for (double s : communicationShare) {
            sum += s;
        }
        return sum / communicationShare.length;
    }
}
