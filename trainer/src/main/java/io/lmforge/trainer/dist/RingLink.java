package io.lmforge.trainer.dist;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One TCP connection of the ring, used by one thread in one direction: reads from the previous
 * rank, or writes to the next. Every read and write waits at most {@code timeout} without
 * progress and polls {@link Guard} meanwhile, so no rank blocks forever on a dead, frozen or
 * departed peer, and a failure on the other thread stops this one within one poll.
 */
final class RingLink implements AutoCloseable {
    /** How often a waiting link re-checks cancellation and the other thread's failure. */
    static final long POLL_MILLIS = 50;

    /** What a waiting link checks between polls; throws to abort. */
    interface Guard {
        void check();
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final int rank;
    private final int peerRank;
    private final String peerAddress;
    private final long timeoutNanos;
    private final Guard guard;
    private final boolean inbound;

    /** {@code inbound}: this link is read (from the previous rank), else written (to the next). */
    RingLink(SocketChannel channel, boolean inbound, int rank, int peerRank, String peerAddress, long timeoutNanos,
             Guard guard) throws IOException {
        this.inbound = inbound;
        this.channel = channel;
        this.rank = rank;
        this.peerRank = peerRank;
        this.peerAddress = peerAddress;
        this.timeoutNanos = timeoutNanos;
        this.guard = guard;
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.configureBlocking(false);
        this.selector = Selector.open();
        channel.register(selector, inbound ? SelectionKey.OP_READ : SelectionKey.OP_WRITE);
    }

    int peerRank() {
        return peerRank;
    }

    String peerAddress() {
        return peerAddress;
    }

    /** Fills {@code dst} from the peer; {@code doing} names the operation in errors. */
    void readFully(ByteBuffer dst, Supplier<String> doing) {
        transfer(dst, true, doing);
    }

    /** Writes all of {@code src} to the peer. */
    void writeFully(ByteBuffer src, Supplier<String> doing) {
        transfer(src, false, doing);
    }

    private void transfer(ByteBuffer buf, boolean read, Supplier<String> doing) {
        if (read != inbound) {
            throw new IllegalStateException("link to rank " + peerRank + " is " + (inbound ? "inbound" : "outbound"));
        }
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            while (buf.hasRemaining()) {
                int n = read ? channel.read(buf) : channel.write(buf);
                if (n < 0) {
                    throw failure("rank " + peerRank + " (" + peerAddress + ") closed the connection while this rank was "
                            + doing.get() + " (rank " + peerRank + " failed, was killed, or gave up after a failure elsewhere in the ring; "
                            + "the earliest error of the job names the cause)", null);
                }
                if (n > 0) {
                    deadline = System.nanoTime() + timeoutNanos;
                    continue;
                }
                guard.check();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw failure("timed out after " + seconds(timeoutNanos) + " without " + (read ? "data from " : "progress sending to ")
                            + "rank " + peerRank + " (" + peerAddress + ") while " + doing.get()
                            + " (the peer is stuck, frozen or not calling the same collective)", null);
                }
                selector.select(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), POLL_MILLIS)));
                selector.selectedKeys().clear();
                if (Thread.currentThread().isInterrupted()) {
                    throw new CollectiveException(rank, peerRank, peerAddress, "interrupted while " + doing.get(), null);
                }
            }
        } catch (IOException e) {
            throw failure("lost the connection to rank " + peerRank + " (" + peerAddress + ") while " + doing.get()
                    + ": " + e.getMessage(), e);
        }
    }

    private CollectiveException failure(String message, Throwable cause) {
        return new CollectiveException(rank, peerRank, peerAddress, message, cause);
    }

    static String seconds(long nanos) {
        double s = nanos / 1e9;
        return s == Math.rint(s) ? (long) s + " s" : String.format("%.1f s", s);
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing is best effort: the process may be going down
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // as above
        }
    }
}
