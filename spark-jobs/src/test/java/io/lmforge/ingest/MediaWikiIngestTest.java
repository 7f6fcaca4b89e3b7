package io.lmforge.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MediaWiki dumps holding five real Wikipedia articles (English, German, Russian, Japanese,
 * Korean, as MediaWiki ships them for its own tests) and MediaWiki's demo export: markup stripped,
 * redirects and other namespaces rejected, damaged dumps read up to the damage.
 */
class MediaWikiIngestTest {
    static final String[] ARTICLES = {"washington", "berlin", "bulgakov", "tokyo", "young"};

    @TempDir
    static Path dir;
    static CorpusRun run;

    @BeforeAll
    static void ingest() throws IOException {
        Path articles = TestData.path("mediawiki/articles");
        WikiDumps dump = new WikiDumps("https://en.wikipedia.org/wiki/Main_Page");
        for (int i = 0; i < ARTICLES.length; i++) {
            dump.page(100 + i, 0, ARTICLES[i], Files.readString(articles.resolve(ARTICLES[i] + ".txt")));
        }
        dump.redirect(200, "Washington DC", "Washington, D.C.")
                .page(201, 1, "Talk:Berlin", "Is the population figure current? ~~~~")
                .page(202, 10, "Template:Infobox", "{{{name}}}")
                .page(203, 0, "Only templates", "{{Infobox|a=1}}\n{{Stub}}\n[[Category:Empty]]")
                .page(204, 0, "Huge", "Far too much text. ".repeat(10_000))
                .page(205, 0, "Markup", String.join("\n",
                        "'''Bold''' and ''italic'' text with a [[Link target|label]], a [[plain link]],",
                        "a [https://example.org external link] and a bare [https://example.org/bare].",
                        "{{Infobox|name={{nested|x}}|caption=[[inner|link]]}}",
                        "Refs go<ref name=\"a\">A citation {{cite web|url=x}}</ref> away<ref name=\"a\" />.<!-- a comment -->",
                        "== Heading two ==",
                        "* item one",
                        "# item two",
                        "{| class=\"wikitable\"",
                        "|-",
                        "| cell || {| nested table |} cell",
                        "|}",
                        "[[File:Map.png|thumb|A caption with [[a link]].]] [[Category:Markup]] [[fr:Balisage]]",
                        "A&nbsp;space &amp; an entity.<br/>Next line. __NOTOC__"));
        Path wiki = Files.createDirectories(dir.resolve("wiki"));
        Files.write(wiki.resolve("enwiki-pages-articles.xml.bz2"), dump.bz2());
        // The same dump cut short: the pages before the cut are kept.
        byte[] xml = dump.xml();
        Files.write(wiki.resolve("truncated.xml"), Arrays.copyOf(xml, xml.length * 2 / 3));
        Files.copy(TestData.path("mediawiki/export-demo.xml.gz"), wiki.resolve("export-demo.xml.gz"));

        run = CorpusRun.ingestOnly("sources = [\n"
                + " { name = wiki, format = mediawiki, path = " + CorpusRun.quote(wiki)
                + ", max-record-bytes = 100 KiB, namespaces = [0] }\n"
                + "]\n", dir.resolve("out"));
    }

    private static Map<String, Row> documents(String file) {
        return run.documents().filter(col("file").equalTo(file)).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("title"), r -> r));
    }

    @Test
    void articlesBecomePlainText() {
        Map<String, Row> docs = documents("enwiki-pages-articles.xml.bz2");
        assertEquals(Set.of("washington", "berlin", "bulgakov", "tokyo", "young", "Markup"), docs.keySet());
        Row washington = docs.get("washington");
        assertEquals("100", washington.getAs("id"));
        assertEquals("https://en.wikipedia.org/wiki/washington", washington.getAs("url"));
        assertEquals(0L, washington.<Long>getAs("offset"));
        String text = washington.getAs("text");
        assertTrue(text.startsWith("Washington, DC, officially the District of Columbia (also known as DC; Washington;"
                + " and, historically, the Federal City) is the capital city and administrative district of the United States"),
                text.substring(0, 200));
        for (String markup : List.of("[[", "]]", "{{", "}}", "{|", "|}", "'''", "<ref", "Category:", "Largewashington.jpg",
                "da:Washington", "&#")) {
            assertFalse(text.contains(markup), "'" + markup + "' left in the Washington article");
        }
        assertTrue(text.contains("\nHistory\n"), "headings stay as their own lines");
        // Other scripts come through whole.
        assertTrue(docs.get("tokyo").<String>getAs("text").contains("東京都"));
        assertTrue(docs.get("bulgakov").<String>getAs("text").startsWith("Сергей Николаевич Булгаков родился в  1873 г."));
        String berlin = docs.get("berlin").getAs("text");
        assertFalse(berlin.contains("Flagge_Berlin.png") || berlin.contains("bgcolor"), berlin.substring(0, 400));
    }

    @Test
    void eachKindOfMarkupIsHandled() {
        assertEquals(String.join("\n",
                        "Bold and italic text with a label, a plain link,",
                        "a external link and a bare .",
                        "",
                        "Refs go away.",
                        "",
                        "Heading two",
                        "",
                        "item one",
                        "item two",
                        "",
                        "A space & an entity.",
                        "Next line."),
                documents("enwiki-pages-articles.xml.bz2").get("Markup").getAs("text"));
    }

    @Test
    void redirectsOtherNamespacesAndEmptyPagesAreRejected() {
        Map<String, Row> rejected = run.rejected().collectAsList().stream()
                .filter(r -> r.<String>getAs("file").equals("enwiki-pages-articles.xml.bz2"))
                .collect(Collectors.toMap(r -> r.getAs("id"), r -> r));
        assertEquals("redirect", rejected.get("200").getAs("reason"));
        assertEquals("Washington, D.C.", rejected.get("200").getAs("detail"));
        assertEquals("namespace", rejected.get("201").getAs("reason"));
        assertEquals("namespace 1 (Talk) is not in namespaces [0]", rejected.get("201").getAs("detail"));
        assertEquals("namespace 10 (Template) is not in namespaces [0]", rejected.get("202").getAs("detail"));
        assertEquals("empty_text", rejected.get("203").getAs("reason"));
        assertEquals(4, rejected.size());
        // MediaWiki's own demo export: one page, a redirect.
        Row demo = run.rejected().filter(col("file").equalTo("export-demo.xml.gz")).first();
        assertEquals("redirect", demo.getAs("reason"));
        assertEquals("Target", demo.getAs("detail"));
    }

    @Test
    void oversizedPagesAndTruncatedDumpsAreQuarantined() {
        List<Row> huge = run.quarantine().filter(col("file").endsWith("enwiki-pages-articles.xml.bz2")).collectAsList();
        assertEquals(1, huge.size());
        assertEquals(9L, huge.get(0).<Long>getAs("offset"));
        assertEquals("page 204 'Huge': wikitext of over 102400 bytes is over the limit (max-record-bytes)",
                huge.get(0).getAs("error"));
        List<Row> cut = run.quarantine().filter(col("file").endsWith("truncated.xml")).collectAsList();
        assertEquals(1, cut.size());
        String error = cut.get(0).getAs("error");
        assertTrue(error.contains("malformed or truncated XML in page"), error);
        long keptBeforeCut = run.documents().filter(col("file").equalTo("truncated.xml")).count();
        assertTrue(keptBeforeCut >= 3, "pages kept before the cut: " + keptBeforeCut);
    }

    @Test
    void accountsBalance() throws IOException {
        JsonNode manifest = run.manifest();
        assertTrue(manifest.at("/accounting/holds").asBoolean());
    }
}
