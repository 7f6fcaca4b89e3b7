package io.lmforge.trainer.dist.nccl;

import io.lmforge.trainer.dist.Collective;
import io.lmforge.trainer.dist.CollectiveException;
import io.lmforge.trainer.dist.CollectiveOptions;
import io.lmforge.trainer.dist.CollectiveStats;
import io.lmforge.trainer.dist.ReduceOp;
import io.lmforge.trainer.dist.Rendezvous;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.bytedeco.cuda.global.cudart.cudaDeviceSynchronize;
import static org.bytedeco.cuda.global.cudart.cudaErrorNotReady;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreate;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamQuery;
import static org.bytedeco.cuda.global.cudart.cudaSuccess;
import static org.bytedeco.cuda.global.nccl.NCCL_UNIQUE_ID_BYTES;
import static org.bytedeco.cuda.global.nccl.ncclAllGather;
import static org.bytedeco.cuda.global.nccl.ncclAllReduce;
import static org.bytedeco.cuda.global.nccl.ncclAvg;
import static org.bytedeco.cuda.global.nccl.ncclBroadcast;
import static org.bytedeco.cuda.global.nccl.ncclCommAbort;
import static org.bytedeco.cuda.global.nccl.ncclCommDestroy;
import static org.bytedeco.cuda.global.nccl.ncclCommGetAsyncError;
import static org.bytedeco.cuda.global.nccl.ncclCommInitRank;
import static org.bytedeco.cuda.global.nccl.ncclFloat;
import static org.bytedeco.cuda.global.nccl.ncclGetErrorString;
import static org.bytedeco.cuda.global.nccl.ncclGetUniqueId;
import static org.bytedeco.cuda.global.nccl.ncclGroupEnd;
import static org.bytedeco.cuda.global.nccl.ncclGroupStart;
import static org.bytedeco.cuda.global.nccl.ncclMax;
import static org.bytedeco.cuda.global.nccl.ncclMin;
import static org.bytedeco.cuda.global.nccl.ncclSuccess;
import static org.bytedeco.cuda.global.nccl.ncclSum;
import static org.bytedeco.cuda.global.nccl.ncclUint8;

/**
 * The GPU backend: NCCL through the bytedeco CUDA preset. Gradients are reduced where they live,
 * in device memory ({@link #allReduceDevice}); the host-buffer operations of {@link Collective}
 * stage through a device scratch buffer, for the small things (metrics, flags, barriers).
 *
 * <p>Bounded waits as on the CPU: NCCL kernels run asynchronously on this collective's stream,
 * and the host polls the stream and NCCL's asynchronous error until the timeout, then aborts the
 * communicator ({@code ncclCommAbort}) so the rank fails instead of hanging. Communicator setup
 * ({@code ncclCommInitRank} blocks until every rank joins) runs on a helper thread with the
 * connect timeout. MEAN uses {@code ncclAvg} (NCCL 2.10+).
 *
 * <p>Needs {@code libnccl.so.2} from the cluster (bytedeco's redist jars leave it out) and the
 * bytedeco CUDA natives on the classpath (build with {@code -Pgpu}).
 */
public final class NcclCollective implements Collective {
    private final int rank;
    private final int worldSize;
    private final int device;
    private final CollectiveOptions options;
    private final ncclComm comm;
    private final CUstream_st stream;
    private Pointer scratch = new Pointer();
    private long scratchBytes;
    private CollectiveException failure;
    private long seq;
    private long started;
    private long operationNanos;

    private NcclCollective(int rank, int worldSize, int device, CollectiveOptions options, ncclComm comm, CUstream_st stream) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.device = device;
        this.options = options;
        this.comm = comm;
        this.stream = stream;
    }

    /**
     * Creates this rank's communicator on CUDA device {@code device}: rank 0 makes the NCCL
     * unique id, the rendezvous carries it to everyone, then all ranks join.
     */
    public static NcclCollective connect(Rendezvous rendezvous, CollectiveOptions options, int device) {
        int rank = rendezvous.rank();
        int n = rendezvous.worldSize();
        cuda(rank, cudaSetDevice(device), "selecting CUDA device " + device);
        String mine = "";
        if (rank == 0) {
            ncclUniqueId id = new ncclUniqueId();
            nccl(rank, ncclGetUniqueId(id), "creating the NCCL unique id");
            byte[] bytes = new byte[NCCL_UNIQUE_ID_BYTES];
            id.internal().get(bytes);
            mine = Base64.getEncoder().encodeToString(bytes);
        }
        List<String> all = rendezvous.allGather(mine);
        byte[] idBytes = Base64.getDecoder().decode(all.get(0));
        ncclUniqueId id = new ncclUniqueId();
        id.internal().put(idBytes);
        ncclComm comm = new ncclComm();
        ExecutorService init = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lmforge-nccl-init-rank" + rank);
            t.setDaemon(true);
            return t;
        });
        try {
            Future<Integer> joined = init.submit(() -> {
                cudaSetDevice(device); // the device is per thread
                return ncclCommInitRank(comm, n, id, rank);
            });
            nccl(rank, joined.get(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS), "joining the NCCL communicator");
        } catch (TimeoutException e) {
            throw new CollectiveException(rank, "not every rank joined the NCCL communicator of " + n + " ranks within "
                    + options.connectTimeout().toSeconds() + " s (a rank failed before joining, or NCCL cannot reach it: "
                    + "set NCCL_DEBUG=INFO and NCCL_SOCKET_IFNAME)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException(rank, "interrupted while joining the NCCL communicator", e);
        } catch (ExecutionException e) {
            throw new CollectiveException(rank, "joining the NCCL communicator failed: " + e.getCause(), e.getCause());
        } finally {
            init.shutdown();
        }
        CUstream_st stream = new CUstream_st();
        cuda(rank, cudaStreamCreate(stream), "creating a CUDA stream");
        return new NcclCollective(rank, n, device, options, comm, stream);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    /** Operations and time; NCCL does not report its traffic, so bytes sent stay 0. */
    @Override
    public CollectiveStats stats() {
        return new CollectiveStats(seq, operationNanos, 0);
    }

    /** The CUDA device this rank's communicator uses. */
    public int device() {
        return device;
    }

    /**
     * Reduces {@code count} fp32 values in device memory at {@code data} in place (a gradient's
     * {@code data_ptr()}, see {@link TorchTensors}), and waits for it.
     */
    public void allReduceDevice(Pointer data, long count, ReduceOp op) {
        String doing = "all-reduce #" + (++seq) + " of " + count + " floats on the GPU (" + op + ")";
        begin(doing);
        nccl(rank, ncclAllReduce(data, data, count, ncclFloat, ncclOp(op), comm, stream), doing);
        await(doing);
    }

    /**
     * Reduces many device buffers in place as one NCCL group (one launch, fused by NCCL, instead
     * of a round trip per tensor): a model's gradients, each at its {@code data_ptr()}. Waits for
     * work already queued on the device (libtorch's backward kernels run on libtorch's stream,
     * NCCL's on this collective's) before starting.
     */
    public void allReduceDevice(List<Pointer> data, long[] counts, ReduceOp op) {
        long floats = java.util.Arrays.stream(counts).sum();
        String doing = "all-reduce #" + (++seq) + " of " + data.size() + " tensors, " + floats + " floats on the GPU (" + op + ")";
        begin(doing);
        cuda(rank, cudaDeviceSynchronize(), "waiting for the gradients before " + doing);
        nccl(rank, ncclGroupStart(), doing);
        for (int i = 0; i < data.size(); i++) {
            nccl(rank, ncclAllReduce(data.get(i), data.get(i), counts[i], ncclFloat, ncclOp(op), comm, stream), doing);
        }
        nccl(rank, ncclGroupEnd(), doing);
        await(doing);
    }

    /** Copies rank {@code root}'s device buffers into every rank's, as one NCCL group (initial weights). */
    public void broadcastDevice(List<Pointer> data, long[] counts, int root) {
        String doing = "broadcast #" + (++seq) + " of " + data.size() + " tensors from rank " + root + " on the GPU";
        begin(doing);
        cuda(rank, cudaDeviceSynchronize(), "waiting for the tensors before " + doing);
        nccl(rank, ncclGroupStart(), doing);
        for (int i = 0; i < data.size(); i++) {
            nccl(rank, ncclBroadcast(data.get(i), data.get(i), counts[i], ncclFloat, root, comm, stream), doing);
        }
        nccl(rank, ncclGroupEnd(), doing);
        await(doing);
    }

    private static int ncclOp(ReduceOp op) {
        return switch (op) {
            case SUM -> ncclSum;
            case MEAN -> ncclAvg;
            case MAX -> ncclMax;
            case MIN -> ncclMin;
        };
    }

    @Override
    public void allReduce(ByteBuffer floats, ReduceOp op) {
        int bytes = floats.remaining();
        Pointer dev = scratch(bytes);
        toDevice(floats, dev, bytes);
        allReduceDevice(dev, bytes / Float.BYTES, op);
        fromDevice(dev, floats, bytes);
    }

    @Override
    public void broadcast(ByteBuffer bytes, int root) {
        int len = bytes.remaining();
        Pointer dev = scratch(len);
        if (rank == root) {
            toDevice(bytes, dev, len);
        }
        String doing = "broadcast #" + (++seq) + " of " + len + " bytes from rank " + root + " (NCCL)";
        begin(doing);
        nccl(rank, ncclBroadcast(dev, dev, len, ncclUint8, root, comm, stream), doing);
        await(doing);
        fromDevice(dev, bytes, len);
    }

    @Override
    public List<byte[]> allGather(byte[] mine) {
        // First the lengths, then every part padded to the longest.
        ByteBuffer lengths = ByteBuffer.allocateDirect(worldSize * Float.BYTES).order(ByteOrder.nativeOrder());
        lengths.putInt(rank * Float.BYTES, mine.length);
        gather(lengths, Float.BYTES);
        int longest = 0;
        for (int r = 0; r < worldSize; r++) {
            longest = Math.max(longest, lengths.getInt(r * Float.BYTES));
        }
        ByteBuffer parts = ByteBuffer.allocateDirect(Math.max(1, longest) * worldSize);
        parts.put(rank * Math.max(1, longest), mine);
        gather(parts, Math.max(1, longest));
        List<byte[]> out = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
            byte[] b = new byte[lengths.getInt(r * Float.BYTES)];
            parts.get(r * Math.max(1, longest), b);
            out.add(b);
        }
        return out;
    }

    /** In-place all-gather: {@code buf} holds worldSize parts of {@code partBytes}, this rank's filled in. */
    private void gather(ByteBuffer buf, int partBytes) {
        Pointer dev = scratch((long) partBytes * worldSize);
        toDevice(buf.duplicate().clear(), dev, partBytes * worldSize);
        String doing = "all-gather #" + (++seq) + " (NCCL)";
        begin(doing);
        nccl(rank, ncclAllGather(dev.getPointer(rank * (long) partBytes), dev, partBytes, ncclUint8, comm, stream), doing);
        await(doing);
        fromDevice(dev, buf.duplicate().clear(), partBytes * worldSize);
    }

    @Override
    public void barrier() {
        allReduce(new float[1], ReduceOp.SUM);
    }

    private void begin(String doing) {
        started = System.nanoTime();
        if (failure != null) {
            throw new CollectiveException(rank, "NCCL communicator is unusable after an earlier failure (" + failure.getMessage()
                    + "); cannot run " + doing, failure);
        }
    }

    /** Polls the stream until the enqueued collective completes, failing on NCCL errors, cancellation or the timeout. */
    private void await(String doing) {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        int[] async = new int[1];
        while (true) {
            int q = cudaStreamQuery(stream);
            if (q == cudaSuccess) {
                operationNanos += System.nanoTime() - started;
                return;
            }
            if (q != cudaErrorNotReady) {
                throw abort(doing + " failed on the GPU: " + cudaGetErrorString(q).getString());
            }
            ncclCommGetAsyncError(comm, async);
            if (async[0] != ncclSuccess) {
                throw abort(doing + " failed in NCCL: " + ncclGetErrorString(async[0]).getString()
                        + " (a peer rank failed or lost its connection; NCCL_DEBUG=INFO tells which)");
            }
            if (options.cancelled().getAsBoolean()) {
                throw abort("cancelled (the task was killed) during " + doing);
            }
            if (System.nanoTime() > deadline) {
                throw abort("timed out after " + options.timeout().toSeconds() + " s in " + doing
                        + " (a peer rank is dead, stuck, or not calling the same collective)");
            }
            Thread.onSpinWait();
        }
    }

    private CollectiveException abort(String message) {
        failure = new CollectiveException(rank, message, null);
        ncclCommAbort(comm); // frees the GPU kernels waiting on dead peers
        return failure;
    }

    private Pointer scratch(long bytes) {
        if (bytes > scratchBytes) {
            if (scratchBytes > 0) {
                cudaFree(scratch);
            }
            scratch = new Pointer();
            cuda(rank, cudaMalloc(scratch, bytes), "allocating " + bytes + " bytes on the GPU");
            scratchBytes = bytes;
        }
        return scratch;
    }

    private void toDevice(ByteBuffer host, Pointer dev, long bytes) {
        cuda(rank, cudaMemcpy(dev, new Pointer(host.isDirect() ? host : ByteBuffer.allocateDirect((int) bytes).put(host.duplicate()).flip()),
                bytes, cudaMemcpyHostToDevice), "copying to the GPU");
    }

    private void fromDevice(Pointer dev, ByteBuffer host, long bytes) {
        if (host.isDirect()) {
            cuda(rank, cudaMemcpy(new Pointer(host), dev, bytes, cudaMemcpyDeviceToHost), "copying from the GPU");
        } else {
            ByteBuffer tmp = ByteBuffer.allocateDirect((int) bytes);
            cuda(rank, cudaMemcpy(new Pointer(tmp), dev, bytes, cudaMemcpyDeviceToHost), "copying from the GPU");
            host.duplicate().put(tmp);
        }
    }

    private static void cuda(int rank, int code, String doing) {
        if (code != cudaSuccess) {
            throw new CollectiveException(rank, "CUDA error while " + doing + ": " + cudaGetErrorString(code).getString(), null);
        }
    }

    private static void nccl(int rank, int code, String doing) {
        if (code != ncclSuccess) {
            BytePointer msg = ncclGetErrorString(code);
            throw new CollectiveException(rank, "NCCL error while " + doing + ": " + msg.getString(), null);
        }
    }

    @Override
    public void close() {
        if (failure == null) {
            ncclCommDestroy(comm);
        }
        cudaStreamDestroy(stream);
        if (scratchBytes > 0) {
            cudaFree(scratch);
        }
    }
}
