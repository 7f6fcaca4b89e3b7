package io.lmforge.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.TestData;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parquet files written with parquet-mr (several row groups each), holding real text (the
 * reStructuredText sources of Python's documentation): configurable columns, row offsets, and
 * what happens to null text, bad UTF-8, oversized values, missing columns and broken files.
 */
class ParquetIngestTest {
    static final MessageType DOCS = MessageTypeParser.parseMessageType(
            "message docs { required int64 id; optional binary text (STRING); optional binary url (STRING);"
                    + " optional binary html (STRING); }");
    static final MessageType OTHER = MessageTypeParser.parseMessageType(
            "message other { required binary key (STRING); optional binary body (STRING); optional binary topic (STRING); }");

    @TempDir
    static Path dir;
    static CorpusRun run;
    static List<String> texts;

    @BeforeAll
    static void ingest() throws IOException {
        Path sources = TestData.path("python-doc/html/_sources/library");
        try (Stream<Path> files = Files.list(sources)) {
            texts = new ArrayList<>();
            for (Path p : files.sorted().limit(300).collect(Collectors.toList())) {
                String t = Files.readString(p);
                if (t.length() < 60_000 && !t.isBlank()) {
                    texts.add(t);
                }
            }
        }
        Path docs = Files.createDirectories(dir.resolve("docs"));
        SimpleGroupFactory groups = new SimpleGroupFactory(DOCS);
        List<Group> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            Group g = groups.newGroup().append("id", 1000L + i).append("text", texts.get(i))
                    .append("url", "https://docs.python.org/3.11/library/" + i)
                    .append("html", "<div>" + texts.get(i) + "</div>");
            rows.add(g);
        }
        rows.add(groups.newGroup().append("id", 1L));                                            // null text
        rows.add(groups.newGroup().append("id", 2L).append("text", "  \n "));                    // blank
        rows.add(groups.newGroup().append("id", 3L).append("text",
                Binary.fromConstantByteArray(new byte[]{'o', 'k', (byte) 0xC3, '('})));          // bad UTF-8
        rows.add(groups.newGroup().append("id", 4L).append("text", "y".repeat(300_000)));      // over the limit
        rows.add(groups.newGroup().append("id", 5L).append("text", "The last row survives."));
        write(docs.resolve("docs.parquet"), DOCS, rows);

        // The same layout cut in half: the footer is gone.
        byte[] whole = Files.readAllBytes(docs.resolve("docs.parquet"));
        Files.write(docs.resolve("truncated.parquet"), Arrays.copyOf(whole, whole.length / 2));
        Files.write(docs.resolve("corrupt.parquet"), "PAR1 this is not a parquet file at all".getBytes(StandardCharsets.US_ASCII));

        // Another layout: no 'text' column. Under the docs source it is quarantined whole; a
        // second source reads it with its own column names.
        Path other = Files.createDirectories(dir.resolve("other"));
        SimpleGroupFactory og = new SimpleGroupFactory(OTHER);
        write(other.resolve("other.parquet"), OTHER, List.of(
                og.newGroup().append("key", "k1").append("body", texts.get(0)).append("topic", "python-docs"),
                og.newGroup().append("key", "k2").append("body", texts.get(1))));
        Files.copy(other.resolve("other.parquet"), docs.resolve("other.parquet"));

        run = CorpusRun.ingestOnly("sources = [\n"
                + " { name = docs, format = parquet, path = " + CorpusRun.quote(docs) + "/\"*.parquet\", max-record-bytes = 256 KiB }\n"
                + " { name = other, format = parquet, path = " + CorpusRun.quote(other)
                + ", text-column = body, id-column = key, domain-column = topic }\n"
                + "]\n", dir.resolve("out"));
    }

    static void write(Path path, MessageType schema, List<Group> rows) throws IOException {
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(path.toString()))
                .withConf(new Configuration()).withType(schema).withRowGroupSize(1024 * 1024L)
                .withPageSize(64 * 1024).build()) {
            for (Group g : rows) {
                w.write(g);
            }
        }
    }

    @Test
    void rowsBecomeDocumentsWithTheirIdsAndRowIndexAsOffset() {
        List<Row> kept = run.documents().filter(col("source").equalTo("docs")).orderBy("offset").collectAsList();
        assertEquals(texts.size() + 1, kept.size());
        for (int i = 0; i < texts.size(); i++) {
            Row r = kept.get(i);
            assertEquals(Long.toString(1000L + i), r.getAs("id"));
            assertEquals((long) i, r.<Long>getAs("offset"));
            assertEquals(texts.get(i), r.getAs("text"));
            assertEquals("https://docs.python.org/3.11/library/" + i, r.getAs("url"));
        }
        assertEquals("The last row survives.", kept.get(texts.size()).getAs("text"));
        assertEquals((long) texts.size() + 4, kept.get(texts.size()).<Long>getAs("offset"));
    }

    @Test
    void nullAndBlankTextsAreRejected() {
        Map<String, Row> rejected = run.rejected().collectAsList().stream().collect(Collectors.toMap(r -> r.getAs("id"), r -> r));
        assertEquals(2, rejected.size());
        assertEquals("empty_text", rejected.get("1").getAs("reason"));
        assertEquals("text column 'text' is null", rejected.get("1").getAs("detail"));
        assertEquals("text column 'text' is blank", rejected.get("2").getAs("detail"));
    }

    @Test
    void badValuesAndBadFilesAreQuarantinedWithFileAndColumn() {
        Map<String, List<String>> errors = run.quarantine().filter(col("source").equalTo("docs")).collectAsList().stream()
                .collect(Collectors.groupingBy(r -> r.<String>getAs("file").replaceAll(".*/", ""),
                        Collectors.mapping(r -> r.<Long>getAs("offset") + " " + r.getAs("error"), Collectors.toList())));
        int n = texts.size();
        assertEquals(List.of((n + 2) + " row " + (n + 2) + ": column 'text' bytes that are not valid UTF-8 at byte 2",
                (n + 3) + " row " + (n + 3) + ": column 'text' holds 300000 bytes, over the limit of 262144 bytes (max-record-bytes)"),
                errors.get("docs.parquet").stream().sorted().collect(Collectors.toList()));
        assertEquals(List.of("0 column 'text' (text-column) not found; the file's columns are key, body, topic; its 2 rows were not read"),
                errors.get("other.parquet"));
        assertTrue(errors.get("corrupt.parquet").get(0).startsWith("0 not a readable Parquet file: "), errors.toString());
        assertTrue(errors.get("truncated.parquet").get(0).startsWith("0 not a readable Parquet file: "), errors.toString());
    }

    @Test
    void columnsAreConfigurablePerSource() throws IOException {
        List<Row> other = run.documents().filter(col("source").equalTo("other")).orderBy("offset").collectAsList();
        assertEquals(2, other.size());
        assertEquals("k1", other.get(0).getAs("id"));
        assertEquals("python-docs", other.get(0).getAs("domain"));
        assertEquals(texts.get(1), other.get(1).getAs("text"));
        JsonNode manifest = run.manifest();
        assertTrue(manifest.at("/accounting/holds").asBoolean());
        assertEquals(texts.size() + 5 + 3, manifest.at("/sources/docs/input").asLong());
    }
}
