package io.lmforge.trainer.dist;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The collective operations data-parallel training needs, over the ranks {@code 0..worldSize-1}.
 *
 * <p>Every rank calls the same operations in the same order (like MPI or torch.distributed); a
 * rank that calls a different one gets an error naming both. Every wait is bounded by the
 * configured timeout, and every failure is a {@link CollectiveException} that names this rank, the
 * peer it was talking to and what it was doing. After a failure the collective is unusable (the
 * remedy is to restart all ranks, which the Spark barrier stage does). Not thread-safe: one
 * operation at a time per collective.
 */
public interface Collective extends Closeable {

    int rank();

    int worldSize();

    /**
     * Reduces, in place, the fp32 values between {@code floats.position()} and {@code limit()}
     * (native byte order; a direct buffer avoids a copy) across all ranks. Every rank ends with the
     * same bits.
     */
    void allReduce(ByteBuffer floats, ReduceOp op);

    /** Reduces {@code values} in place across all ranks (through a direct buffer; bucket large tensors instead). */
    default void allReduce(float[] values, ReduceOp op) {
        ByteBuffer buf = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder());
        buf.asFloatBuffer().put(values);
        allReduce(buf, op);
        buf.asFloatBuffer().get(values);
    }

    /** Averages {@code values} in place across all ranks: sum in fp32, then divide by the world size. */
    default void allReduceMean(float[] values) {
        allReduce(values, ReduceOp.MEAN);
    }

    /** Copies {@code root}'s bytes between {@code position()} and {@code limit()} into every rank's buffer. */
    void broadcast(ByteBuffer bytes, int root);

    /** Copies {@code root}'s values into every rank's array (all arrays have the same length). */
    default void broadcast(float[] values, int root) {
        ByteBuffer buf = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder());
        buf.asFloatBuffer().put(values);
        broadcast(buf, root);
        buf.asFloatBuffer().get(values);
    }

    /** Every rank's bytes (any length), in rank order, on every rank. */
    List<byte[]> allGather(byte[] mine);

    /** Every rank's value, in rank order, on every rank (per-rank throughput for rank 0's metrics). */
    default double[] allGather(double mine) {
        List<byte[]> all = allGather(ByteBuffer.allocate(Double.BYTES).putDouble(mine).array());
        double[] out = new double[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ByteBuffer.wrap(all.get(i)).getDouble();
        }
        return out;
    }

    /**
     * Element-wise sums in double (validation loss sums, token counts): every rank's values are
     * gathered and added in rank order, so counts are exact and every rank gets the same bits.
     * For small arrays; gradients go through {@link #allReduce}.
     */
    default double[] sumInDouble(double[] values) {
        ByteBuffer mine = ByteBuffer.allocate(values.length * Double.BYTES);
        mine.asDoubleBuffer().put(values);
        List<byte[]> all = allGather(mine.array());
        double[] total = new double[values.length];
        for (int r = 0; r < all.size(); r++) {
            if (all.get(r).length != mine.capacity()) {
                throw new CollectiveException(rank(), "rank " + r + " summed " + all.get(r).length / Double.BYTES
                        + " values where this rank summed " + values.length, null);
            }
            java.nio.DoubleBuffer theirs = ByteBuffer.wrap(all.get(r)).asDoubleBuffer();
            for (int i = 0; i < total.length; i++) {
                total[i] += theirs.get(i);
            }
        }
        return total;
    }

    /** Returns once every rank has called it. */
    void barrier();

    /** Cumulative cost of this rank's collectives (zero where nothing is exchanged). */
    default CollectiveStats stats() {
        return CollectiveStats.NONE;
    }

    /** Releases sockets and threads; never throws. */
    @Override
    void close();
}
