package io.lmforge.pipeline;

import io.lmforge.corpus.OutputLayout;
import io.lmforge.ingest.NoInputException;
import io.lmforge.testing.CorpusRun;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner's promises: same inputs give the same outputs, staged publishing, clear input errors. */
class CorpusJobIT {
    @TempDir
    Path dir;

    private String config(Path in) {
        return "sources = [ { name = notes, format = jsonl, path = " + CorpusRun.quote(in) + "/\"*.jsonl\" } ]\n";
    }

    private Path input() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        for (int f = 0; f < 3; f++) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                s.append("{\"text\":\"file ").append(f).append(" record ").append(i).append("\"}\n");
                if (i % 17 == 0) {
                    s.append("{not json}\n");
                }
            }
            Files.writeString(in.resolve("part-" + f + ".jsonl"), s, StandardCharsets.UTF_8);
        }
        return in;
    }

    @Test
    void reRunningWithTheSameInputsGivesTheSameOutputs() throws IOException {
        Path in = input();
        CorpusRun first = CorpusRun.ingestOnly(config(in), dir.resolve("a"));
        CorpusRun second = CorpusRun.ingestOnly(config(in), dir.resolve("b"));
        assertEquals(rows(first.documents()), rows(second.documents()));
        assertEquals(rows(first.quarantine()), rows(second.quarantine()));
        assertEquals(150, first.documents().count());
        assertEquals(9, first.quarantine().count());
        // Derived ids name the source, the file and the byte offset.
        assertTrue(rows(first.documents()).get(0).startsWith("notes:part-0.jsonl@0|"));
    }

    @Test
    void aRunPublishesOnlyFinishedOutputsAndRemovesScratch() throws IOException {
        Path in = input();
        Path out = dir.resolve("out");
        CorpusRun run = CorpusRun.ingestOnly(config(in), out);
        for (String name : List.of(OutputLayout.DOCUMENTS, OutputLayout.REJECTED, OutputLayout.QUARANTINE,
                OutputLayout.REJECTED_SAMPLES, OutputLayout.MANIFEST)) {
            assertTrue(Files.exists(out.resolve(name)), name);
        }
        assertFalse(Files.exists(out.resolve("_staging")));
        assertFalse(Files.exists(out.resolve("_work")));
        assertEquals(run.result.runId(), run.manifest().get("run_id").asText());
        assertEquals("complete", run.manifest().get("status").asText());
    }

    @Test
    void aRerunIntoTheSameDirectoryReplacesTheOldOutputs() throws IOException {
        Path in = input();
        Path out = dir.resolve("out");
        CorpusRun.ingestOnly(config(in), out);
        Files.delete(in.resolve("part-2.jsonl"));
        CorpusRun again = CorpusRun.ingestOnly(config(in), out);
        assertEquals(100, again.documents().count());
        assertEquals(6, again.quarantine().count());
    }

    @Test
    void aPathThatMatchesNothingIsAnErrorNamingIt() {
        Path missing = dir.resolve("nowhere");
        NoInputException e = assertThrows(NoInputException.class, () -> CorpusRun.ingestOnly(
                "sources = [ { name = ghost, format = jsonl, path = " + CorpusRun.quote(missing) + "/\"*.jsonl\" } ]",
                dir.resolve("out")));
        assertTrue(e.getMessage().contains("source 'ghost'"), e.getMessage());
        assertTrue(e.getMessage().contains(missing + "/*.jsonl"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out").resolve(OutputLayout.MANIFEST)));
    }

    @Test
    void anEmptyDirectoryIsAnErrorToo() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        NoInputException e = assertThrows(NoInputException.class, () -> CorpusRun.ingestOnly(
                "sources = [ { name = hollow, format = jsonl, path = " + CorpusRun.quote(empty) + " } ]",
                dir.resolve("out")));
        assertTrue(e.getMessage().contains("no files"), e.getMessage());
    }

    private static List<String> rows(Dataset<Row> ds) {
        return ds.collectAsList().stream()
                .map(r -> r.schema().getFieldIndex("id").isDefined() ? r.getAs("id") + "|" + r.mkString("|") : r.mkString("|"))
                .sorted().collect(Collectors.toList());
    }
}
