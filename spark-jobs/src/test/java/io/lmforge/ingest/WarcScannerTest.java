package io.lmforge.ingest;

import org.junit.jupiter.api.Test;
import org.netpreserve.jwarc.WarcCompression;
import org.netpreserve.jwarc.WarcWriter;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import static io.lmforge.ingest.JsonlIngestTest.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WARC framing layer on its own (no Spark): offsets, and each kind of damage it reads past. */
class WarcScannerTest {
    private static final Set<String> RESPONSES = Set.of("response");

    private static List<WarcScanner.Item> scan(byte[] file, long limit) throws IOException {
        WarcScanner scanner = new WarcScanner(new ByteArrayInputStream(file), RESPONSES, limit);
        List<WarcScanner.Item> items = new ArrayList<>();
        for (WarcScanner.Item it = scanner.next(); it != null; it = scanner.next()) {
            items.add(it instanceof WarcScanner.Record r
                    ? new WarcScanner.Record(r.offset(), r.type(), r.id(), Arrays.copyOf(r.bytes(), r.length()), r.length())
                    : it);
        }
        return items;
    }

    @Test
    void recordOffsetsAreTheGzipMemberOffsetsJwarcWrote() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Long> offsets = new ArrayList<>();
        try (WarcWriter w = new WarcWriter(Channels.newChannel(out), WarcCompression.GZIP)) {
            w.write(Warcs.warcinfo("x.warc.gz"));
            for (int i = 0; i < 5; i++) {
                w.write(Warcs.request("https://example.org/" + i));
                offsets.add(w.position());
                w.write(Warcs.html("https://example.org/" + i, "<p>page " + i + "</p>"));
                w.write(Warcs.metadata("https://example.org/" + i));
            }
        }
        List<WarcScanner.Item> items = scan(out.toByteArray(), 1 << 20);
        assertEquals(5, items.size());
        for (int i = 0; i < 5; i++) {
            WarcScanner.Record r = (WarcScanner.Record) items.get(i);
            assertEquals(offsets.get(i), r.offset());
            assertEquals("response", r.type());
            assertTrue(r.id().startsWith("urn:uuid:"), r.id());
        }
    }

    @Test
    void aWholeFileGzipIsReadToo() throws IOException {
        byte[] plain = Warcs.plain(Warcs.html("https://example.org/a", "<p>a</p>"), Warcs.html("https://example.org/b", "<p>b</p>"));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(plain);
        }
        List<WarcScanner.Item> items = scan(gz.toByteArray(), 1 << 20);
        assertEquals(2, items.size());
        assertEquals(0L, ((WarcScanner.Record) items.get(1)).offset(), "one member: the member's offset");
    }

    @Test
    void aBadChecksumIsReportedAndTheNextMemberRead() throws IOException {
        byte[] a = Warcs.gzipped(Warcs.html("https://example.org/a", "<p>a</p>"));
        byte[] b = Warcs.gzipped(Warcs.html("https://example.org/b", "<p>b</p>"));
        a[a.length - 8] ^= 1; // the CRC-32 in the trailer
        List<WarcScanner.Item> items = scan(concat(a, b), 1 << 20);
        assertEquals(3, items.size(), items.toString());
        WarcScanner.Problem crc = (WarcScanner.Problem) items.get(1);
        assertEquals(0, crc.offset());
        assertEquals("corrupt gzip member at offset 0: CRC or length mismatch", crc.error());
        assertEquals(a.length, ((WarcScanner.Record) items.get(2)).offset());
    }

    @Test
    void trailingGarbageAndAHeaderWithoutLengthAreReported() throws IOException {
        byte[] good = Warcs.plain(Warcs.html("https://example.org/a", "<p>a</p>"));
        byte[] noLength = "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n\r\nbody WARC/1.0 mid-line\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "trailing junk".getBytes(StandardCharsets.US_ASCII);
        List<WarcScanner.Item> items = scan(concat(good, noLength, good, tail), 1 << 20);
        assertEquals(4, items.size(), items.toString());
        assertInstanceOf(WarcScanner.Record.class, items.get(0));
        WarcScanner.Problem missing = (WarcScanner.Problem) items.get(1);
        assertEquals(good.length, missing.offset());
        assertEquals("WARC record <urn:uuid:1> has no valid Content-Length; reading resumed at the next record", missing.error());
        assertEquals(good.length + noLength.length, ((WarcScanner.Record) items.get(2)).offset());
        WarcScanner.Problem junk = (WarcScanner.Problem) items.get(3);
        assertEquals("13 bytes that are not a WARC record (garbage between records); reading resumed at the next record",
                junk.error());
    }

    @Test
    void anOversizedRecordIsSkippedNotLoaded() throws IOException {
        byte[] file = Warcs.gzipped(Warcs.html("https://example.org/big", "x".repeat(5000)),
                Warcs.html("https://example.org/small", "<p>small</p>"));
        List<WarcScanner.Item> items = scan(file, 1000);
        assertTrue(((WarcScanner.Problem) items.get(0)).error().endsWith("is over the limit of 1000 bytes (max-record-bytes)"));
        assertInstanceOf(WarcScanner.Record.class, items.get(1));
    }
}
