package io.lmforge.trainer.dist;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel gradient averaging over a host-memory {@link Collective} (the TCP ring): every
 * gradient is packed into a few large fp32 buckets, the buckets are all-reduced (MEAN: fp32 sum
 * in a fixed rank order, then divided by the number of ranks), and the results are written back
 * into the gradients in place. The ring gives every rank the same bits, so the replicas stay
 * identical step after step.
 *
 * <p>A CPU gradient is read and written through a direct view of its memory (DJL's
 * {@code toByteBuffer(true)} on a contiguous CPU tensor), so packing and unpacking are plain memory
 * copies. A GPU gradient (a GPU run on the TCP backend) is copied to the host and back; the
 * {@code nccl} backend reduces in device memory instead.
 */
public final class CollectiveGradientSync implements GradientSync {
    private final Collective collective;
    private final long bucketBytes;
    private GradientBuckets buckets;

    public CollectiveGradientSync(Collective collective, long bucketBytes) {
        this.collective = collective;
        this.bucketBytes = bucketBytes;
    }

    @Override
    public int rank() {
        return collective.rank();
    }

    @Override
    public int worldSize() {
        return collective.worldSize();
    }

    @Override
    public void averageGradients(Map<String, NDArray> gradients) {
        if (worldSize() == 1) {
            return;
        }
        GradientBuckets b = bucketsFor(gradients);
        Map<String, ByteBuffer> views = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : gradients.entrySet()) {
            ByteBuffer view = floats(e.getKey(), e.getValue());
            views.put(e.getKey(), view);
            b.pack(e.getKey(), view.asFloatBuffer());
        }
        b.allReduce(collective, ReduceOp.MEAN);
        for (Map.Entry<String, NDArray> e : gradients.entrySet()) {
            unpack(b, e.getKey(), e.getValue(), views.get(e.getKey()));
        }
    }

    /** Writes a tensor's values from the buckets into it: through its memory view on the CPU, by a copy to a GPU. */
    private static void unpack(GradientBuckets b, String name, NDArray t, ByteBuffer view) {
        if (t.getDevice().isGpu()) {
            ByteBuffer copy = ByteBuffer.allocateDirect(Math.toIntExact(t.size() * Float.BYTES)).order(ByteOrder.nativeOrder());
            b.unpack(name, copy.asFloatBuffer());
            t.set(copy);
        } else {
            b.unpack(name, view.asFloatBuffer());
        }
    }

    /** Plans the buckets on the first step; later steps must pass the same tensors (checked by the buckets). */
    private GradientBuckets bucketsFor(Map<String, NDArray> gradients) {
        if (buckets == null) {
            Map<String, Integer> sizes = new LinkedHashMap<>();
            gradients.forEach((name, g) -> sizes.put(name, Math.toIntExact(g.size())));
            buckets = GradientBuckets.plan(sizes, bucketBytes);
        }
        return buckets;
    }

    /** The tensor's fp32 values: a direct view of its memory on the CPU, a host copy from a GPU. */
    private ByteBuffer floats(String name, NDArray a) {
        if (a.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("rank " + rank() + ": " + name + " is " + a.getDataType()
                    + "; gradients are averaged in fp32 (fp16 runs average their fp32 master gradients)");
        }
        ByteBuffer view = a.toByteBuffer(true).order(ByteOrder.nativeOrder());
        if (!a.getDevice().isGpu() && !view.isDirect()) {
            throw new IllegalStateException("rank " + rank() + ": no direct view of " + name + "'s memory");
        }
        return view;
    }

    @Override
    public double[] sum(double[] values) {
        return worldSize() == 1 ? values.clone() : collective.sumInDouble(values);
    }

    @Override
    public double[] gather(double value) {
        return collective.allGather(value);
    }

    /** Rank 0's values into every rank's tensors: the buckets are filled on rank 0 and broadcast. */
    @Override
    public void replicate(Map<String, NDArray> tensors) {
        if (worldSize() == 1) {
            return;
        }
        Map<String, Integer> sizes = new LinkedHashMap<>();
        tensors.forEach((name, t) -> sizes.put(name, Math.toIntExact(t.size())));
        GradientBuckets b = GradientBuckets.plan(sizes, bucketBytes);
        Map<String, ByteBuffer> views = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            ByteBuffer view = floats(e.getKey(), e.getValue());
            views.put(e.getKey(), view);
            if (rank() == 0) {
                b.pack(e.getKey(), view.asFloatBuffer());
            }
        }
        for (int i = 0; i < b.bucketCount(); i++) {
            collective.broadcast(b.bucket(i), 0);
        }
        if (rank() != 0) {
            for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                unpack(b, e.getKey(), e.getValue(), views.get(e.getKey()));
            }
        }
    }

    @Override
    public long communicationNanos() {
        return collective.stats().nanos();
    }

    /** The collective stays open: whoever connected it closes it. */
    @Override
    public void close() {
    }
}
