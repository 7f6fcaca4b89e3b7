package io.lmforge.bench.train;

import io.lmforge.trainer.dist.TcpRingCollective;
import io.lmforge.trainer.dist.ReduceOp;
import io.lmforge.trainer.dist.Rendezvous;
import io.lmforge.trainer.dist.InProcessRendezvous;
import io.lmforge.trainer.dist.Collective;
import io.lmforge.trainer.dist.CollectiveOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code lmforge bench allreduce}: the CPU ring's bus bandwidth on loopback against the plain TCP
 * throughput of two sockets on the same machine, measured in the same run.
 *
 * <p>Bus bandwidth follows NCCL's definition (nccl-tests, PERFORMANCE.md): algorithm bandwidth
 * {@code size / time} times {@code 2(n-1)/n}, the share of the buffer each rank must send and
 * receive in an all-reduce, so that it is comparable with the bandwidth of one link. Ranks are
 * threads of this JVM, each with its own sockets, sender thread and buffers.
 */
@Command(name = "allreduce", mixinStandardHelpOptions = true,
        description = "All-reduce bus bandwidth of the CPU ring on loopback vs. plain TCP between two sockets.")
public final class AllReduceBench implements Runnable {

    @Option(names = "--ranks", split = ",", defaultValue = "2,4", description = "world sizes (default: ${DEFAULT-VALUE})")
    List<Integer> ranks;

    @Option(names = "--sizes-mb", split = ",", defaultValue = "1,4,16,64,256", description = "buffer sizes in MB (default: ${DEFAULT-VALUE})")
    List<Integer> sizesMb;

    @Option(names = "--seconds", defaultValue = "2", description = "measuring time per point, at least 3 iterations (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--segment-kb", defaultValue = "1024", description = "ring pipelining segment (default: ${DEFAULT-VALUE})")
    int segmentKb;

    @Option(names = "--socket-kb", defaultValue = "4096",
            description = "SO_SNDBUF/SO_RCVBUF; 0 leaves them to the kernel's autotuning (default: ${DEFAULT-VALUE})")
    int socketKb;

    @Override
    public void run() {
        PrintStream out = System.out;
        CollectiveOptions options = CollectiveOptions.defaults().withSegmentBytes(segmentKb * 1024).withTimeout(Duration.ofMinutes(2))
                .withSocketBufferBytes(socketKb * 1024);
        out.printf("lmforge bench allreduce: %d cores, Java %s, segment %d KiB, socket buffers %d KiB%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), segmentKb,
                options.socketBufferBytes() / 1024);
        try {
            // The peer is measured next to each row: on a shared machine the load drifts within a run.
            out.printf("%9s %9s %5s %6s %11s %11s %10s%n", "size", "TCP GB/s", "ranks", "iters", "algbw GB/s", "busbw GB/s",
                    "busbw/TCP");
            for (int mb : sizesMb) {
                double tcp = tcpThroughput(mb << 20, options);
                for (int n : ranks) {
                    double[] r = ring(n, mb << 20, options);
                    double algbw = (mb << 20) / r[0];
                    double busbw = algbw * 2 * (n - 1) / n;
                    out.printf("%6d MB %9.2f %5d %6d %11.2f %11.2f %10.2f%n", mb, tcp / 1e9, n, (int) r[1], algbw / 1e9,
                            busbw / 1e9, busbw / tcp);
                }
            }
            out.println("TCP: one writer and one reader thread over one loopback connection, same socket options, "
                    + "streaming through a buffer of the row's size, at least 512 MB. busbw = algbw x 2(n-1)/n (NCCL's definition).");
        } catch (Exception e) {
            throw new IllegalStateException("benchmark failed: " + e, e);
        }
    }

    /** Seconds per all-reduce of {@code bytes} with {@code n} ranks, and the iteration count. */
    private double[] ring(int n, int bytes, CollectiveOptions options) throws Exception {
        InProcessRendezvous rv = new InProcessRendezvous(n, "bench-" + n + "-" + bytes, Duration.ofMinutes(1));
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<double[]>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                Rendezvous member = rv.member(r);
                futures.add(pool.submit(() -> {
                    ByteBuffer buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
                    for (int i = 0; i < bytes; i += 4) {
                        buf.putFloat(i, 1e-3f * (i % 1000));
                    }
                    try (Collective c = TcpRingCollective.connect(member, "127.0.0.1", options)) {
                        c.allReduce(buf.clear(), ReduceOp.SUM); // warm up: JIT, TCP windows
                        int iterations = 0;
                        long t0 = System.nanoTime();
                        // Rank 0 decides when to stop and tells the others, so all run the same count.
                        while (true) {
                            float[] go = {c.rank() == 0 && (iterations >= 3 && (System.nanoTime() - t0) / 1e9 >= seconds) ? 0f : 1f};
                            c.broadcast(go, 0);
                            if (go[0] == 0f) {
                                break;
                            }
                            c.allReduce(buf.clear(), ReduceOp.SUM);
                            iterations++;
                        }
                        return new double[]{(System.nanoTime() - t0) / 1e9 / iterations, iterations};
                    }
                }));
            }
            double[] slowest = {0, 0};
            for (Future<double[]> f : futures) {
                double[] r = f.get();
                if (r[0] > slowest[0]) {
                    slowest = r;
                }
            }
            return slowest;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Bytes per second from one writer thread to one reader thread over a loopback TCP connection.
     * Both stream through buffers of the row's size in segment-sized writes and reads, so that the
     * peer touches as much memory as the all-reduce does (a small, cache-hot buffer would flatter
     * it at large sizes): one pass to warm up, then at least 512 MB measured.
     */
    private double tcpThroughput(int bytes, CollectiveOptions options) throws Exception {
        long warmup = bytes;
        long measured = Math.max(512L << 20, 2L * bytes);
        int segment = options.segmentBytes();
        try (ServerSocketChannel server = TcpRingCollective.listen(options)) {
            int port = server.socket().getLocalPort();
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<Void> writer = pool.submit(() -> {
                    try (SocketChannel ch = SocketChannel.open()) {
                        if (options.socketBufferBytes() > 0) {
                            ch.setOption(StandardSocketOptions.SO_SNDBUF, options.socketBufferBytes());
                        }
                        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        ch.connect(new InetSocketAddress("127.0.0.1", port));
                        ByteBuffer src = ByteBuffer.allocateDirect(bytes);
                        long sent = 0;
                        while (sent < warmup + measured) {
                            int at = (int) (sent % bytes);
                            ByteBuffer piece = src.duplicate().limit(Math.min(bytes, at + segment)).position(at);
                            while (piece.hasRemaining()) {
                                sent += ch.write(piece);
                            }
                        }
                    }
                    return null;
                });
                try (SocketChannel in = server.accept()) {
                    ByteBuffer dst = ByteBuffer.allocateDirect(bytes);
                    readBytes(in, dst, segment, warmup);
                    long t0 = System.nanoTime();
                    readBytes(in, dst, segment, measured);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    writer.get();
                    return measured / secs;
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Reads {@code total} bytes into {@code dst}, cycling through it a segment at a time. */
    private static void readBytes(SocketChannel in, ByteBuffer dst, int segment, long total) throws IOException {
        long got = 0;
        int at = 0;
        while (got < total) {
            int len = (int) Math.min(Math.min(segment, dst.capacity() - at), total - got);
            ByteBuffer piece = dst.duplicate().limit(at + len).position(at);
            while (piece.hasRemaining()) {
                if (in.read(piece) < 0) {
                    throw new IOException("writer closed early");
                }
            }
            got += len;
            at = (at + len) % dst.capacity();
        }
    }
}
