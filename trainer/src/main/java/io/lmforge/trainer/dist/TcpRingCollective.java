package io.lmforge.trainer.dist;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The CPU backend: a ring over TCP. All-reduce is the bandwidth-optimal ring (reduce-scatter then
 * all-gather, each rank sending {@code 2(n-1)/n} of the buffer), pipelined in segments: a segment
 * is reduced and handed to the sender thread while the next one is still arriving, so sending,
 * receiving and adding overlap.
 *
 * <p>Determinism: chunk {@code c} of the buffer is always summed in the rank order
 * {@code c, c+1, ..., c-1 (mod n)}, one fp32 addition per rank, whatever the timing; the rank that
 * completes a chunk divides it (MEAN) and the all-gather copies those bits to everyone, so every
 * rank ends with identical values. With two ranks every element equals {@code x0 + x1} exactly.
 *
 * <p>Each rank has one outbound connection (to rank+1, written only by the sender thread) and one
 * inbound (from rank-1, read only by the calling thread), both opened by {@link RingHandshake}
 * before the first operation. Every operation starts with a header
 * (operation, sequence number, size) so that ranks calling different collectives fail with an
 * error naming both, instead of exchanging garbage.
 */
public final class TcpRingCollective implements Collective {
    private static final int OP_MAGIC = 0x4c4d4f50; // "LMOP"
    private static final int HEADER_BYTES = 32;
    private static final int MAX_GATHER_BYTES = 1 << 30;

    private static final int OP_ALL_REDUCE = 1;
    private static final int OP_BROADCAST = 2;
    private static final int OP_ALL_GATHER = 3;
    private static final int OP_BARRIER = 4;

    private final int rank;
    private final int worldSize;
    private final CollectiveOptions options;
    private final RingLink next;
    private final RingLink prev;
    private final LinkedBlockingQueue<Object> sendQueue = new LinkedBlockingQueue<>();
    private final Thread sender;
    private final ByteBuffer scratch;
    private final float[] receivedFloats;
    private final float[] localFloats;
    private final ByteBuffer headerIn = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
    private ByteBuffer staging = ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
    private volatile CollectiveException failure;
    private volatile boolean closed;
    private long seq;
    private long operationNanos;
    private volatile long bytesSent;
    private volatile String phase = "idle";

    private record SendItem(ByteBuffer bytes, String doing) {
    }

    private TcpRingCollective(int rank, int worldSize, CollectiveOptions options, RingHandshake.Neighbours neighbours)
            throws IOException {
        this.rank = rank;
        this.worldSize = worldSize;
        this.options = options;
        long timeout = options.timeout().toNanos();
        this.next = new RingLink(neighbours.toNext(), false, rank, (rank + 1) % worldSize,
                neighbours.nextAddress().toString(), timeout, this::checkSender);
        this.prev = new RingLink(neighbours.fromPrev(), true, rank, (rank - 1 + worldSize) % worldSize,
                neighbours.prevAddress().toString(), timeout, this::checkReceiver);
        this.scratch = ByteBuffer.allocateDirect(options.segmentBytes()).order(ByteOrder.nativeOrder());
        this.receivedFloats = new float[options.segmentBytes() / Float.BYTES];
        this.localFloats = new float[options.segmentBytes() / Float.BYTES];
        this.sender = new Thread(this::sendLoop, "lmforge-ring-send-rank" + rank);
        sender.setDaemon(true);
        sender.start();
    }

    // ---------------------------------------------------------------- setup

    /** Opens this rank's listening socket (all interfaces, ephemeral port) before the rendezvous. */
    public static ServerSocketChannel listen(CollectiveOptions options) throws IOException {
        return RingHandshake.listen(options);
    }

    /**
     * Listens, exchanges addresses through {@code rendezvous} (advertising {@code advertiseHost}),
     * connects the ring and checks it with a barrier.
     */
    public static TcpRingCollective connect(Rendezvous rendezvous, String advertiseHost, CollectiveOptions options) {
        ServerSocketChannel server;
        try {
            server = listen(options);
        } catch (IOException e) {
            throw new CollectiveException(rendezvous.rank(), "cannot open a listening socket: " + e.getMessage(), e);
        }
        try {
            List<PeerAddress> addresses = RingHandshake.exchangeAddresses(rendezvous, advertiseHost, server);
            return connect(rendezvous.rank(), addresses, server, rendezvous.sessionId(), options);
        } finally {
            RingHandshake.closeQuietly(server);
        }
    }

    /**
     * Connects rank {@code rank} to its ring neighbours (see {@link RingHandshake}), closing
     * {@code server}, then runs a barrier so that a returned collective has a working ring. Fails
     * with a {@link CollectiveException} naming the missing neighbour.
     */
    public static TcpRingCollective connect(int rank, List<PeerAddress> addresses, ServerSocketChannel server,
                                            String sessionId, CollectiveOptions options) {
        RingHandshake.requireRing(rank, addresses.size());
        RingHandshake.Neighbours neighbours = null;
        TcpRingCollective ring = null;
        try {
            neighbours = RingHandshake.connect(rank, addresses, server, sessionId, options);
            ring = new TcpRingCollective(rank, addresses.size(), options, neighbours);
            ring.barrier();
            return ring;
        } catch (IOException e) {
            throw new CollectiveException(rank, "could not set up the ring: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (ring != null) {
                ring.close();
            } else if (neighbours != null) {
                neighbours.close();
            }
            throw e;
        } finally {
            RingHandshake.closeQuietly(server);
        }
    }

    // ---------------------------------------------------------------- operations

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    @Override
    public CollectiveStats stats() {
        return new CollectiveStats(seq, operationNanos, bytesSent);
    }

    @Override
    public void allReduce(float[] values, ReduceOp op) {
        ByteBuffer buf = staging(values.length * (long) Float.BYTES);
        buf.asFloatBuffer().put(values);
        allReduce(buf, op);
        buf.asFloatBuffer().get(values);
    }

    @Override
    public void allReduce(ByteBuffer floats, ReduceOp op) {
        requireNativeFloats(floats);
        long count = floats.remaining() / Float.BYTES;
        String name = "all-reduce #" + (seq + 1) + " of " + count + " floats (" + op + ")";
        run(OP_ALL_REDUCE, count, op.ordinal(), name, () -> ringAllReduce(floats, (int) count, op, name));
    }

    @Override
    public void broadcast(ByteBuffer bytes, int root) {
        if (root < 0 || root >= worldSize) {
            throw new IllegalArgumentException("broadcast root " + root + " is not a rank of " + worldSize);
        }
        String name = "broadcast #" + (seq + 1) + " of " + bytes.remaining() + " bytes from rank " + root;
        run(OP_BROADCAST, bytes.remaining(), root, name, () -> chainBroadcast(bytes, root, name));
    }

    @Override
    public List<byte[]> allGather(byte[] mine) {
        String name = "all-gather #" + (seq + 1);
        List<byte[]> out = new ArrayList<>();
        run(OP_ALL_GATHER, 0, 0, name, () -> out.addAll(ringAllGather(mine, name)));
        return out;
    }

    @Override
    public void barrier() {
        String name = "barrier #" + (seq + 1);
        run(OP_BARRIER, 0, 0, name, () -> ringAllGather(new byte[0], name));
    }

    /** Runs one operation: header exchange, body, wait for the sender; any failure breaks the ring. */
    private void run(int opcode, long count, int param, String name, Runnable body) {
        if (closed) {
            throw new CollectiveException(rank, "collective is closed; cannot run " + name, null);
        }
        if (failure != null) {
            throw new CollectiveException(rank, "collective is unusable after an earlier failure (" + failure.getMessage()
                    + "); cannot run " + name, failure);
        }
        seq++;
        long t0 = System.nanoTime();
        try {
            phase = name + " (exchanging headers)";
            exchangeHeader(opcode, count, param, name);
            body.run();
            phase = name + " (finishing sends)";
            flush();
            phase = "idle";
            operationNanos += System.nanoTime() - t0;
        } catch (CollectiveException e) {
            fail(e);
            throw failure;
        } catch (RuntimeException e) {
            fail(new CollectiveException(rank, "failed during " + phase + ": " + e, e));
            throw failure;
        }
    }

    private void exchangeHeader(int opcode, long count, int param, String name) {
        ByteBuffer mine = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN)
                .putInt(OP_MAGIC).putInt(opcode).putLong(seq).putLong(count).putInt(param).putInt(options.segmentBytes()).flip();
        sendQueue.add(new SendItem(mine, name + " header"));
        headerIn.clear();
        prev.readFully(headerIn, () -> "waiting for the header of " + name);
        headerIn.flip();
        int magic = headerIn.getInt();
        int theirOp = headerIn.getInt();
        long theirSeq = headerIn.getLong();
        long theirCount = headerIn.getLong();
        int theirParam = headerIn.getInt();
        int theirSegment = headerIn.getInt();
        if (magic != OP_MAGIC) {
            throw peerError("received bytes that are not an operation header from rank " + prev.peerRank() + " (" + prev.peerAddress()
                    + ") at the start of " + name + " (protocol out of step after an earlier error?)");
        }
        boolean countMatters = opcode == OP_ALL_REDUCE || opcode == OP_BROADCAST;
        if (theirOp != opcode || theirSeq != seq || (countMatters && theirCount != count) || theirParam != param) {
            // Let our own header reach the neighbour first, so that it too can name both calls.
            flushBriefly();
            throw peerError("this rank called " + name + " but rank " + prev.peerRank() + " (" + prev.peerAddress() + ") called "
                    + describe(theirOp, theirSeq, theirCount, theirParam)
                    + ": every rank must call the same collectives, with the same sizes, in the same order");
        }
        if (theirSegment != options.segmentBytes()) {
            throw peerError("rank " + prev.peerRank() + " uses segments of " + theirSegment + " bytes, this rank "
                    + options.segmentBytes() + ": configure every rank the same");
        }
    }

    private static String describe(int op, long seq, long count, int param) {
        return switch (op) {
            case OP_ALL_REDUCE -> "all-reduce #" + seq + " of " + count + " floats ("
                    + (param >= 0 && param < ReduceOp.values().length ? ReduceOp.values()[param] : "op " + param) + ")";
            case OP_BROADCAST -> "broadcast #" + seq + " of " + count + " bytes from rank " + param;
            case OP_ALL_GATHER -> "all-gather #" + seq;
            case OP_BARRIER -> "barrier #" + seq;
            default -> "unknown operation " + op + " #" + seq;
        };
    }

    private CollectiveException peerError(String message) {
        return new CollectiveException(rank, prev.peerRank(), prev.peerAddress(), message, null);
    }

    private void ringAllReduce(ByteBuffer data, int count, ReduceOp op, String name) {
        int n = worldSize;
        int base = data.position();
        ByteBuffer buf = data.duplicate().order(ByteOrder.nativeOrder());
        int[] start = new int[n + 1];
        for (int c = 0; c <= n; c++) {
            start[c] = (int) ((long) c * count / n);
        }
        int segment = options.segmentBytes() / Float.BYTES;
        String firstStep = name + ", reduce-scatter step 1/" + (n - 1);
        enqueueRange(buf, base, start[rank], start[rank + 1], segment, firstStep);
        for (int s = 0; s < n - 1; s++) {
            int c = Math.floorMod(rank - s - 1, n);
            boolean last = s == n - 2;
            String doing = name + ", reduce-scatter step " + (s + 1) + "/" + (n - 1) + ", chunk " + c;
            String forward = last ? name + ", all-gather step 1/" + (n - 1) : name + ", reduce-scatter step " + (s + 2) + "/" + (n - 1);
            phase = doing;
            for (int a = start[c]; a < start[c + 1]; a += segment) {
                int b = Math.min(a + segment, start[c + 1]);
                scratch.clear().limit((b - a) * Float.BYTES);
                prev.readFully(scratch, () -> "receiving " + doing);
                reduceInto(buf, base + a * Float.BYTES, b - a, op, last && op == ReduceOp.MEAN);
                sendQueue.add(new SendItem(slice(buf, base, a, b), forward));
            }
        }
        for (int t = 0; t < n - 1; t++) {
            int c = Math.floorMod(rank - t, n);
            String doing = name + ", all-gather step " + (t + 1) + "/" + (n - 1) + ", chunk " + c;
            String forward = name + ", all-gather step " + (t + 2) + "/" + (n - 1);
            phase = doing;
            for (int a = start[c]; a < start[c + 1]; a += segment) {
                int b = Math.min(a + segment, start[c + 1]);
                // Received in place: this rank's earlier send of the same range has completed,
                // because the owner could only finish the chunk after receiving those bytes.
                ByteBuffer target = slice(buf, base, a, b);
                prev.readFully(target, () -> "receiving " + doing);
                if (t < n - 2) {
                    sendQueue.add(new SendItem(slice(buf, base, a, b), forward));
                }
            }
        }
    }

    /**
     * {@code dst[i] = combine(received[i], dst[i])}; the chunk's final step also divides by n for
     * MEAN. Bulk copies into arrays let the JIT vectorize the loop (about twice as fast as
     * element-wise buffer access).
     */
    private void reduceInto(ByteBuffer dst, int offset, int floats, ReduceOp op, boolean divide) {
        FloatBuffer local = dst.duplicate().limit(offset + floats * Float.BYTES).position(offset).slice()
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        float[] in = receivedFloats;
        float[] acc = localFloats;
        scratch.clear().asFloatBuffer().get(0, in, 0, floats);
        local.get(0, acc, 0, floats);
        switch (op) {
            case SUM, MEAN -> {
                if (divide) {
                    float n = worldSize;
                    for (int i = 0; i < floats; i++) {
                        acc[i] = (in[i] + acc[i]) / n;
                    }
                } else {
                    for (int i = 0; i < floats; i++) {
                        acc[i] = in[i] + acc[i];
                    }
                }
            }
            case MAX -> {
                for (int i = 0; i < floats; i++) {
                    acc[i] = Math.max(in[i], acc[i]);
                }
            }
            case MIN -> {
                for (int i = 0; i < floats; i++) {
                    acc[i] = Math.min(in[i], acc[i]);
                }
            }
        }
        local.put(0, acc, 0, floats);
    }

    private void chainBroadcast(ByteBuffer bytes, int root, String name) {
        int base = bytes.position();
        int len = bytes.remaining();
        int segment = options.segmentBytes();
        boolean forward = (rank + 1) % worldSize != root;
        phase = name;
        for (int a = 0; a < len; a += segment) {
            int b = Math.min(a + segment, len);
            ByteBuffer piece = bytes.duplicate().limit(base + b).position(base + a);
            if (rank != root) {
                prev.readFully(piece, () -> "receiving " + name);
                piece = bytes.duplicate().limit(base + b).position(base + a);
            }
            if (rank == root || forward) {
                sendQueue.add(new SendItem(piece, name));
            }
        }
    }

    private List<byte[]> ringAllGather(byte[] mine, String name) {
        int n = worldSize;
        byte[][] items = new byte[n][];
        items[rank] = mine;
        sendQueue.add(new SendItem(frame(rank, mine), name));
        ByteBuffer head = ByteBuffer.allocate(8);
        for (int s = 0; s < n - 1; s++) {
            int origin = Math.floorMod(rank - s - 1, n);
            phase = name + ", step " + (s + 1) + "/" + (n - 1);
            head.clear();
            prev.readFully(head, () -> "receiving rank " + origin + "'s part of " + name);
            head.flip();
            int from = head.getInt();
            int len = head.getInt();
            if (from != origin || len < 0 || len > MAX_GATHER_BYTES) {
                throw peerError("expected rank " + origin + "'s part of " + name + " but got a frame for rank " + from
                        + " of " + len + " bytes");
            }
            ByteBuffer body = ByteBuffer.allocate(len);
            prev.readFully(body, () -> "receiving rank " + origin + "'s part of " + name);
            items[origin] = body.array();
            if (s < n - 2) {
                sendQueue.add(new SendItem(frame(origin, items[origin]), name));
            }
        }
        return Arrays.asList(items);
    }

    private static ByteBuffer frame(int origin, byte[] bytes) {
        return ByteBuffer.allocate(8 + bytes.length).putInt(origin).putInt(bytes.length).put(bytes).flip();
    }

    private static ByteBuffer slice(ByteBuffer buf, int base, int fromFloat, int toFloat) {
        return buf.duplicate().limit(base + toFloat * Float.BYTES).position(base + fromFloat * Float.BYTES);
    }

    private void enqueueRange(ByteBuffer buf, int base, int from, int to, int segment, String doing) {
        for (int a = from; a < to; a += segment) {
            sendQueue.add(new SendItem(slice(buf, base, a, Math.min(a + segment, to)), doing));
        }
    }

    /** Waits until the sender has written everything queued so far (the caller may then reuse its buffer). */
    private void flush() {
        CountDownLatch done = new CountDownLatch(1);
        sendQueue.add(done);
        try {
            while (!done.await(RingLink.POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                checkReceiver();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException(rank, "interrupted while " + phase, e);
        }
    }

    /** Waits up to a second for queued sends, ignoring failures: only used on the way to an error. */
    private void flushBriefly() {
        CountDownLatch done = new CountDownLatch(1);
        sendQueue.add(done);
        try {
            done.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ByteBuffer staging(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot reduce more than 2 GiB in one call: " + bytes + " bytes");
        }
        if (staging.capacity() < bytes) {
            staging = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        }
        return staging.clear().limit((int) bytes);
    }

    static void requireNativeFloats(ByteBuffer floats) {
        if (floats.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("the float buffer must be in native byte order (ByteOrder.nativeOrder())");
        }
        if (floats.remaining() % Float.BYTES != 0) {
            throw new IllegalArgumentException("the float buffer's remaining " + floats.remaining() + " bytes are not whole floats");
        }
    }

    // ---------------------------------------------------------------- threads and failure

    private void sendLoop() {
        try {
            while (!closed && failure == null) {
                Object item = sendQueue.poll(RingLink.POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (item instanceof SendItem s) {
                    int len = s.bytes().remaining();
                    next.writeFully(s.bytes(), () -> "sending " + s.doing());
                    bytesSent += len; // only this thread writes it
                } else if (item instanceof CountDownLatch done) {
                    done.countDown();
                }
            }
        } catch (CollectiveException e) {
            fail(e);
        } catch (InterruptedException e) {
            if (!closed) {
                fail(new CollectiveException(rank, "sender thread interrupted", e));
            }
        } catch (RuntimeException | Error e) {
            fail(new CollectiveException(rank, "sender thread failed: " + e, e));
        }
    }

    /** Guard of the sending thread: stop when the receiving side has failed or the task is cancelled. */
    private void checkSender() {
        if (failure != null || closed) {
            throw new CollectiveException(rank, "stopped sending after a failure", failure);
        }
        if (options.cancelled().getAsBoolean()) {
            throw new CollectiveException(rank, "cancelled (the task was killed) while " + phase, null);
        }
    }

    /** Guard of the calling thread: surface the sender's failure, or cancellation. */
    private void checkReceiver() {
        CollectiveException f = failure;
        if (f != null) {
            throw f;
        }
        if (closed) {
            throw new CollectiveException(rank, "collective closed while " + phase, null);
        }
        if (options.cancelled().getAsBoolean()) {
            throw new CollectiveException(rank, "cancelled (the task was killed) while " + phase, null);
        }
    }

    /** Records the first failure and closes both connections at once, so neighbours fail fast too. */
    private synchronized void fail(CollectiveException e) {
        if (failure == null) {
            failure = e;
        }
        next.close();
        prev.close();
    }

    @Override
    public void close() {
        closed = true;
        next.close();
        prev.close();
        sender.interrupt();
        try {
            sender.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
