package io.lmforge.cli.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lmforge.cli.SampleCorpusRun;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.SparkTestSession;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code notebooks/corpus-explorer.zpln}, the Zeppelin note for exploring a corpus run: its JSON is
 * a Zeppelin note, and every {@code %spark.sql} paragraph, with the note's {@code run} form set to
 * a real run of {@code conf/sample.conf}, runs through Spark SQL in order (as Zeppelin's Spark SQL
 * interpreter runs them: one session, statements split at semicolons) and returns rows.
 *
 * <p>The run is {@link SampleCorpusRun}: the committed sample config plus a second source reading the
 * same FAQ file, so that the duplicate-clusters paragraph has clusters to show.
 */
class CorpusExplorerNoteTest {
    static final Path NOTE = TestData.repoRoot().resolve("notebooks/corpus-explorer.zpln");
    /** A note-level text form (shared by every paragraph), as Zeppelin writes it: $${run=default}. */
    static final Pattern RUN_FORM = Pattern.compile("\\$\\$\\{run=([^}]*)\\}");

    static CorpusRun run;
    static JsonNode note;

    @BeforeAll
    static void runTheSampleCorpus() throws IOException {
        note = new ObjectMapper().readTree(NOTE.toFile());
        run = SampleCorpusRun.get();
    }

    static Map<String, String> paragraphs(String interpreter) {
        Map<String, String> byTitle = new LinkedHashMap<>();
        for (JsonNode p : note.get("paragraphs")) {
            String text = p.get("text").asText();
            String first = text.lines().findFirst().orElse("").strip();
            if (first.equals(interpreter)) {
                byTitle.put(p.get("title").asText(), text.substring(text.indexOf('\n') + 1));
            }
        }
        return byTitle;
    }

    @Test
    void isAZeppelinNoteWithARunForm() {
        assertEquals("corpus-explorer", note.get("name").asText());
        assertEquals("spark", note.get("defaultInterpreterGroup").asText());
        assertTrue(note.get("version").asText().startsWith("0.12"));
        assertNotNull(note.get("config"));
        assertEquals("TextBox", note.at("/noteForms/run/type").asText());
        assertFalse(note.at("/noteParams/run").asText().isEmpty());
        Set<String> ids = new HashSet<>();
        for (JsonNode p : note.get("paragraphs")) {
            assertTrue(ids.add(p.get("id").asText()), "unique paragraph id " + p.get("id"));
            assertTrue(p.get("text").asText().startsWith("%"), "an interpreter on each paragraph");
            assertTrue(p.has("config") && p.has("settings") && p.has("title"));
            // Only the note form, always with the same default (a paragraph run alone still works).
            Matcher m = RUN_FORM.matcher(p.get("text").asText());
            while (m.find()) {
                assertEquals(note.at("/noteParams/run").asText(), m.group(1));
            }
            assertFalse(RUN_FORM.matcher(p.get("text").asText()).replaceAll("").contains("${"), "no other form");
        }
        assertTrue(paragraphs("%spark.sql").size() >= 10);
    }

    @Test
    void everySqlParagraphReturnsRowsOnASampleRun() {
        SparkSession spark = SparkTestSession.get();
        String runPath = run.out.toAbsolutePath().toString();
        Map<String, List<Row>> results = new LinkedHashMap<>();
        paragraphs("%spark.sql").forEach((title, text) -> {
            String sql = RUN_FORM.matcher(text).replaceAll(Matcher.quoteReplacement(runPath));
            Dataset<Row> last = null;
            for (String statement : sql.split(";\\s*(\\n|$)")) {
                if (!statement.strip().isEmpty()) {
                    last = spark.sql(statement);
                }
            }
            assertNotNull(last, title);
            List<Row> rows = last.collectAsList();
            assertFalse(rows.isEmpty(), "paragraph '" + title + "' returned no rows");
            results.put(title, rows);
        });

        // A few figures the sample run fixes, to see each paragraph reads what it says it does.
        Map<String, Long> views = new LinkedHashMap<>();
        results.get("Views over the run").forEach(r -> views.put(r.getString(0), r.getLong(1)));
        assertEquals(run.documents().count(), views.get("documents"));
        assertEquals(run.rejected().count(), views.get("rejected"));

        List<String> sources = new ArrayList<>();
        for (Row r : results.get("Funnel by source")) {
            sources.add(r.getAs("source"));
            assertEquals(r.<Long>getAs("input"), r.<Long>getAs("kept") + r.<Long>getAs("rejected") + r.<Long>getAs("quarantined"));
        }
        assertEquals(Set.of("web", "books", "zh", "code", "wiki", "faq", "faq-mirror"), Set.copyOf(sources));

        assertTrue(results.get("Funnel by source, stage and reason").stream()
                .anyMatch(r -> r.getAs("stage").equals("ingest") && r.getAs("reason").equals("http_status")));

        Row biggest = results.get("Duplicate clusters").get(0);
        assertTrue(biggest.<Long>getAs("cluster_size") >= 2);
        assertNotNull(biggest.getAs("kept_text"), "the kept copy's text from documents/");

        Map<String, Row> mixture = new LinkedHashMap<>();
        results.get("Mixture: configured weights against the shards").forEach(r -> mixture.put(r.getAs("domain"), r));
        assertEquals(0.35, mixture.get("web").<Double>getAs("configured_weight"), 1e-9);
        assertTrue(mixture.get("web").<Long>getAs("train_tokens") > 0);
        assertEquals("excluded (no weight)", mixture.get("books").getAs("status"));

        for (Row r : results.get("Tokens per domain in the shards")) {
            if (r.getAs("tokens") != null) {
                assertEquals(r.<Long>getAs("manifest_tokens"), r.<Long>getAs("tokens"), "shard files and manifest agree: " + r);
            }
        }
        // Some ingest rejections carry no text (an HTTP error's body is not extracted); the others do.
        assertTrue(results.get("Rejected samples per reason").stream()
                .anyMatch(r -> r.getAs("reason").equals("exact_duplicate") && r.getAs("text") != null));
    }
}
