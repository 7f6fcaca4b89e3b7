package io.lmforge.trainer.dist;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How a {@link TcpRingCollective} gets its two connections: every rank listens, the ranks swap
 * addresses at the rendezvous, then each dials rank+1 and sends a hello (protocol version,
 * world size, its rank, the session id) while accepting rank-1 and checking that one's hello.
 * Connections from another session (a stale attempt of a restarted stage) or that do not speak
 * the protocol are ignored, so only a wrong rank of this session or the connect timeout fails.
 */
final class RingHandshake {
    private static final int HELLO_MAGIC = 0x4c4d4652; // "LMFR"
    private static final int VERSION = 1;

    /**
     * A rank's two ring connections, blocking and not yet wrapped in {@link RingLink}s.
     *
     * @param toNext   the connection this rank dialled, to rank+1
     * @param fromPrev the connection this rank accepted, from rank-1
     */
    record Neighbours(SocketChannel toNext, PeerAddress nextAddress, SocketChannel fromPrev, PeerAddress prevAddress) {

        void close() {
            closeQuietly(toNext);
            closeQuietly(fromPrev);
        }
    }

    private RingHandshake() {
    }

    /** Opens a rank's listening socket (all interfaces, ephemeral port) before the rendezvous. */
    static ServerSocketChannel listen(CollectiveOptions options) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        if (options.socketBufferBytes() > 0) {
            // Set before bind so the accepted socket negotiates a window scale large enough for it.
            server.setOption(StandardSocketOptions.SO_RCVBUF, options.socketBufferBytes());
        }
        server.bind(new InetSocketAddress(0), 16);
        return server;
    }

    /** Every rank's listening address in rank order, this rank's advertised as {@code advertiseHost}. */
    static List<PeerAddress> exchangeAddresses(Rendezvous rendezvous, String advertiseHost, ServerSocketChannel server) {
        PeerAddress mine = new PeerAddress(advertiseHost, server.socket().getLocalPort());
        return rendezvous.allGather(mine.toString()).stream().map(PeerAddress::parse).toList();
    }

    static void requireRing(int rank, int n) {
        if (n < 2 || rank < 0 || rank >= n) {
            throw new IllegalArgumentException("a TCP ring needs 2+ ranks and 0 <= rank < size: rank " + rank + " of " + n);
        }
    }

    /**
     * Dials rank+1 at {@code addresses} and says hello, then accepts rank-1 on {@code server},
     * all within the connect timeout. The caller closes {@code server}.
     */
    static Neighbours connect(int rank, List<PeerAddress> addresses, ServerSocketChannel server, String sessionId,
                              CollectiveOptions options) throws IOException {
        int n = addresses.size();
        int nextRank = (rank + 1) % n;
        int prevRank = (rank - 1 + n) % n;
        long deadline = System.nanoTime() + options.connectTimeout().toNanos();
        SocketChannel toNext = dial(rank, nextRank, addresses.get(nextRank), deadline, options);
        try {
            writeHello(toNext, sessionId, n, rank);
            SocketChannel fromPrev = acceptFrom(rank, prevRank, addresses.get(prevRank), server, sessionId, n, deadline,
                    options);
            return new Neighbours(toNext, addresses.get(nextRank), fromPrev, addresses.get(prevRank));
        } catch (RuntimeException e) {
            closeQuietly(toNext);
            throw e;
        }
    }

    private static SocketChannel dial(int rank, int peer, PeerAddress address, long deadline, CollectiveOptions options) {
        Exception last = null;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || options.cancelled().getAsBoolean()) {
                throw new CollectiveException(rank, peer, address.toString(), "could not connect to rank " + peer + " at " + address
                        + " within " + RingLink.seconds(options.connectTimeout().toNanos())
                        + (last == null ? "" : ": " + last) + " (is that rank running, and is the port reachable?)", last);
            }
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open();
                if (options.socketBufferBytes() > 0) {
                    ch.setOption(StandardSocketOptions.SO_SNDBUF, options.socketBufferBytes());
                    ch.setOption(StandardSocketOptions.SO_RCVBUF, options.socketBufferBytes());
                }
                ch.socket().connect(address.socketAddress(), (int) Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 5000)));
                return ch;
            } catch (ConnectException | SocketTimeoutException | NoRouteToHostException e) {
                last = e;
                closeQuietly(ch);
                sleepQuietly(100);
            } catch (UnresolvedAddressException e) {
                closeQuietly(ch);
                throw new CollectiveException(rank, peer, address.toString(), "cannot resolve the host of rank " + peer + ": " + address, e);
            } catch (IOException e) {
                closeQuietly(ch);
                throw new CollectiveException(rank, peer, address.toString(), "could not connect to rank " + peer + " at " + address
                        + ": " + e, e);
            }
        }
    }

    private static void writeHello(SocketChannel ch, String sessionId, int n, int rank) throws IOException {
        byte[] session = sessionId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer hello = ByteBuffer.allocate(20 + session.length)
                .putInt(HELLO_MAGIC).putInt(VERSION).putInt(n).putInt(rank).putInt(session.length).put(session).flip();
        while (hello.hasRemaining()) {
            ch.write(hello); // blocking and tiny: it fits in any socket buffer
        }
    }

    /**
     * Waits for rank {@code prevRank} to connect. Connections that do not speak this protocol or
     * belong to another session (a stale attempt) are closed and ignored; a connection of this
     * session from the wrong rank is a bug and fails.
     */
    private static SocketChannel acceptFrom(int rank, int prevRank, PeerAddress prevAddress, ServerSocketChannel server,
                                            String sessionId, int n, long deadline, CollectiveOptions options)
            throws IOException {
        server.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            List<String> ignored = new ArrayList<>();
            while (true) {
                SocketChannel ch = server.accept();
                if (ch != null) {
                    String problem = readHello(ch, sessionId, n, prevRank, Math.min(deadline, System.nanoTime() + 10_000_000_000L));
                    if (problem == null) {
                        return ch;
                    }
                    closeQuietly(ch);
                    if (problem.startsWith("!")) {
                        throw new CollectiveException(rank, prevRank, prevAddress.toString(), problem.substring(1), null);
                    }
                    ignored.add(problem);
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || options.cancelled().getAsBoolean()) {
                    throw new CollectiveException(rank, prevRank, prevAddress.toString(), "rank " + prevRank + " (" + prevAddress
                            + ") did not connect within " + RingLink.seconds(options.connectTimeout().toNanos())
                            + " (it failed before connecting, or cannot reach this rank's port "
                            + server.socket().getLocalPort() + ")" + (ignored.isEmpty() ? "" : "; ignored: " + ignored), null);
                }
                selector.select(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), RingLink.POLL_MILLIS)));
                selector.selectedKeys().clear();
            }
        }
    }

    /** Null when the hello is right; a reason to ignore it; or "!" + a reason to fail. */
    private static String readHello(SocketChannel ch, String sessionId, int n, int expectedRank, long deadline)
            throws IOException {
        ch.configureBlocking(false);
        ByteBuffer head = ByteBuffer.allocate(20);
        if (!readWithin(ch, head, deadline)) {
            return "a connection from " + ch.getRemoteAddress() + " sent no hello";
        }
        head.flip();
        if (head.getInt() != HELLO_MAGIC) {
            return "a connection from " + ch.getRemoteAddress() + " that does not speak lmforge's ring protocol";
        }
        int version = head.getInt();
        int size = head.getInt();
        int from = head.getInt();
        int len = head.getInt();
        if (version != VERSION) {
            return "!rank " + from + " speaks ring protocol version " + version + ", this rank " + VERSION
                    + " (different lmforge versions on the executors?)";
        }
        if (len < 0 || len > 4096) {
            return "a hello with a bad session length " + len;
        }
        ByteBuffer session = ByteBuffer.allocate(len);
        if (!readWithin(ch, session, deadline)) {
            return "a connection from " + ch.getRemoteAddress() + " sent a truncated hello";
        }
        String theirs = new String(session.array(), StandardCharsets.UTF_8);
        if (!theirs.equals(sessionId)) {
            return "a connection from session '" + theirs + "' (not '" + sessionId + "': a stale attempt?)";
        }
        if (size != n || from != expectedRank) {
            return "!expected rank " + expectedRank + " of " + n + " to connect, but rank " + from + " of " + size + " did";
        }
        return null;
    }

    private static boolean readWithin(SocketChannel ch, ByteBuffer dst, long deadline) throws IOException {
        while (dst.hasRemaining()) {
            int r = ch.read(dst);
            if (r < 0 || System.nanoTime() > deadline) {
                return false;
            }
            if (r == 0) {
                sleepQuietly(5);
            }
        }
        return true;
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort while failing
            }
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
