package io.lmforge.ingest;

/** A source whose path matches no file: a config error, reported before any work starts. */
public final class NoInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NoInputException(String message) {
        super(message);
    }
}
