package io.lmforge.shards;

/** Shards that do not follow the token shards format; the message names the file (and row). */
public final class ShardFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ShardFormatException(String message) {
        super(message);
    }

    public ShardFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
