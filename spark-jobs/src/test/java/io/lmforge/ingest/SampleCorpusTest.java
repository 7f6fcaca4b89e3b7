package io.lmforge.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed sample corpus through the committed {@code conf/sample.conf}: the README's first
 * command, minus the CLI. Its relative paths are resolved against the repository root, as they are
 * when the command runs there.
 */
class SampleCorpusTest {
    @TempDir
    static Path dir;
    static CorpusRun run;

    @BeforeAll
    static void runSample() throws IOException {
        Path samples = TestData.repoRoot().resolve("samples");
        run = CorpusRun.ingestOnly(TestData.config("sample.conf", "samples/", samples), dir.resolve("out"));
    }

    @Test
    void everySourceBalancesWithTheExpectedCounts() throws IOException {
        JsonNode manifest = run.manifest();
        assertTrue(manifest.at("/accounting/holds").asBoolean());
        // source -> {input, kept, rejected, quarantined}
        Map<String, long[]> expected = Map.of(
                "web", new long[]{15, 12, 3, 0},
                "books", new long[]{1, 1, 0, 0},
                "zh", new long[]{22, 22, 0, 0},
                "code", new long[]{13, 9, 4, 0},
                "wiki", new long[]{7, 5, 2, 0},
                "faq", new long[]{36, 36, 0, 0});
        expected.forEach((source, counts) -> {
            JsonNode s = manifest.at("/sources/" + source);
            assertEquals(counts[0], s.get("input").asLong(), source + " input");
            assertEquals(counts[1], s.get("kept").asLong(), source + " kept");
            assertEquals(counts[2], s.get("rejected").asLong(), source + " rejected");
            assertEquals(counts[3], s.get("quarantined").asLong(), source + " quarantined");
        });
    }

    @Test
    void domainsComeFromSourcesAndRecords() {
        assertEquals(36, run.documents().filter(col("domain").equalTo("python-faq")).count());
        assertEquals(22, run.documents().filter(col("domain").equalTo("chinese")).count());
        assertEquals("论语·学而篇", run.documents().filter(col("file").equalTo("lunyu/01-学而篇.md")).first().getAs("title"));
    }
}
