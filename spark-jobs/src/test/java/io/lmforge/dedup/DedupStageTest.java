package io.lmforge.dedup;

import com.fasterxml.jackson.databind.JsonNode;
import io.lmforge.testing.CorpusRun;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dedup stage through the whole job (ingest, dedup, the three outputs, accounting): exact
 * and near duplicates within and across sources, ids that repeat across sources, rows an
 * earlier step rejected, short documents, and the stored fingerprints.
 */
class DedupStageTest {
    @TempDir
    static Path dir;
    static CorpusRun run;

    static final String A = Texts.KERNEL;
    static final String B = Texts.CAKE;
    static final String C = Texts.TRAIN;
    static final String APPENDED = Texts.TRAIN.substring(0, 120);
    static final String ORDER = "Your order %d has shipped and will arrive within three working days, thank you for shopping with us";

    @BeforeAll
    static void runCorpus() throws IOException {
        Path web = Files.createDirectories(dir.resolve("web"));
        Path forum = Files.createDirectories(dir.resolve("forum"));
        Files.writeString(web.resolve("part-0.jsonl"), String.join("", List.of(
                doc("w1", A),
                doc("w2", A.toUpperCase().replace(".", " !").replace(" ", "  ")),     // exact after normalising
                doc("w3", A.replace("short delay", "brief delay")),                    // near
                doc("w4", B),
                doc("w5", "   "),                                                     // rejected at ingest
                doc("w6", "Thanks!"),
                doc("w7", "thanks"),                                                  // exact, though short
                doc("w8", "see you tomorrow at the station"),
                doc("w9", "see you tomorrow at the stations"),                        // short: not near-checked
                doc("w10", A + " " + APPENDED),                                       // a fifth more text: far SimHash, shared segment
                doc("w11", ORDER.formatted(48213)),                                   // close SimHashes, but one number
                doc("w12", ORDER.formatted(77310)))),                                 // in 18 words is Jaccard 0.65
                StandardCharsets.UTF_8);
        Files.writeString(forum.resolve("part-0.jsonl"), String.join("", List.of(
                doc("w1", C),                                                         // same id as web's w1
                doc("z2", B),                                                         // exact copy across sources
                doc("x3", A.replace("kernel", "Linux kernel")))),
                StandardCharsets.UTF_8);
        run = CorpusRun.run("sources = [\n"
                + " { name = web, format = jsonl, path = " + CorpusRun.quote(web) + " }\n"
                + " { name = forum, format = jsonl, path = " + CorpusRun.quote(forum) + " }\n"
                + "]\nstages = [dedup]\nartifacts = []\nrun-id = first\n", dir.resolve("out"));
    }

    static String doc(String id, String text) {
        return "{\"id\":\"" + id + "\",\"text\":\"" + text.replace("\"", "\\\"") + "\"}\n";
    }

    static Map<String, Row> rejectedBySourceAndId() {
        return run.rejected().collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("source") + "/" + r.getAs("id"), r -> r));
    }

    @Test
    void exactDuplicatesAreRemovedWithTheKeptDocumentsId() {
        Row w2 = rejectedBySourceAndId().get("web/w2");
        assertEquals("dedup", w2.getAs("stage"));
        assertEquals("exact_duplicate", w2.getAs("reason"));
        assertEquals("w1", w2.getAs("duplicate_of"));
        assertEquals(0, (int) w2.<Integer>getAs("distance"));
        assertEquals("kept document is in source 'web'", w2.getAs("detail"));
        Row w7 = rejectedBySourceAndId().get("web/w7");
        assertEquals("exact_duplicate", w7.getAs("reason"));
        assertEquals("w6", w7.getAs("duplicate_of"));
    }

    @Test
    void exactDuplicatesAcrossSourcesNameTheKeptSource() {
        Row f2 = rejectedBySourceAndId().get("forum/z2");
        assertEquals("exact_duplicate", f2.getAs("reason"));
        assertEquals("w4", f2.getAs("duplicate_of"), "smallest id wins when no quality signal exists");
        assertEquals("kept document is in source 'web'", f2.getAs("detail"));
    }

    @Test
    void nearDuplicatesCarryTheirHammingDistance() {
        Map<String, Row> rejected = rejectedBySourceAndId();
        for (String key : List.of("web/w3", "forum/x3")) {
            Row r = rejected.get(key);
            assertEquals("near_duplicate", r.getAs("reason"), key);
            assertEquals("w1", r.getAs("duplicate_of"), key);
            int d = r.<Integer>getAs("distance");
            assertTrue(d >= 1 && d <= 3, key + " distance " + d);
            assertTrue(r.<String>getAs("detail").matches("kept document is in source 'web'; estimated word 5-gram "
                    + "Jaccard similarity 0\\.(8|9)\\d"), r.<String>getAs("detail"));
        }
    }

    @Test
    void aCopyWithAFifthMoreTextIsFoundThroughItsSegments() {
        Row w10 = rejectedBySourceAndId().get("web/w10");
        assertEquals("near_duplicate", w10.getAs("reason"));
        assertEquals("w1", w10.getAs("duplicate_of"));
        // Its document SimHash is too far to be a candidate: the shared segments made it one.
        assertTrue(w10.<Integer>getAs("distance") > 3, "distance " + w10.getAs("distance"));
        assertTrue(w10.<String>getAs("detail").endsWith("similarity 0.81"), w10.<String>getAs("detail"));
    }

    @Test
    void closeSimHashesBelowTheJaccardThresholdStay() {
        List<Row> orders = run.documents().filter(col("id").isin("w11", "w12")).collectAsList();
        assertEquals(2, orders.size());
        long a = orders.get(0).getAs("simhash");
        long b = orders.get(1).getAs("simhash");
        assertTrue(Long.bitCount(a ^ b) <= 3, "candidates by SimHash, distance " + Long.bitCount(a ^ b));
    }

    @Test
    void idsThatRepeatAcrossSourcesAreDifferentDocuments() {
        List<Row> w1 = run.documents().filter(col("id").equalTo("w1")).collectAsList();
        assertEquals(2, w1.size());
        assertEquals(Map.of("web", A, "forum", C), w1.stream().collect(
                Collectors.toMap(r -> r.<String>getAs("source"), r -> r.<String>getAs("text"))));
    }

    @Test
    void shortDocumentsAreOnlyCheckedForExactCopies() {
        assertEquals(2, run.documents().filter(col("id").isin("w8", "w9")).count());
    }

    @Test
    void earlierRejectionsPassThroughAndEveryRecordIsAccountedFor() throws IOException {
        Row w5 = rejectedBySourceAndId().get("web/w5");
        assertEquals("ingest", w5.getAs("stage"));
        assertNull(w5.getAs("duplicate_of"));
        JsonNode m = run.manifest();
        assertTrue(m.at("/accounting/holds").asBoolean());
        assertEquals(12, m.at("/sources/web/input").asLong());
        assertEquals(7, m.at("/sources/web/kept").asLong());     // w1, w4, w6, w8, w9, w11, w12
        assertEquals(5, m.at("/sources/web/rejected").asLong()); // w2, w3, w7, w10 by dedup; w5 at ingest
        assertEquals(1, m.at("/sources/forum/kept").asLong());
        assertEquals(3, m.at("/rejections/dedup/exact_duplicate").asLong(), m.toString());
        assertEquals(3, m.at("/rejections/dedup/near_duplicate").asLong());
    }

    @Test
    void keptDocumentsCarryTheirSimHashAndTheFingerprintsAreStored() throws IOException {
        assertEquals(0, run.documents().filter(col("simhash").isNull()).count());
        List<Row> stored = run.read("fingerprints").collectAsList();
        assertEquals(run.documents().count(), stored.size());
        assertTrue(stored.stream().allMatch(r -> "first".equals(r.getAs("run_id"))));
        assertTrue(Files.exists(run.out.resolve("fingerprints").resolve(Fingerprints.META)));
        JsonNode report = run.manifest().at("/stages/dedup");
        assertEquals(3, report.get("exact_duplicate").asLong(), report.toString());
        assertEquals(3, report.get("near_duplicate").asLong());
        assertEquals("20 tables of 31-33 key bits (6 blocks, k = 3)", report.get("layout").asText());
        assertEquals("1 table of 64 key bits (3 blocks, k = 0)", report.get("segment_layout").asText());
        assertTrue(report.get("verified_pairs").asLong() >= 3, report.toString());
        assertEquals(Set.of("id", "source", "run_id", "simhash", "exact_hi", "exact_lo", "tokens", "quality",
                "segments", "sketch"), Set.of(run.read("fingerprints").columns()));
    }
}
