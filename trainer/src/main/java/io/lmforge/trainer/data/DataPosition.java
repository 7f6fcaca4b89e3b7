package io.lmforge.trainer.data;

/**
 * Where a rank's training stream stands: the epoch, and how many of the rank's sample slots of
 * that epoch it has consumed. Together with the seed this is the stream's whole state: the
 * order of an epoch is a pure function of (seed, epoch), so no generator state needs saving.
 */
public record DataPosition(long epoch, long slot) {
    public static final DataPosition START = new DataPosition(0, 0);
}
