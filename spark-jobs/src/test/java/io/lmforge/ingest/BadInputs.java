package io.lmforge.ingest;

import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.io.api.Binary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.lmforge.ingest.JsonlIngestTest.concat;
import static io.lmforge.ingest.JsonlIngestTest.gzip;
import static io.lmforge.ingest.JsonlIngestTest.line;

/**
 * A corpus with every kind of bad input the foundation issue lists, in every format: truncated
 * gzip, bytes that are not UTF-8, malformed JSON between good lines, a JSON line without text,
 * empty files, records over the size limit ({@code ingest.max-record-bytes = 64 KiB} in
 * {@code conf/bad-inputs.conf}), garbage between WARC records, a corrupt gzip member, Parquet files
 * that are cut short or lack the text column, a truncated wiki dump. Written by
 * {@code bin/make-corpus bad-inputs} for the CLI, and by {@link BadInputsTest}.
 *
 * <p>Each source's expected outcome is in {@link #EXPECTED}; the good records are the ones whose
 * text starts with "good".
 */
public final class BadInputs {
    /** source -> {input, kept, rejected, quarantined}, as the manifest must report them. */
    static final java.util.Map<String, long[]> EXPECTED = java.util.Map.of(
            // good, malformed, good, no text, bad UTF-8, over limit, good | truncated gz: 40 good + 1 error | empty
            "jsonl", new long[]{7 + 41, 3 + 40, 0, 4 + 1},
            // a, garbage, corrupt member, b, oversize, c, truncated member | plain: d, garbage, e | empty file
            "warc", new long[]{7 + 3, 3 + 2, 0, 4 + 1},
            // good, bad UTF-8, good, truncated member
            "wet", new long[]{4, 2, 0, 2},
            // 3 good + null text + oversize + bad UTF-8 | missing column | truncated | empty file
            "parquet", new long[]{6 + 1 + 1 + 1, 3, 1, 2 + 3},
            // good.md, latin1, empty, huge, truncated .gz
            "text", new long[]{5, 1, 1, 3},
            // good.py, latin1.py, huge.js
            "code", new long[]{3, 1, 0, 2},
            // dump: good, oversize, good | truncated dump: 3 pages before the cut + 1 error | empty file
            "wiki", new long[]{3 + 4 + 1, 2 + 3, 0, 1 + 1 + 1});

    static final String BASE = "https://bad.example/";
    private static final int LIMIT = 64 << 10;

    private BadInputs() {
    }

    public static void write(Path root) throws IOException {
        jsonl(root.resolve("jsonl"));
        warc(root.resolve("warc"));
        wet(root.resolve("wet"));
        parquet(root.resolve("parquet"));
        text(root.resolve("text"));
        code(root.resolve("code"));
        wiki(root.resolve("wiki"));
    }

    static void jsonl(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("mixed.jsonl"), concat(
                line("{\"id\":\"j1\",\"text\":\"good: first line\"}"),
                line("{\"id\":\"j2\",\"text\":\"malformed"),
                line("{\"id\":\"j3\",\"text\":\"good: after the malformed line\"}"),
                line("{\"id\":\"j4\",\"title\":\"a line without text\"}"),
                concat("{\"id\":\"j5\",\"text\":\"bad byte \u00ff\"}\n".getBytes(StandardCharsets.ISO_8859_1)),
                line("{\"id\":\"j6\",\"text\":\"" + "x".repeat(LIMIT) + "\"}"),
                line("{\"id\":\"j7\",\"text\":\"good: after the oversized line\"}")));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 80; i++) {
            many.append("{\"id\":\"t").append(i).append("\",\"text\":\"good: line ").append(i)
                    .append(" of a gzip file cut after line 40 ").append("padding ".repeat(20)).append("\"}\n");
        }
        byte[] gz = gzip(many.toString().getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("truncated.jsonl.gz"), truncatedAfter(gz, many.toString(), 40));
        Files.write(dir.resolve("empty.jsonl"), new byte[0]);
    }

    /**
     * A gzip stream cut so that exactly {@code lines} whole lines decompress: found by trying
     * (deflate output is not aligned to input, so the cut is searched, not computed).
     */
    private static byte[] truncatedAfter(byte[] gz, String text, int lines) throws IOException {
        for (int cut = 20; cut < gz.length; cut++) {
            byte[] head = Arrays.copyOf(gz, cut);
            String got = new String(inflatePrefix(head), StandardCharsets.UTF_8);
            long complete = got.chars().filter(c -> c == '\n').count();
            if (complete == lines && !got.endsWith("\n")) {
                return head;
            }
        }
        throw new IllegalStateException("no cut found");
    }

    private static byte[] inflatePrefix(byte[] head) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(head))) {
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
        } catch (IOException expected) {
            // The point: read what decompresses before the cut.
        }
        return out.toByteArray();
    }

    static void warc(Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] a = Warcs.gzipped(Warcs.html(BASE + "a", "<p>good: record a</p>"));
        byte[] garbage = "partial upload junk between members".getBytes(StandardCharsets.US_ASCII);
        byte[] corrupt = Warcs.gzipped(Warcs.html(BASE + "corrupt", "<p>" + "a corrupt member ".repeat(50) + "</p>"));
        corrupt[10] = 0x07; // the first deflate block claims the reserved block type: "invalid block type"
        byte[] b = Warcs.gzipped(Warcs.html(BASE + "b", "<p>good: record b</p>"));
        byte[] oversize = Warcs.gzipped(Warcs.html(BASE + "oversize", "<p>" + "y".repeat(LIMIT) + "</p>"));
        byte[] c = Warcs.gzipped(Warcs.html(BASE + "c", "<p>good: record c</p>"));
        byte[] cut = Warcs.gzipped(Warcs.html(BASE + "cut", "<p>" + "cut short ".repeat(100) + "</p>"));
        Files.write(dir.resolve("crawl.warc.gz"), concat(a, garbage, corrupt, b, oversize, c,
                Arrays.copyOf(cut, cut.length / 2)));
        Files.write(dir.resolve("plain.warc"), concat(
                Warcs.plain(Warcs.html(BASE + "d", "<p>good: record d</p>")),
                "stray bytes\r\n".getBytes(StandardCharsets.US_ASCII),
                Warcs.plain(Warcs.html(BASE + "e", "<p>good: record e</p>"))));
        Files.write(dir.resolve("empty.warc.gz"), new byte[0]);
    }

    static void wet(Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] records = Warcs.gzipped(
                Warcs.conversion(BASE + "w1", "good: first text".getBytes(StandardCharsets.UTF_8)),
                Warcs.conversion(BASE + "w2", new byte[]{'x', (byte) 0xfe, 'y'}),
                Warcs.conversion(BASE + "w3", "good: third text".getBytes(StandardCharsets.UTF_8)));
        byte[] cut = Warcs.gzipped(Warcs.conversion(BASE + "w4", "lost ".repeat(200).getBytes(StandardCharsets.UTF_8)));
        Files.write(dir.resolve("crawl.warc.wet.gz"), concat(records, Arrays.copyOf(cut, cut.length - 30)));
    }

    static void parquet(Path dir) throws IOException {
        Files.createDirectories(dir);
        SimpleGroupFactory f = new SimpleGroupFactory(ParquetIngestTest.DOCS);
        List<Group> rows = new ArrayList<>();
        rows.add(f.newGroup().append("id", 1L).append("text", "good: row one"));
        rows.add(f.newGroup().append("id", 2L));
        rows.add(f.newGroup().append("id", 3L).append("text", "z".repeat(LIMIT + 1)));
        rows.add(f.newGroup().append("id", 4L).append("text", Binary.fromConstantByteArray(new byte[]{(byte) 0xc0})));
        rows.add(f.newGroup().append("id", 5L).append("text", "good: row five"));
        rows.add(f.newGroup().append("id", 6L).append("text", "good: row six"));
        ParquetIngestTest.write(dir.resolve("rows.parquet"), ParquetIngestTest.DOCS, rows);
        SimpleGroupFactory o = new SimpleGroupFactory(ParquetIngestTest.OTHER);
        ParquetIngestTest.write(dir.resolve("no-text-column.parquet"), ParquetIngestTest.OTHER,
                List.of(o.newGroup().append("key", "k").append("body", "not read")));
        byte[] whole = Files.readAllBytes(dir.resolve("rows.parquet"));
        Files.write(dir.resolve("truncated.parquet"), Arrays.copyOf(whole, whole.length - 20));
        Files.write(dir.resolve("empty.parquet"), new byte[0]);
    }

    static void text(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("good.md"), "# Good\n\ngood: a Markdown file\n");
        Files.write(dir.resolve("latin1.txt"), "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
        Files.write(dir.resolve("empty.txt"), new byte[0]);
        Files.writeString(dir.resolve("huge.txt"), "w".repeat(LIMIT + 1));
        byte[] gz = gzip("text in a gzip file that is cut short\n".repeat(100).getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("truncated.txt.gz"), Arrays.copyOf(gz, gz.length / 2));
    }

    static void code(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("good.py"), "# good: a Python file\nprint('hello')\n");
        Files.write(dir.resolve("latin1.py"), "# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        Files.writeString(dir.resolve("huge.js"), "let v = 1;\n".repeat(LIMIT / 10));
    }

    static void wiki(Path dir) throws IOException {
        Files.createDirectories(dir);
        WikiDumps dump = new WikiDumps("https://bad.example/wiki/Main_Page")
                .page(1, 0, "Good one", "'''good:''' the first page.")
                .page(2, 0, "Oversize", "v ".repeat(LIMIT))
                .page(3, 0, "Good two", "good: the third page.");
        Files.write(dir.resolve("dump.xml.bz2"), dump.bz2());
        WikiDumps longer = new WikiDumps("https://bad.example/wiki/Main_Page");
        for (int i = 1; i <= 6; i++) {
            longer.page(10 + i, 0, "Page " + i, "good: page " + i + " of a dump cut inside page 4. " + "filler ".repeat(100));
        }
        byte[] xml = longer.xml();
        String s = new String(xml, StandardCharsets.UTF_8);
        int cut = s.indexOf("<title>Page 4</title>") + 40;
        Files.write(dir.resolve("truncated.xml"), Arrays.copyOf(xml, s.substring(0, cut).getBytes(StandardCharsets.UTF_8).length));
        Files.write(dir.resolve("empty.xml"), new byte[0]);
    }
}
