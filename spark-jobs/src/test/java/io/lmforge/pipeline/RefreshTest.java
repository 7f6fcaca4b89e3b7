package io.lmforge.pipeline;

import io.lmforge.corpus.CorpusSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Versioned refreshes: the input ledger, dedup against earlier runs through their fingerprints,
 * the latest pointer, retention, the lease, and the two choices of what shards are built from.
 * One chain of runs shows them all, since each run costs seconds of Spark jobs.
 */
class RefreshTest {
    @TempDir
    Path dir;

    private static final String[] WORDS = ("river stone lamp orchard violin harbor meadow copper lantern "
            + "thunder pepper marble whisper garden candle silver forest anchor").split(" ");

    /** A document of 40 words that no other index shares. */
    private static String text(int i) {
        StringBuilder s = new StringBuilder("document " + i);
        for (int w = 0; w < 40; w++) {
            s.append(' ').append(WORDS[(i * 7 + w * (i % 5 + 1)) % WORDS.length]).append(i * 1000 + w);
        }
        return s.toString();
    }

    private static void write(Path file, int from, int to, int... copies) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < to; i++) {
            s.append("{\"text\":\"").append(text(i)).append("\"}\n");
        }
        for (int c : copies) {
            s.append("{\"text\":\"").append(text(c)).append("\"}\n");
        }
        Files.writeString(file, s);
    }

    private CorpusConfig config(Path in, String runId, String extra) {
        return CorpusConfig.from(CorpusSettings.of(ConfigFactory.parseString(
                "run-id = " + runId + "\n"
                        + "sources = [ { name = notes, format = jsonl, path = " + CorpusRun.quote(in) + " } ]\n"
                        + "stages = [dedup]\n"
                        + "tokenizer { vocab-size = 300 }\n"
                        + "shards { seq-len = 16, val-fraction = 0.2 }\n"
                        + extra).resolve(), ""));
    }

    private Refresh.Outcome refresh(Path in, Path root, String runId, String extra) throws IOException {
        return new Refresh(config(in, runId, extra), SparkTestSession.get(), root.toString()).run();
    }

    private static JsonNode json(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }

    private static long shardDocuments(Path run) throws IOException {
        long n = 0;
        for (JsonNode split : json(run.resolve("shards/manifest.json")).path("splits")) {
            for (JsonNode count : split.path("documents_by_domain")) {
                n += count.asLong();
            }
        }
        return n;
    }

    private static String latest(Path root) throws IOException {
        return Files.readString(root.resolve(Refresh.LATEST)).trim();
    }

    @Test
    void refreshesReadOnlyNewFilesDedupAgainstEarlierRunsHoldALeaseAndKeepTheLastRuns() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        Path root = dir.resolve("root");
        write(in.resolve("a.jsonl"), 0, 20);
        assertEquals(Optional.of("r1"), refresh(in, root, "r1", "refresh.keep-runs = 2").runId());
        assertEquals("r1", latest(root));

        // b.jsonl: five new documents and two copies of documents r1 kept.
        write(in.resolve("b.jsonl"), 20, 25, 3, 7);
        refresh(in, root, "r2", "refresh.keep-runs = 2");
        Path r2 = root.resolve("runs/r2");
        JsonNode manifest = json(r2.resolve(OutputLayout.MANIFEST));
        JsonNode inputs = manifest.path("refresh").path("inputs");
        assertEquals(1, inputs.path("new").size());
        assertTrue(inputs.path("new").get(0).asText().endsWith("b.jsonl"));
        assertEquals(1, inputs.path("read").size(), "a.jsonl was read by r1");
        assertEquals("r1", manifest.path("refresh").path("previous_run").asText());
        assertEquals(7, manifest.path("sources").path("notes").path("input").asLong());
        assertEquals(5, manifest.path("sources").path("notes").path("kept").asLong());
        List<Row> dups = SparkTestSession.get().read().parquet(r2.resolve(OutputLayout.REJECTED).toString())
                .filter("reason = 'exact_duplicate'").collectAsList();
        assertEquals(2, dups.size());
        for (Row r : dups) {
            assertTrue(r.<String>getAs("detail").contains("r1"), r.toString());
        }
        assertEquals("r2", latest(root));
        assertEquals(5, shardDocuments(r2), "shards-from = new: this run's documents only");
        String report = Files.readString(r2.resolve(OutputLayout.REPORT));
        assertTrue(report.contains("<td>refresh of</td><td>r1</td>") && report.contains("<td>1 / 0 / 0</td>"),
                "the run's report.html names the run it refreshes and the new, changed and gone files");

        // Nothing new: no run, the pointer stays.
        Refresh.Outcome idle = refresh(in, root, "r3", "refresh.keep-runs = 2");
        assertTrue(idle.runId().isEmpty());
        assertTrue(idle.message().contains("nothing new"), idle.message());
        assertFalse(Files.exists(root.resolve("runs/r3")));

        // A failed run leaves the pointer where it was; the next refresh removes what it left.
        write(in.resolve("c.jsonl"), 30, 33);
        assertThrows(Exception.class, () -> refresh(in, root, "r3", "artifacts = [shards]\n"
                + "shards.tokenizer = " + CorpusRun.quote(dir.resolve("no-tokenizer"))));
        assertEquals("r2", latest(root));
        assertFalse(Files.exists(root.resolve("runs/r3/" + OutputLayout.MANIFEST)));

        // A live lease of another refresh: refused at once, naming the holder.
        write(in.resolve("a.jsonl"), 40, 42);
        Files.writeString(root.resolve(Lease.FILE), "{\"owner\":\"alice@build-7 pid 42\",\"started\":\"" + Instant.now()
                + "\",\"expires\":\"" + Instant.now().plusSeconds(3600) + "\"}");
        LeaseHeldException held = assertThrows(LeaseHeldException.class,
                () -> refresh(in, root, "r4", "refresh.keep-runs = 2"));
        assertTrue(held.getMessage().contains("alice@build-7 pid 42"), held.getMessage());
        assertEquals("r2", latest(root));

        // A stale lease is taken over. The changed a.jsonl is read again; with keep-runs = 2, r1 keeps
        // only its manifest and report; shards-from = all builds the shards from every kept run.
        Files.writeString(root.resolve(Lease.FILE), "{\"owner\":\"alice@build-7 pid 42\",\"started\":\"2020-01-01T00:00:00Z\","
                + "\"expires\":\"2020-01-01T12:00:00Z\"}");
        refresh(in, root, "r4", "refresh.keep-runs = 2\nrefresh.shards-from = all");
        assertFalse(Files.exists(root.resolve(Lease.FILE)), "released");
        JsonNode r4 = json(root.resolve("runs/r4/" + OutputLayout.MANIFEST)).path("refresh").path("inputs");
        assertEquals(1, r4.path("changed").size());
        assertEquals(1, r4.path("new").size());
        assertFalse(Files.exists(root.resolve("runs/r3")), "the failed run is gone");
        assertEquals("r4", latest(root));
        try (var files = Files.list(root.resolve("runs/r1"))) {
            assertEquals(List.of(OutputLayout.MANIFEST, OutputLayout.REPORT), files.map(f -> f.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList());
        }
        assertTrue(Files.exists(root.resolve("runs/r2/documents")));
        // r4's own documents are its 3 + 2 new ones; its shards and the newest fingerprints hold every
        // kept document: r1's 20, r2's 5, r4's 3 + 2.
        assertEquals(5, SparkTestSession.get().read().parquet(root.resolve("runs/r4/documents").toString()).count());
        assertEquals(30, shardDocuments(root.resolve("runs/r4")), "shards-from = all: r1's, r2's and r4's documents");
        assertEquals(30, SparkTestSession.get().read().parquet(root.resolve("runs/r4/fingerprints").toString()).count());
    }
}
