package io.lmforge.ingest;

import org.netpreserve.jwarc.MessageBody;
import org.netpreserve.jwarc.ParsingException;
import org.netpreserve.jwarc.WarcRecord;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.Set;

/**
 * The common part of the WARC and WET readers: frames the file with {@link WarcScanner}, turns
 * its problems into quarantine rows, and has jwarc parse each wanted record. Subclasses decide
 * what a parsed record becomes.
 *
 * <p>Only records of the {@code wanted} WARC-Types are input records; the others (warcinfo,
 * request, metadata...) describe the crawl, not documents, and are skipped without being counted.
 */
abstract class WarcRecords implements RecordReader {
    private static final ReadableByteChannel NOTHING = Channels.newChannel(InputStream.nullInputStream());

    protected final InputFile file;
    private final WarcScanner scanner;
    private byte[] payload = new byte[1 << 16];

    WarcRecords(InputFile file, Set<String> wanted) throws IOException {
        this.file = file;
        this.scanner = new WarcScanner(file.open(), wanted, file.source().maxRecordBytes());
    }

    @Override
    public final boolean next(RecordSink sink) throws IOException {
        WarcScanner.Item item = scanner.next();
        if (item == null) {
            return false;
        }
        if (item instanceof WarcScanner.Problem p) {
            sink.quarantine(p.offset(), p.error(), file.snippet(p.snippet()));
            return true;
        }
        WarcScanner.Record r = (WarcScanner.Record) item;
        WarcRecord record;
        try {
            // The scanner's buffer becomes jwarc's: no copy.
            record = new org.netpreserve.jwarc.WarcReader(NOTHING, ByteBuffer.wrap(r.bytes(), 0, r.length()))
                    .next().orElseThrow(() -> new ParsingException("no WARC record"));
        } catch (ParsingException e) {
            sink.quarantine(r.offset(), "malformed WARC record " + (r.id() == null ? "" : r.id() + " ")
                    + e.getMessage(), file.snippet(new String(r.bytes(), 0, Math.min(r.length(), 256),
                    java.nio.charset.StandardCharsets.ISO_8859_1)));
            return true;
        }
        try {
            read(r, record, sink);
        } catch (ParsingException e) {
            sink.quarantine(r.offset(), "record " + r.id() + ": malformed content: " + e.getMessage(), null);
        } catch (IOException e) {
            // Only the record's own bytes are read here: a failure is about this record, not the file.
            sink.quarantine(r.offset(), "record " + r.id() + ": unreadable content: " + FileRecords.describe(e), null);
        }
        return true;
    }

    /** Reports {@code record} to the sink exactly once. */
    protected abstract void read(WarcScanner.Record framed, WarcRecord record, RecordSink sink) throws IOException;

    /**
     * Reads a body into a reused buffer, at most {@code max-record-bytes}; returns its length,
     * or -1 when it is longer (a gzip-encoded payload can inflate past the record's size).
     */
    protected final int readBody(MessageBody body) throws IOException {
        long max = file.source().maxRecordBytes();
        int length = 0;
        while (true) {
            if (length == payload.length) {
                payload = Arrays.copyOf(payload, (int) Math.min(Integer.MAX_VALUE - 16, (long) payload.length * 2));
            }
            int n = body.read(ByteBuffer.wrap(payload, length, payload.length - length));
            if (n < 0) {
                return length;
            }
            length += n;
            if (length > max) {
                return -1;
            }
        }
    }

    protected final byte[] payload() {
        return payload;
    }

    protected final String header(WarcRecord record, String name) {
        return record.headers().first(name).orElse(null);
    }

    @Override
    public long position() {
        return scanner.position();
    }

    @Override
    public void close() throws IOException {
        scanner.close();
    }
}
