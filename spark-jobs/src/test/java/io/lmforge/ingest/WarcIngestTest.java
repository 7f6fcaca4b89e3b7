package io.lmforge.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.netpreserve.jwarc.WarcRecord;
import org.netpreserve.jwarc.WarcResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.lmforge.ingest.JsonlIngestTest.concat;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WARC and WET files written by jwarc, with real pages of Python's HTML documentation: what
 * becomes a document, what is rejected and why, and how damaged files are read past.
 */
class WarcIngestTest {
    static final String BASE = "https://docs.python.org/3.11/";
    static final String[] PAGES = {"tutorial/appetite.html", "tutorial/introduction.html",
            "tutorial/controlflow.html", "library/json.html"};

    @TempDir
    static Path dir;
    static CorpusRun run;
    static Map<String, WarcRecord> byName = new java.util.HashMap<>();
    static long garbageOffset;
    static long truncatedOffset;
    static long plainGarbageOffset;

    @BeforeAll
    static void ingest() throws IOException {
        Path html = TestData.path("python-doc/html");
        Path web = Files.createDirectories(dir.resolve("web"));

        // A Common Crawl style file: warcinfo, then request/response/metadata per capture.
        List<WarcRecord> crawl = new java.util.ArrayList<>();
        crawl.add(Warcs.warcinfo("crawl.warc.gz"));
        for (String page : PAGES) {
            WarcResponse r = Warcs.response(BASE + page, 200, "text/html; charset=utf-8",
                    Files.readAllBytes(html.resolve(page)));
            byName.put(page, r);
            crawl.add(Warcs.request(BASE + page));
            crawl.add(r);
            crawl.add(Warcs.metadata(BASE + page));
        }
        add(crawl, "404", Warcs.response(BASE + "missing.html", 404, "text/html", "<html><body><p>Not found</p></body></html>".getBytes()));
        add(crawl, "css", Warcs.response(BASE + "_static/pydoctheme.css", 200, "text/css",
                Files.readAllBytes(html.resolve("_static/pydoctheme.css"))));
        add(crawl, "png", Warcs.response(BASE + "_static/py.png", 200, "image/png",
                Files.readAllBytes(html.resolve("_static/py.png"))));
        add(crawl, "revisit", Warcs.revisit(BASE + PAGES[0], BASE + PAGES[0]));
        add(crawl, "untyped", Warcs.response(BASE + "untyped.html", 200, null,
                "<!DOCTYPE html><html><head><title>No type</title></head><body><p>Sniffed as HTML.</p></body></html>".getBytes()));
        // Charset only in <meta>, bytes in ISO-8859-1: "café" must not come out as "caf\uFFFD".
        add(crawl, "latin1", Warcs.response(BASE + "latin1.html", 200, "text/html",
                "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><title>Caf\u00e9</title></head><body><p>Un caf\u00e9 cr\u00e8me.</p></body></html>"
                        .getBytes(StandardCharsets.ISO_8859_1)));
        // Charset only in the HTTP header.
        add(crawl, "cp1252", Warcs.response(BASE + "cp1252.html", 200, "text/html; charset=windows-1252",
                "<html><body><p>\u201cQuoted\u201d \u2013 text.</p></body></html>".getBytes("windows-1252")));
        add(crawl, "scripts", Warcs.html(BASE + "scripts.html",
                "<html><head><title>Only scripts</title></head><body><script>var a = 1;</script><nav>Home | About</nav></body></html>"));
        Files.write(web.resolve("crawl.warc.gz"), Warcs.gzipped(crawl.toArray(new WarcRecord[0])));

        // Damage in a gzipped file: garbage between members, then a member cut short.
        byte[] a = Warcs.gzipped(Warcs.html(BASE + "a.html", "<p>Record A before the garbage.</p>"));
        byte[] garbage = "this is not gzip data, a partial copy gone wrong".getBytes(StandardCharsets.US_ASCII);
        byte[] b = Warcs.gzipped(Warcs.html(BASE + "b.html", "<p>Record B after the garbage.</p>"));
        byte[] c = Warcs.gzipped(Warcs.html(BASE + "c.html", "<p>Record C, cut short. " + "More text. ".repeat(200) + "</p>"));
        garbageOffset = a.length;
        truncatedOffset = a.length + garbage.length + b.length;
        Files.write(web.resolve("damaged.warc.gz"), concat(a, garbage, b, Arrays.copyOf(c, c.length / 2)));

        // Damage in a plain file: a stray line between two records.
        byte[] d = Warcs.plain(Warcs.html(BASE + "d.html", "<p>Record D in a plain WARC.</p>"));
        byte[] stray = "GARBAGE LINE\r\nanother\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] e = Warcs.plain(Warcs.html(BASE + "e.html", "<p>Record E after the stray lines.</p>"));
        plainGarbageOffset = d.length;
        Files.write(web.resolve("plain.warc"), concat(d, stray, e));

        // One record over a small per-source limit, between two good ones.
        Path big = Files.createDirectories(dir.resolve("big"));
        Files.write(big.resolve("big.warc.gz"), Warcs.gzipped(
                Warcs.html(BASE + "small1.html", "<p>Small one.</p>"),
                Warcs.html(BASE + "huge.html", "<p>" + "Too long. ".repeat(20_000) + "</p>"),
                Warcs.html(BASE + "small2.html", "<p>Small two.</p>")));

        // WET: extracted text, one conversion record per page.
        Path wet = Files.createDirectories(dir.resolve("wet"));
        Files.write(wet.resolve("crawl.warc.wet.gz"), Warcs.gzipped(
                Warcs.warcinfo("crawl.warc.wet.gz"),
                Warcs.conversion(BASE + "w1.html", "First page's text.\nSecond line.".getBytes(StandardCharsets.UTF_8)),
                Warcs.conversion(BASE + "w2.html", new byte[]{'b', 'a', 'd', (byte) 0xff, 'x'}),
                Warcs.conversion(BASE + "w3.html", "   \n".getBytes(StandardCharsets.UTF_8)),
                Warcs.conversion(BASE + "w4.html", "Texte en fran\u00e7ais.".getBytes(StandardCharsets.UTF_8))));

        run = CorpusRun.ingestOnly("sources = [\n"
                + " { name = web, format = warc, path = " + CorpusRun.quote(web) + " }\n"
                + " { name = big, format = warc, path = " + CorpusRun.quote(big) + ", max-record-bytes = 100 KiB }\n"
                + " { name = wet, format = wet, path = " + CorpusRun.quote(wet) + " }\n"
                + "]\n", dir.resolve("out"));
    }

    private static void add(List<WarcRecord> records, String name, WarcRecord r) {
        byName.put(name, r);
        records.add(r);
    }

    private static Row doc(String url) {
        List<Row> rows = run.documents().filter(col("url").equalTo(url)).collectAsList();
        assertEquals(1, rows.size(), "documents with url " + url);
        return rows.get(0);
    }

    @Test
    void htmlPagesBecomeTextWithoutBoilerplate() {
        Row appetite = doc(BASE + PAGES[0]);
        assertEquals(byName.get(PAGES[0]).id().toString(), appetite.getAs("id"));
        assertEquals("1. Whetting Your Appetite \u2014 Python 3.11.2 documentation", appetite.getAs("title"));
        String text = appetite.getAs("text");
        assertTrue(text.startsWith("1. Whetting Your Appetite\u00b6\n\nIf you do much work on computers, eventually you find that"
                + " there\u2019s some task you\u2019d like to automate."), text.substring(0, 300));
        // Navigation, search forms, scripts and styles are gone.
        for (String boilerplate : List.of("Previous topic", "Quick search", "Navigation", "@media", "var ", "Report a Bug")) {
            assertFalse(text.contains(boilerplate), "'" + boilerplate + "' left in the text");
        }
        // Paragraphs are separated by blank lines, and no line is a run-together of two blocks.
        assertTrue(text.split("\n\n").length > 10, "paragraphs: " + text.split("\n\n").length);
        assertEquals("utf-8", appetite.<scala.collection.Map<String, String>>getAs("metadata").get("charset").get());
        // Code blocks keep their line structure.
        String intro = doc(BASE + PAGES[1]).getAs("text");
        assertTrue(intro.contains(">>> 2 + 2\n4\n"), "code block lines kept");
    }

    @Test
    void charsetComesFromTheHttpHeaderOrTheMetaTag() {
        Row latin1 = doc(BASE + "latin1.html");
        assertEquals("Caf\u00e9", latin1.getAs("title"));
        assertEquals("Un caf\u00e9 cr\u00e8me.", latin1.getAs("text"));
        assertEquals("\u201cQuoted\u201d \u2013 text.", doc(BASE + "cp1252.html").getAs("text"));
        assertEquals("Sniffed as HTML.", doc(BASE + "untyped.html").getAs("text"));
    }

    @Test
    void nonHtmlNon200AndRevisitsAreRejectedWithReasons() {
        Map<String, Row> rejected = run.rejected().filter(col("source").equalTo("web")).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("url"), r -> r));
        assertEquals(5, rejected.size(), rejected.keySet().toString());
        assertReason(rejected.get(BASE + "missing.html"), "http_status", "404");
        assertReason(rejected.get(BASE + "_static/pydoctheme.css"), "not_html", "text/css");
        assertReason(rejected.get(BASE + "_static/py.png"), "not_html", "image/png");
        assertReason(rejected.get(BASE + "scripts.html"), "empty_text", "no visible text in the page");
        Row revisit = rejected.get(BASE + PAGES[0]);
        assertEquals("revisit", revisit.getAs("reason"));
        assertEquals(byName.get("revisit").id().toString(), revisit.getAs("id"));
    }

    private static void assertReason(Row row, String reason, String detail) {
        assertEquals("ingest", row.getAs("stage"));
        assertEquals(reason, row.getAs("reason"));
        assertEquals(detail, row.getAs("detail"));
    }

    @Test
    void damagedFilesAreReadPastAndTheDamageQuarantined() {
        for (String url : List.of("a", "b", "d", "e")) {
            doc(BASE + url + ".html");
        }
        assertEquals(0, run.documents().filter(col("url").equalTo(BASE + "c.html")).count());

        Map<Long, Row> damaged = quarantined("damaged.warc.gz");
        assertEquals(2, damaged.size(), damaged.toString());
        Row garbage = damaged.get(garbageOffset);
        assertTrue(garbage.<String>getAs("error").startsWith("48 bytes between gzip members that are not gzip data"),
                garbage.<String>getAs("error"));
        assertTrue(garbage.<String>getAs("snippet").startsWith("this is not gzip data"));
        assertTrue(damaged.get(truncatedOffset).<String>getAs("error").contains("truncated"),
                damaged.get(truncatedOffset).<String>getAs("error"));

        Map<Long, Row> plain = quarantined("plain.warc");
        assertEquals(1, plain.size(), plain.toString());
        String error = plain.get(plainGarbageOffset).getAs("error");
        assertTrue(error.startsWith("23 bytes that are not a WARC record (garbage between records)"), error);
        assertTrue(plain.get(plainGarbageOffset).<String>getAs("snippet").startsWith("GARBAGE LINE"));
    }

    @Test
    void aRecordOverTheLimitIsQuarantinedAndItsNeighboursKept() {
        doc(BASE + "small1.html");
        doc(BASE + "small2.html");
        List<Row> big = run.quarantine().filter(col("source").equalTo("big")).collectAsList();
        assertEquals(1, big.size());
        String error = big.get(0).getAs("error");
        assertTrue(error.startsWith("WARC response record urn:uuid:") && error.endsWith(" bytes is over the limit of 102400 bytes (max-record-bytes)"), error);
    }

    @Test
    void wetConversionRecordsAreText() {
        Row w1 = doc(BASE + "w1.html");
        assertEquals("First page's text.\nSecond line.", w1.getAs("text"));
        assertNull(w1.getAs("title"));
        assertEquals("eng", w1.<scala.collection.Map<String, String>>getAs("metadata").get("content_language").get());
        doc(BASE + "w4.html");
        List<Row> bad = run.quarantine().filter(col("source").equalTo("wet")).collectAsList();
        assertEquals(1, bad.size());
        assertTrue(bad.get(0).<String>getAs("error").endsWith("bytes that are not valid UTF-8 at byte 3 of its text"),
                bad.get(0).<String>getAs("error"));
        assertEquals("empty_text", run.rejected().filter(col("source").equalTo("wet")).first().getAs("reason"));
    }

    @Test
    void onlyCaptureRecordsAreCountedAndTheAccountsBalance() throws IOException {
        JsonNode manifest = run.manifest();
        assertTrue(manifest.at("/accounting/holds").asBoolean());
        // web: 4 pages + 8 other captures in crawl; a, the garbage, b, c (truncated); d, the stray lines, e.
        // warcinfo, request and metadata records are not input records.
        assertEquals(12 + 4 + 3, manifest.at("/sources/web/input").asLong());
        assertEquals(7 + 4, manifest.at("/sources/web/kept").asLong());
        assertEquals(5, manifest.at("/sources/web/rejected").asLong());
        assertEquals(3, manifest.at("/sources/web/quarantined").asLong());
        assertEquals(3, manifest.at("/sources/big/input").asLong());
        assertEquals(4, manifest.at("/sources/wet/input").asLong());
    }

    private static Map<Long, Row> quarantined(String file) {
        return run.quarantine().filter(col("file").endsWith(file)).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.<Long>getAs("offset"), r -> r));
    }
}
