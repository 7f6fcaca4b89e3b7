package io.lmforge.trainer.dist;

/**
 * What a collective has cost so far on this rank: for the share of a training step spent in
 * communication, take the difference of two snapshots around the step ({@link #since}).
 *
 * @param operations number of collectives run
 * @param nanos      wall time inside them, waiting for slower ranks included
 * @param bytesSent  payload and framing bytes written to peers
 */
public record CollectiveStats(long operations, long nanos, long bytesSent) {

    public static final CollectiveStats NONE = new CollectiveStats(0, 0, 0);

    /** The cost between {@code earlier} and this snapshot. */
    public CollectiveStats since(CollectiveStats earlier) {
        return new CollectiveStats(operations - earlier.operations, nanos - earlier.nanos, bytesSent - earlier.bytesSent);
    }

    public double seconds() {
        return nanos / 1e9;
    }
}
