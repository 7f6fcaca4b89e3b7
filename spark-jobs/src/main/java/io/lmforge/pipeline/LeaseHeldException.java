package io.lmforge.pipeline;

/** A refresh found another refresh's unexpired lease on its root. */
public final class LeaseHeldException extends IllegalStateException {
    public LeaseHeldException(String message) {
        super(message);
    }
}
