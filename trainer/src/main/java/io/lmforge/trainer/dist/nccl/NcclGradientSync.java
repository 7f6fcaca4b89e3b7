package io.lmforge.trainer.dist.nccl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import io.lmforge.trainer.dist.Collective;
import io.lmforge.trainer.dist.GradientSync;
import io.lmforge.trainer.dist.ReduceOp;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel gradient averaging on GPUs: every gradient is all-reduced by NCCL where it lives,
 * in device memory, as one NCCL group ({@code ncclAvg}: sum then divide, in fp32), through its
 * {@code data_ptr()}, which {@link TorchTensors} reads from DJL's tensor handle (DJL and bytedeco
 * must share one libtorch: {@link SharedLibtorch#prepare()} before DJL starts). Small exchanges
 * (loss sums, throughput) go through the collective's host operations.
 *
 * <p>Not run in this project's CI or development machine (no GPU); see README "Distributed
 * training" for exactly what was run.
 */
public final class NcclGradientSync implements GradientSync {
    private final NcclCollective nccl;

    private NcclGradientSync(NcclCollective nccl) {
        this.nccl = nccl;
    }

    /**
     * The sync over a connected NCCL collective. Typed {@link GradientSync} so that callers outside
     * this package never name a class that needs the bytedeco CUDA classes (absent in CPU builds).
     */
    public static GradientSync over(Collective collective) {
        if (!(collective instanceof NcclCollective n)) {
            throw new IllegalArgumentException("the nccl backend needs an NcclCollective, got " + collective.getClass().getName());
        }
        return new NcclGradientSync(n);
    }

    @Override
    public int rank() {
        return nccl.rank();
    }

    @Override
    public int worldSize() {
        return nccl.worldSize();
    }

    /** Also with one rank (then a copy in place), so that a one-GPU machine runs the whole path. */
    @Override
    public void averageGradients(Map<String, NDArray> gradients) {
        DeviceBuffers buffers = deviceBuffers(gradients);
        nccl.allReduceDevice(buffers.pointers(), buffers.counts(), ReduceOp.MEAN);
    }

    @Override
    public void replicate(Map<String, NDArray> tensors) {
        DeviceBuffers buffers = deviceBuffers(tensors);
        nccl.broadcastDevice(buffers.pointers(), buffers.counts(), 0);
    }

    private record DeviceBuffers(List<Pointer> pointers, long[] counts) {
    }

    private DeviceBuffers deviceBuffers(Map<String, NDArray> tensors) {
        List<Pointer> pointers = new ArrayList<>(tensors.size());
        long[] counts = new long[tensors.size()];
        int i = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            if (!a.getDevice().isGpu() || a.getDevice().getDeviceId() != nccl.device()) {
                throw new IllegalStateException("rank " + rank() + ": " + e.getKey() + " is on " + a.getDevice()
                        + " but this rank's NCCL communicator is on cuda:" + nccl.device() + " (set train.device = gpu)");
            }
            if (a.getDataType() != DataType.FLOAT32) {
                throw new IllegalStateException("rank " + rank() + ": " + e.getKey() + " is " + a.getDataType()
                        + "; NCCL averages fp32 (master) gradients");
            }
            Tensor view = TorchTensors.view(((PtNDArray) a).getHandle());
            pointers.add(TorchTensors.floatData(view));
            counts[i++] = a.size();
        }
        return new DeviceBuffers(pointers, counts);
    }

    @Override
    public double[] sum(double[] values) {
        return nccl.sumInDouble(values);
    }

    @Override
    public double[] gather(double value) {
        return nccl.allGather(value);
    }

    @Override
    public long communicationNanos() {
        return nccl.stats().nanos();
    }
}
