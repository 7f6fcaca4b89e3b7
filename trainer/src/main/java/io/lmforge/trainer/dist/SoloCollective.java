package io.lmforge.trainer.dist;

import java.nio.ByteBuffer;
import java.util.List;

/** World size 1: every collective is the identity, so a single-process run takes the same code path. */
public final class SoloCollective implements Collective {

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int worldSize() {
        return 1;
    }

    @Override
    public void allReduce(ByteBuffer floats, ReduceOp op) {
        TcpRingCollective.requireNativeFloats(floats);
    }

    @Override
    public void allReduce(float[] values, ReduceOp op) {
        // the mean, sum, max and min of one rank's values are those values
    }

    @Override
    public void broadcast(ByteBuffer bytes, int root) {
        if (root != 0) {
            throw new IllegalArgumentException("broadcast root " + root + " is not a rank of 1");
        }
    }

    @Override
    public List<byte[]> allGather(byte[] mine) {
        return List.of(mine);
    }

    @Override
    public void barrier() {
    }

    @Override
    public void close() {
    }
}
