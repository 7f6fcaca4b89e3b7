package io.lmforge.ingest;

/**
 * Where a reader reports each input record, through exactly one of three doors. One call is one
 * input record: the run's accounting counts these calls.
 */
public interface RecordSink {

    /** A readable record that goes on to the pipeline. */
    void keep(RawRecord record);

    /**
     * A readable record that the reader removes by policy (non-HTML WARC response, HTTP 404, wiki
     * redirect, vendored code...). {@code reason} is a stable snake_case code, {@code detail} a
     * human explanation.
     */
    void reject(RawRecord record, String reason, String detail);

    /**
     * A record that could not be read. {@code error} says what went wrong in words a user can act
     * on; {@code snippet} holds the first bytes of the record when there are any.
     */
    void quarantine(long offset, String error, String snippet);
}
