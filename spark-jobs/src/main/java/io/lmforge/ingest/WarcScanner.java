package io.lmforge.ingest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.zip.ZipException;

/**
 * Finds the WARC records in a file, plain or gzipped, and hands the ones a reader wants over as
 * bytes for jwarc to parse. jwarc reads well-formed WARCs but stops at the first damaged byte;
 * this framing layer is what lets a reader step over damage and keep reading.
 *
 * <p>It reads each record's header block, and then either its whole content (a record of a type
 * the reader wants, up to the size limit) or skips the content without keeping it (other types,
 * and records over the limit). Damage becomes a {@link Problem}, and scanning resumes at the next
 * record: the next line that starts with {@code WARC/1.}, or in a gzipped file the next gzip
 * member. Offsets are file offsets: the record's own in a plain file, its gzip member's in a
 * gzipped one (the offset Common Crawl's CDX index cites).
 */
final class WarcScanner {
    private static final byte[] MAGIC = "WARC/1.".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEADER_BYTES = 256 << 10;
    private static final int SNIPPET_BYTES = 256;

    /** Something the reader reports: a record or a problem. */
    sealed interface Item permits Record, Problem {
    }

    /**
     * One record of a wanted type: {@code bytes[0, length)} hold its header block and content.
     *
     * @param offset file offset (see class comment)
     * @param type   the WARC-Type, lower case
     * @param id     the WARC-Record-ID, or null
     */
    record Record(long offset, String type, String id, byte[] bytes, int length) implements Item {
    }

    /** A stretch of the file that yields no record: garbage, a damaged or oversized record. */
    record Problem(long offset, String error, String snippet) implements Item {
    }

    private final InputStream in;
    /** The decompressed bytes; {@code w.base + w.pos} is a stream position. */
    private final ByteWindow w;
    private final GzipMembers gzip;
    private final Set<String> wanted;
    private final long maxRecordBytes;
    private boolean eof;
    private byte[] record = new byte[1 << 16];
    private final ArrayDeque<Item> pending = new ArrayDeque<>();

    /**
     * @param raw    the file's bytes as stored; gzip is recognised by its magic, not the name
     * @param wanted the WARC-Types, lower case, whose records the reader wants; others are skipped
     */
    WarcScanner(InputStream raw, Set<String> wanted, long maxRecordBytes) throws IOException {
        this.wanted = wanted;
        this.maxRecordBytes = maxRecordBytes;
        byte[] head = raw.readNBytes(2);
        InputStream whole = new PrefixedStream(head, raw);
        gzip = GzipMembers.isGzip(head, head.length) ? new GzipMembers(whole) : null;
        in = gzip != null ? gzip : whole;
        w = new ByteWindow(in);
    }

    /** File offset of the start of the record being read. */
    long position() {
        return offsetOf(w.base + w.pos);
    }

    /** The next record or problem, or null at the end of the file. */
    Item next() throws IOException {
        while (true) {
            if (!pending.isEmpty()) {
                return pending.poll();
            }
            if (eof) {
                return null;
            }
            try {
                Item item = scanOne();
                drainGarbage();
                if (item != null) {
                    if (pending.isEmpty()) {
                        return item;
                    }
                    pending.add(item);
                }
            } catch (ZipException | EOFException e) {
                if (gzip == null) {
                    throw e;
                }
                if (e instanceof EOFException) {
                    eof = true;
                } else {
                    // The rest of the damaged member is gone; the gzip stream resumes at the next one.
                    w.pos = w.end;
                }
                drainGarbage();
                pending.add(new Problem(gzip.memberOffset(), e.getMessage(), null));
            }
        }
    }

    private void drainGarbage() {
        if (gzip == null) {
            return;
        }
        for (GzipMembers.Garbage g : gzip.takeGarbage()) {
            pending.add(new Problem(g.offset(), g.length() + " bytes between gzip members that are not gzip data"
                    + " (garbage between records); reading resumed at the next member", lenient(g.head(), g.head().length)));
        }
    }

    /** Scans one record; null when it was a record of an unwanted type, or the end of the file. */
    private Item scanOne() throws IOException {
        skipLineBreaks();
        if (!w.ensure(1)) {
            eof = true;
            return null;
        }
        long start = w.base + w.pos;
        if (!startsWithMagic()) {
            return garbage(start);
        }
        int headerLength = readHeaderBlock();
        if (headerLength < 0) {
            if (headerLength == -1) {
                eof = true;
                return new Problem(offsetOf(start), "the file ends inside a WARC header (truncated)", snippet(0));
            }
            skipToNextRecord();
            return new Problem(offsetOf(start), "WARC header block over " + MAX_HEADER_BYTES
                    + " bytes; reading resumed at the next record", snippet(0));
        }
        String header = new String(record, 0, headerLength, StandardCharsets.ISO_8859_1);
        String type = field(header, "warc-type");
        String id = field(header, "warc-record-id");
        String lengthField = field(header, "content-length");
        long length;
        try {
            length = lengthField == null ? -1 : Long.parseLong(lengthField.trim());
        } catch (NumberFormatException e) {
            length = -1;
        }
        if (length < 0) {
            skipToNextRecord();
            return new Problem(offsetOf(start), "WARC record " + (id == null ? "" : id + " ")
                    + "has no valid Content-Length; reading resumed at the next record", snippet(headerLength));
        }
        type = type == null ? "" : type.trim().toLowerCase(Locale.ROOT);
        if (!wanted.contains(type)) {
            long skipped = skip(length);
            if (skipped < length) {
                eof = true;
                return new Problem(offsetOf(start), "the file ends inside a WARC " + type + " record (truncated)", null);
            }
            return null;
        }
        if (length > maxRecordBytes || headerLength + length > Integer.MAX_VALUE - 16) {
            long skipped = skip(length);
            String error = "WARC " + type + " record " + (id == null ? "" : recordId(id) + " ") + "of " + length
                    + " bytes is over the limit of " + maxRecordBytes + " bytes (max-record-bytes)";
            if (skipped < length) {
                eof = true;
                error += "; the file also ends inside it (truncated)";
            }
            return new Problem(offsetOf(start), error, snippet(headerLength));
        }
        int total = headerLength + (int) length;
        if (record.length < total) {
            record = Arrays.copyOf(record, Math.max(total, record.length * 2));
        }
        int got = readInto(record, headerLength, (int) length);
        if (got < length) {
            eof = true;
            return new Problem(offsetOf(start), "the file ends inside WARC " + type + " record "
                    + (id == null ? "" : id + " ") + "after " + got + " of " + length + " content bytes (truncated)",
                    snippet(headerLength));
        }
        return new Record(offsetOf(start), type, recordId(id), record, total);
    }

    /** The WARC-Record-ID without its angle brackets: {@code urn:uuid:...}. */
    private static String recordId(String field) {
        if (field == null) {
            return null;
        }
        String id = field.trim();
        return id.startsWith("<") && id.endsWith(">") ? id.substring(1, id.length() - 1) : id;
    }

    /** Skips bytes up to the next line that starts a WARC record, and reports them. */
    private Problem garbage(long start) throws IOException {
        String head = lenient(w.buf, w.pos, Math.min(w.end - w.pos, SNIPPET_BYTES));
        long skipped = skipToNextRecord();
        return new Problem(offsetOf(start), skipped + " bytes that are not a WARC record (garbage between records);"
                + " reading resumed at the next record", head);
    }

    /** Advances to the next {@code WARC/1.} at the start of a line, or the end; returns the bytes passed. */
    private long skipToNextRecord() throws IOException {
        long start = w.base + w.pos;
        if (w.ensure(1)) {
            w.pos++;
        }
        while (true) {
            if (!w.ensure(MAGIC.length + 1)) {
                w.pos = w.end;
                if (!w.ensure(1)) {
                    return w.base + w.pos - start;
                }
                continue;
            }
            for (int i = w.pos; i < w.end - MAGIC.length; i++) {
                if (w.buf[i] == '\n' && w.buf[i + 1] == 'W' && matchesMagic(i + 1)) {
                    w.pos = i + 1;
                    return w.base + w.pos - start;
                }
            }
            w.pos = w.end - MAGIC.length;
        }
    }

    private boolean matchesMagic(int at) {
        for (int k = 0; k < MAGIC.length; k++) {
            if (w.buf[at + k] != MAGIC[k]) {
                return false;
            }
        }
        return true;
    }

    private boolean startsWithMagic() throws IOException {
        if (!w.ensure(MAGIC.length)) {
            return false;
        }
        return matchesMagic(w.pos);
    }

    /**
     * Reads header lines into {@code record} up to and including the blank line that ends them.
     * Returns the block's length; -1 at the end of the file, -2 when it is too long.
     */
    private int readHeaderBlock() throws IOException {
        int length = 0;
        int lineStart = 0;
        while (true) {
            if (!w.ensure(1)) {
                return -1;
            }
            byte b = w.buf[w.pos++];
            if (length == record.length) {
                record = Arrays.copyOf(record, record.length * 2);
            }
            record[length++] = b;
            if (b == '\n') {
                int lineLength = length - lineStart;
                if (lineLength == 1 || (lineLength == 2 && record[lineStart] == '\r')) {
                    return length;
                }
                lineStart = length;
            }
            if (length > MAX_HEADER_BYTES) {
                return -2;
            }
        }
    }

    /** The value of a header field, by lower-case name; null when absent. */
    private static String field(String header, String lowerName) {
        int from = 0;
        while (from < header.length()) {
            int eol = header.indexOf('\n', from);
            if (eol < 0) {
                eol = header.length();
            }
            int colon = header.indexOf(':', from);
            if (colon > from && colon < eol && colon - from == lowerName.length()
                    && header.regionMatches(true, from, lowerName, 0, lowerName.length())) {
                return header.substring(colon + 1, eol).trim();
            }
            from = eol + 1;
        }
        return null;
    }

    /** Consumes the CR/LF bytes that end a record (tolerating too many or too few). */
    private void skipLineBreaks() throws IOException {
        while (w.ensure(1) && (w.buf[w.pos] == '\r' || w.buf[w.pos] == '\n')) {
            w.pos++;
        }
    }

    private long skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            if (!w.ensure(1)) {
                break;
            }
            int step = (int) Math.min(left, w.end - w.pos);
            w.pos += step;
            left -= step;
        }
        return n - left;
    }

    private int readInto(byte[] dst, int off, int n) throws IOException {
        int done = 0;
        while (done < n) {
            if (!w.ensure(1)) {
                break;
            }
            int step = Math.min(n - done, w.end - w.pos);
            System.arraycopy(w.buf, w.pos, dst, off + done, step);
            w.pos += step;
            done += step;
        }
        return done;
    }


    private long offsetOf(long streamPosition) {
        return gzip == null ? streamPosition : Math.max(0, gzip.memberOffsetAt(streamPosition));
    }

    private String snippet(int headerLength) {
        return lenient(record, 0, Math.min(headerLength, SNIPPET_BYTES));
    }

    private static String lenient(byte[] bytes, int length) {
        return lenient(bytes, 0, length);
    }

    private static String lenient(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, Math.max(0, length), StandardCharsets.UTF_8);
    }

    void close() throws IOException {
        in.close();
    }

    /** A stream that first returns bytes already read from another, then the rest of it. */
    private static final class PrefixedStream extends InputStream {
        private final byte[] prefix;
        private int at;
        private final InputStream rest;

        PrefixedStream(byte[] prefix, InputStream rest) {
            this.prefix = prefix;
            this.rest = rest;
        }

        @Override
        public int read() throws IOException {
            return at < prefix.length ? prefix[at++] & 0xff : rest.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (at < prefix.length) {
                int n = Math.min(len, prefix.length - at);
                System.arraycopy(prefix, at, b, off, n);
                at += n;
                return n;
            }
            return rest.read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            rest.close();
        }
    }
}
