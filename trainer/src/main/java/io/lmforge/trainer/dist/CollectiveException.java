package io.lmforge.trainer.dist;

/**
 * A collective failed: a peer died, closed its connection, never connected, went silent past the
 * timeout, or called a different operation. The message names this rank, the peer (rank and
 * address) and the operation; the fields carry the same for code that reacts to it.
 */
public class CollectiveException extends RuntimeException {
    private final int rank;
    private final int peerRank;
    private final String peerAddress;

    public CollectiveException(int rank, int peerRank, String peerAddress, String message, Throwable cause) {
        super("rank " + rank + ": " + message, cause);
        this.rank = rank;
        this.peerRank = peerRank;
        this.peerAddress = peerAddress;
    }

    public CollectiveException(int rank, String message, Throwable cause) {
        this(rank, -1, null, message, cause);
    }

    /** The rank that raised it. */
    public int rank() {
        return rank;
    }

    /** The peer involved, or -1 when none was. */
    public int peerRank() {
        return peerRank;
    }

    /** The peer's {@code host:port}, or null when no peer was involved. */
    public String peerAddress() {
        return peerAddress;
    }
}
