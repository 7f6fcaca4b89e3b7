package io.lmforge.pipeline;

/** The outputs do not account for every input record; the run stops before its manifest. */
public final class AccountingException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public AccountingException(String message) {
        super(message);
    }
}
