package io.lmforge.pipeline;

/** A resume that cannot go on: the config or the inputs changed since the run it would resume. */
public final class ResumeRefusedException extends IllegalStateException {
    public ResumeRefusedException(String message) {
        super(message);
    }
}
