package io.lmforge.ingest;

import java.io.Closeable;
import java.io.IOException;

/**
 * Reads the records of one input file, one per call.
 *
 * <p>A reader deals with the bad records it can step over itself (a malformed JSON line, a WARC
 * record over the size limit) by quarantining them and reading on. An exception that escapes
 * {@link #next} means the rest of the file cannot be read (a truncated gzip stream, say): the
 * framework quarantines one record at {@link #position()} carrying the error, and closes the file.
 * The records read before it are kept.
 */
public interface RecordReader extends Closeable {

    /** Reads the next record and reports it to {@code sink} exactly once; false at the end. */
    boolean next(RecordSink sink) throws IOException;

    /** Where the next record starts, for the quarantine row if reading it fails. */
    long position();
}
