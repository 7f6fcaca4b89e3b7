package io.lmforge.ingest;

import java.io.IOException;
import java.io.InputStream;

/**
 * The common part of the tree formats, where each file is one input record (offset 0, id
 * {@code SOURCE:FILE@0}): reads the file whole, up to the size limit, and decodes it as strict
 * UTF-8. A file over the limit is quarantined without being read (its size is known from the
 * listing; a compressed file is read only up to the limit); bytes that are not valid UTF-8
 * quarantine it, naming the byte; a NUL byte marks a binary file, rejected as {@code binary}.
 */
abstract class TreeFileReader implements RecordReader {
    protected final InputFile file;
    private final Utf8 utf8 = new Utf8();
    private boolean done;

    TreeFileReader(InputFile file) {
        this.file = file;
    }

    @Override
    public final boolean next(RecordSink sink) throws IOException {
        if (done) {
            return false;
        }
        done = true;
        RawRecord record = RawRecord.at(0);
        if (!admit(record, sink)) {
            return true;
        }
        long max = file.source().maxRecordBytes();
        Compression compression = Compression.forName(file.path());
        if (compression == Compression.NONE && file.length() > max) {
            sink.quarantine(0, "file of " + file.length() + " bytes is over the limit of " + max
                    + " bytes (max-record-bytes); not read", null);
            return true;
        }
        byte[] bytes;
        try (InputStream in = file.openDecompressed()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, max + 1));
        }
        if (bytes.length > max) {
            sink.quarantine(0, "file is over the limit of " + max + " bytes (max-record-bytes) once decompressed",
                    null);
            return true;
        }
        int nul = indexOfNul(bytes);
        if (nul >= 0) {
            sink.reject(record, "binary", "NUL byte at offset " + nul + ": not a text file");
            return true;
        }
        String text;
        try {
            text = utf8.decode(bytes, 0, bytes.length);
        } catch (Utf8.MalformedException e) {
            sink.quarantine(0, e.getMessage() + " of the file",
                    file.snippet(new String(bytes, 0, Math.min(bytes.length, 256), java.nio.charset.StandardCharsets.UTF_8)));
            return true;
        }
        if (text.isBlank()) {
            sink.reject(record.text(text), "empty_text", "the file is empty or blank");
            return true;
        }
        read(record.text(text), sink);
        return true;
    }

    /**
     * Decides from the file's name alone, before reading it; false when it reported the record
     * (rejected it) itself.
     */
    protected boolean admit(RawRecord record, RecordSink sink) {
        return true;
    }

    /** Reports a readable, non-blank file (its text already set) exactly once. */
    protected abstract void read(RawRecord record, RecordSink sink);

    /** The file's name without directories. */
    protected final String baseName() {
        String name = file.name();
        return name.substring(name.lastIndexOf('/') + 1);
    }

    private static int indexOfNul(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    public void close() {
    }
}
