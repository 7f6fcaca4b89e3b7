package io.lmforge.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdOutputStream;
import io.lmforge.testing.CorpusRun;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JSONL ingestion through the whole job, with every kind of bad input the foundation issue
 * lists: the good records around each bad one survive, the bad one lands in quarantine with its
 * file, offset and error, and the accounting identity holds exactly.
 */
class JsonlIngestTest {
    @TempDir
    static Path dir;
    static CorpusRun run;

    @BeforeAll
    static void ingestBadInputs() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        byte[] mixed = concat(
                line("{\"id\":\"a1\",\"text\":\"First good record.\",\"url\":\"https://example.org/a1\"}"),
                line("{\"id\":\"a2\",\"text\":\"broken"),                              // malformed JSON
                line("{\"id\":\"a3\",\"text\":\"Second good record.\"}"),
                line("{\"id\":\"a4\",\"title\":\"no text here\"}"),                    // no text
                "{\"id\":\"a5\",\"text\":\"bad byte \u00ff".getBytes(StandardCharsets.ISO_8859_1), "\"}\n".getBytes(),
                line(""),                                                              // blank: not a record
                line("{\"id\":\"a6\",\"text\":\"   \"}"),                              // empty text: rejected
                line("{\"context\":\"What is 2+2?\",\"response\":\"4.\",\"metadata\":{\"domain\":\"math\",\"difficulty\":\"easy\"}}"),
                line("[1,2,3]"),                                                       // not an object
                line("{\"id\":7,\"text\":\"Numeric id.\"}"));
        Files.write(in.resolve("mixed.jsonl"), mixed);
        Files.write(in.resolve("empty.jsonl"), new byte[0]);

        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            many.append("{\"id\":\"t").append(i).append("\",\"text\":\"Record number ").append(i)
                    .append(" of a file that will be cut short.\"}\n");
        }
        byte[] gz = gzip(many.toString().getBytes(StandardCharsets.UTF_8));
        Files.write(in.resolve("truncated.jsonl.gz"), Arrays.copyOf(gz, gz.length / 2));

        Files.write(in.resolve("ok.jsonl.bz2"), compress(line("{\"id\":\"b1\",\"text\":\"From bzip2.\"}"), "bz2"));
        Files.write(in.resolve("ok.jsonl.zst"), compress(line("{\"id\":\"z1\",\"text\":\"From zstd.\"}"), "zst"));

        // One record over the default 10 MB limit, between two good ones.
        Path big = Files.createDirectories(dir.resolve("big"));
        String huge = "x".repeat(11 << 20);
        Files.write(big.resolve("big.jsonl"), concat(line("{\"id\":\"g1\",\"text\":\"before\"}"),
                line("{\"id\":\"g2\",\"text\":\"" + huge + "\"}"), line("{\"id\":\"g3\",\"text\":\"after\"}")));

        run = CorpusRun.ingestOnly("sources = [\n"
                + " { name = chat, format = jsonl, path = " + CorpusRun.quote(in) + "/\"*\", domain = dialog }\n"
                + " { name = big, format = jsonl, path = " + CorpusRun.quote(big) + " }\n"
                + "]\n"
                + "stages = []\n", dir.resolve("out"));   // ingest alone: later stages would remove records counted here
    }

    @Test
    void goodRecordsAroundBadOnesSurvive() {
        Set<String> ids = run.documents().select("id").collectAsList().stream()
                .map(r -> r.getString(0)).collect(Collectors.toSet());
        assertTrue(ids.containsAll(Set.of("a1", "a3", "7", "b1", "z1", "g1", "g3")), ids.toString());
        // Records before the cut in the truncated gzip are kept; not all of them exist.
        long truncatedKept = ids.stream().filter(i -> i.startsWith("t")).count();
        assertTrue(truncatedKept > 100 && truncatedKept < 2000, "kept " + truncatedKept);
    }

    @Test
    void eachBadRecordIsQuarantinedWithFileOffsetAndError() {
        Map<String, Row> byError = run.quarantine().collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("error"), r -> r, (a, b) -> a));
        Row malformed = find(byError, "line 2: malformed JSON");
        assertTrue(malformed.<String>getAs("file").endsWith("mixed.jsonl"));
        assertEquals(line("{\"id\":\"a1\",\"text\":\"First good record.\",\"url\":\"https://example.org/a1\"}").length,
                malformed.<Long>getAs("offset"));
        assertTrue(malformed.<String>getAs("snippet").startsWith("{\"id\":\"a2\""));
        find(byError, "line 4: no text");
        find(byError, "line 5: bytes that are not valid UTF-8 at byte 28");
        find(byError, "line 9: expected a JSON object");
        find(byError, "unexpected end of data, the file is truncated");
        long bigLine = ("{\"id\":\"g2\",\"text\":\"" + "\"}").length() + (11 << 20);
        Row big = find(byError, "line 2: record of " + bigLine + " bytes is over the limit of 10485760 bytes");
        assertTrue(big.<String>getAs("file").endsWith("big.jsonl"));
        assertEquals(4, run.quarantine().filter(col("file").endsWith("mixed.jsonl")).count());
        assertEquals(1, run.quarantine().filter(col("file").endsWith("big.jsonl")).count());
        // The cut may also leave a partial last line, quarantined as malformed before the error.
        long truncated = run.quarantine().filter(col("file").endsWith("truncated.jsonl.gz")).count();
        assertTrue(truncated == 1 || truncated == 2, "truncated file rows: " + truncated);
        assertEquals(0, run.quarantine().filter(col("file").endsWith("empty.jsonl")).count());
    }

    @Test
    void emptyTextIsRejectedWithAReason() {
        List<Row> rejected = run.rejected().collectAsList();
        assertEquals(1, rejected.size());
        assertEquals("a6", rejected.get(0).getAs("id"));
        assertEquals("ingest", rejected.get(0).getAs("stage"));
        assertEquals("empty_text", rejected.get(0).getAs("reason"));
    }

    @Test
    void contextResponsePairsBecomeTextAndMetadataDomainOverrides() {
        Row pair = run.documents().filter(col("domain").equalTo("math")).first();
        assertEquals("What is 2+2?\n\n4.", pair.getAs("text"));
        assertEquals("easy", pair.<scala.collection.Map<String, String>>getAs("metadata").get("difficulty").get());
        assertTrue(pair.<String>getAs("id").startsWith("chat:mixed.jsonl@"), pair.<String>getAs("id"));
        assertEquals("dialog", run.documents().filter(col("id").equalTo("a1")).first().getAs("domain"));
    }

    @Test
    void accountingIdentityHoldsPerSourceInTheManifest() throws IOException {
        JsonNode manifest = run.manifest();
        assertTrue(manifest.at("/accounting/holds").asBoolean());
        for (String source : List.of("chat", "big")) {
            JsonNode s = manifest.at("/sources/" + source);
            assertEquals(s.get("input").asLong(),
                    s.get("kept").asLong() + s.get("rejected").asLong() + s.get("quarantined").asLong());
        }
        JsonNode big = manifest.at("/sources/big");
        assertEquals(3, big.get("input").asLong());
        assertEquals(2, big.get("kept").asLong());
        assertEquals(1, big.get("quarantined").asLong());
        assertEquals(1, manifest.at("/rejections/ingest/empty_text").asLong());
        assertEquals(run.documents().count(), manifest.at("/sources/chat/kept").asLong() + 2);
    }

    private static Row find(Map<String, Row> byError, String prefix) {
        return byError.entrySet().stream().filter(e -> e.getKey().contains(prefix)).map(Map.Entry::getValue)
                .findFirst().orElseThrow(() -> new AssertionError("no quarantine row with '" + prefix + "' in " + byError.keySet()));
    }

    static byte[] line(String s) {
        return (s + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p);
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        return compress(data, "gz");
    }

    static byte[] compress(byte[] data, String kind) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = switch (kind) {
            case "gz" -> new GZIPOutputStream(bytes);
            case "bz2" -> new BZip2CompressorOutputStream(bytes);
            case "zst" -> new ZstdOutputStream(bytes);
            default -> throw new IllegalArgumentException(kind);
        }) {
            out.write(data);
        }
        return bytes.toByteArray();
    }
}
