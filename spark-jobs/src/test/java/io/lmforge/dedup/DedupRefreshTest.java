package io.lmforge.dedup;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.SparkTestSession;
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

import static io.lmforge.dedup.DedupStageTest.doc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Refreshes: three corpus runs, each given the fingerprints of the one before. The earlier
 * runs' documents/ are deleted before the later runs, so nothing but the stored fingerprints
 * can tell them what was kept.
 */
class DedupRefreshTest {
    @TempDir
    static Path dir;
    static CorpusRun first;
    static CorpusRun second;
    static CorpusRun third;
    static Set<String> secondKept;

    @BeforeAll
    static void threeRuns() throws IOException {
        first = run("first", "", doc("n1", Texts.KERNEL), doc("n2", Texts.CAKE), doc("n3", Texts.TRAIN),
                doc("n4", Texts.KERNEL.toLowerCase()));
        deleteTree(first.out.resolve("documents"));
        second = run("second", "dedup { previous = " + CorpusRun.quote(first.out.resolve("fingerprints")) + " }",
                doc("m1", Texts.KERNEL.replace(".", "!")),                      // exact copy of run 1's n1
                doc("m2", Texts.CAKE.replace("forty minutes", "fourty minutes")), // near copy of n2
                doc("m3", Texts.GARDEN),
                doc("m4", Texts.GARDEN.replace("Tomatoes", "Tomato plants")),   // near copy of m3, both new
                doc("m5", Texts.CHESS));
        secondKept = ids(second.documents().collectAsList());
        deleteTree(second.out.resolve("documents"));
        third = run("third", "dedup { previous = [" + CorpusRun.quote(second.out.resolve("fingerprints"))
                        + "], previous-wins = false }",
                doc("a0", Texts.GARDEN.toUpperCase()),   // copies run 2's m3 and, with the smaller id, replaces it
                doc("zz", Texts.KERNEL));                // copies run 1's n1, which keeps its place
    }

    static CorpusRun run(String runId, String dedup, String... docs) throws IOException {
        Path in = Files.createDirectories(dir.resolve("in-" + runId));
        Files.writeString(in.resolve("part.jsonl"), String.join("", docs), StandardCharsets.UTF_8);
        return CorpusRun.run("sources = [ { name = news, format = jsonl, path = " + CorpusRun.quote(in) + " } ]\n"
                + "stages = [dedup]\nartifacts = []\nrun-id = " + runId + "\n" + dedup + "\n", dir.resolve("out-" + runId));
    }

    static Map<String, Row> rejected(CorpusRun run) {
        return run.rejected().collectAsList().stream().collect(Collectors.toMap(r -> r.getAs("id"), r -> r));
    }

    static Set<String> ids(List<Row> rows) {
        return rows.stream().map(r -> r.<String>getAs("id")).collect(Collectors.toSet());
    }

    @Test
    void newDocumentsThatCopyEarlierOnesAreRemoved() {
        Map<String, Row> r = rejected(second);
        assertEquals("exact_duplicate", r.get("m1").getAs("reason"));
        assertEquals("n1", r.get("m1").getAs("duplicate_of"));
        assertEquals("kept document is in source 'news', from run first", r.get("m1").getAs("detail"));
        assertEquals("near_duplicate", r.get("m2").getAs("reason"));
        assertEquals("n2", r.get("m2").getAs("duplicate_of"));
        assertTrue(r.get("m2").<Integer>getAs("distance") <= 3);
    }

    @Test
    void newDocumentsThatCopyEachOtherAreRemovedToo() {
        Row m4 = rejected(second).get("m4");
        assertEquals("near_duplicate", m4.getAs("reason"));
        assertEquals("m3", m4.getAs("duplicate_of"));
        assertTrue(m4.<String>getAs("detail").startsWith("kept document is in source 'news'; estimated word 5-gram "
                + "Jaccard similarity 0.9"), m4.<String>getAs("detail"));
        assertEquals(Set.of("m3", "m5"), secondKept);
    }

    @Test
    void storedFingerprintsAccumulateAcrossRuns() {
        List<Row> stored = second.read("fingerprints").collectAsList();
        assertEquals(Set.of("n1", "n2", "n3", "m3", "m5"), ids(stored));
        Map<String, String> runOf = stored.stream().collect(Collectors.toMap(r -> r.getAs("id"), r -> r.getAs("run_id")));
        assertEquals("first", runOf.get("n1"));
        assertEquals("second", runOf.get("m5"));
    }

    @Test
    void earlierDocumentsStayUnlessTheUserLetsNewOnesReplaceThem() throws IOException {
        assertEquals(Set.of("a0"), ids(third.documents().collectAsList()));
        Row zz = rejected(third).get("zz");
        assertEquals("exact_duplicate", zz.getAs("reason"));
        assertEquals("n1", zz.getAs("duplicate_of"));
        List<Row> superseded = third.read("superseded").collectAsList();
        assertEquals(1, superseded.size());
        assertEquals("m3", superseded.get(0).getAs("id"));
        assertEquals("second", superseded.get(0).getAs("run_id"));
        assertEquals("a0", superseded.get(0).getAs("replaced_by"));
        assertEquals(Set.of("n1", "n2", "n3", "m5", "a0"), ids(third.read("fingerprints").collectAsList()));
        assertEquals(1, third.manifest().at("/stages/dedup/superseded").asLong());
    }

    @Test
    void fingerprintsFromAnotherFormatOrNowhereAreRefused() {
        var spark = SparkTestSession.get();
        String stored = first.out.resolve("fingerprints").toString();
        DedupSettings bigrams = DedupSettings.from(io.lmforge.config.Settings.of(
                com.typesafe.config.ConfigFactory.parseString("word-shingle = 2"), "lmforge.corpus", "dedup"));
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> Fingerprints.readPrevious(spark, List.of(stored), bigrams));
        assertTrue(e.getMessage().contains("word-shingle 1") && e.getMessage().contains(stored), e.getMessage());
        String nowhere = dir.resolve("no-such-run").toString();
        e = assertThrows(InvalidConfigException.class,
                () -> Fingerprints.readPrevious(spark, List.of(nowhere), DedupSettings.defaults()));
        assertTrue(e.getMessage().contains(nowhere) && e.getMessage().contains("OUT/fingerprints"), e.getMessage());
    }

    /** A store as lmforge wrote it before fingerprint v2 (SimHash only: no segments, no sketch). */
    @Test
    void aVersionOneStoreIsRefusedWithWhatToDo() throws IOException {
        var spark = SparkTestSession.get();
        Path v1 = dir.resolve("v1-fingerprints");
        var schema = new org.apache.spark.sql.types.StructType()
                .add("id", "string", false).add("source", "string", false).add("run_id", "string", false)
                .add("simhash", "long", true).add("exact_hi", "long", false).add("exact_lo", "long", false)
                .add("tokens", "int", false).add("quality", "double", true);
        spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("n1", "news", "old", 42L, 1L, 2L, 50, null)), schema)
                .write().parquet(v1.toString());
        Files.writeString(v1.resolve("_lmforge_dedup.json"),
                "{\"format\": \"simhash64 v1, word-shingle 1, cjk-shingle 2, weighting log\", \"k\": 3}");

        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> run("after-v1", "dedup { previous = " + CorpusRun.quote(v1) + " }", doc("x1", Texts.CAKE)));
        String m = e.getMessage();
        assertTrue(m.contains(v1.toString()) && m.contains("format v1") && m.contains("reads v" + Fingerprinter.VERSION)
                && m.contains("OUT/documents") && m.contains("leave dedup.previous out"), m);
    }

    static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
