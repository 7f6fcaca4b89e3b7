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
    void everySourceIsReadWholeAndBalances() throws IOException {
        JsonNode manifest = run.manifest();
        assertTrue(manifest.at("/accounting/holds").asBoolean());
        // Input records per source: the readers' counts. Later stages may remove kept records, so
        // only the ingest rejections are fixed here.
        Map<String, Long> input = Map.of("web", 15L, "books", 1L, "zh", 22L, "code", 13L, "wiki", 7L, "faq", 36L);
        input.forEach((source, n) -> {
            JsonNode s = manifest.at("/sources/" + source);
            assertEquals(n, s.get("input").asLong(), source + " input");
            assertEquals(0, s.get("quarantined").asLong(), source + " quarantined");
            assertEquals(n, s.get("kept").asLong() + s.get("rejected").asLong(), source + " kept + rejected");
        });
        Map<String, Long> ingestRejections = Map.of("not_html", 2L, "http_status", 1L, "vendored", 2L, "binary", 1L,
                "generated", 1L, "redirect", 1L, "namespace", 1L);
        ingestRejections.forEach((reason, n) ->
                assertEquals(n, manifest.at("/rejections/ingest/" + reason).asLong(), "ingest rejections: " + reason));
        assertEquals(ingestRejections.size(), manifest.at("/rejections/ingest").size());
    }

    @Test
    void domainsComeFromSourcesAndRecords() {
        assertTrue(run.documents().filter(col("domain").equalTo("python-faq")).count() > 30);
        assertTrue(run.documents().filter(col("domain").equalTo("chinese")).count() > 15);
        assertEquals("论语·学而篇", run.documents().filter(col("file").equalTo("lunyu/01-学而篇.md")).first().getAs("title"));
    }
}
