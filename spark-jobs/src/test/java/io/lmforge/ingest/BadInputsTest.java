package io.lmforge.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code conf/bad-inputs.conf} on the corpus {@link BadInputs} writes: every bad input the issue
 * lists, in every format, in one run. The run finishes, the identity holds exactly per source in
 * manifest.json, and every good record is in documents/.
 */
class BadInputsTest {
    @TempDir
    static Path dir;
    static CorpusRun run;

    @BeforeAll
    static void runBadInputs() throws IOException {
        Path corpus = dir.resolve("bad-inputs");
        BadInputs.write(corpus);
        run = CorpusRun.ingestOnly(TestData.config("bad-inputs.conf", ".cache/bad-inputs/", corpus), dir.resolve("out"));
    }

    @Test
    void theIdentityHoldsExactlyPerSourceInTheManifest() throws IOException {
        JsonNode manifest = run.manifest();
        assertTrue(manifest.at("/accounting/holds").asBoolean());
        BadInputs.EXPECTED.forEach((source, counts) -> {
            JsonNode s = manifest.at("/sources/" + source);
            assertEquals(List.of(counts[0], counts[1], counts[2], counts[3]),
                    List.of(s.get("input").asLong(), s.get("kept").asLong(), s.get("rejected").asLong(),
                            s.get("quarantined").asLong()), source + ": input, kept, rejected, quarantined");
            assertEquals(s.get("input").asLong(),
                    s.get("kept").asLong() + s.get("rejected").asLong() + s.get("quarantined").asLong());
        });
    }

    @Test
    void onlyGoodRecordsAreKept() {
        List<Row> docs = run.documents().collectAsList();
        long expected = BadInputs.EXPECTED.values().stream().mapToLong(c -> c[1]).sum();
        assertEquals(expected, docs.size());
        for (Row r : docs) {
            String text = r.getAs("text");
            assertTrue(text.startsWith("good") || text.contains("good:"), r.getAs("source") + " kept: " + text);
        }
    }

    @Test
    void everyQuarantineRowNamesFileOffsetAndError() {
        List<Row> rows = run.quarantine().collectAsList();
        for (Row r : rows) {
            assertTrue(r.<String>getAs("file").contains("/bad-inputs/"), r.toString());
            assertTrue(r.<Long>getAs("offset") >= 0, r.toString());
            assertTrue(!r.<String>getAs("error").isBlank(), r.toString());
        }
        Map<String, List<String>> warc = run.quarantine().filter(col("source").equalTo("warc")).collectAsList().stream()
                .collect(Collectors.groupingBy(r -> r.<String>getAs("file").replaceAll(".*/", ""),
                        Collectors.mapping(r -> r.getAs("error"), Collectors.toList())));
        String crawl = String.join("\n", warc.get("crawl.warc.gz"));
        assertTrue(crawl.contains("35 bytes between gzip members that are not gzip data"), crawl);
        assertTrue(crawl.contains("corrupt gzip member at offset"), crawl);
        assertTrue(crawl.contains("over the limit of 65536 bytes"), crawl);
        assertTrue(crawl.contains("the file ends inside the gzip member at offset"), crawl);
        assertTrue(warc.get("plain.warc").get(0).startsWith("13 bytes that are not a WARC record"), warc.toString());
    }
}
