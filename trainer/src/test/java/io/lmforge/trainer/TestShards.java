package io.lmforge.trainer;

import com.google.gson.GsonBuilder;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes token shards in the shards format (HELPERS.md) with parquet-mr, laid out as Spark
 * writes them (three-level lists, zstd), until the tokenization stage's real shards exist.
 *
 * <p>Tokens follow a per-domain pattern with noise, so a model can learn them: in domain "web"
 * the next token is (t · 3 + 1) mod V, in "code" (t + 7) mod V, with a random token 10% of the time.
 */
public final class TestShards {
    public static final MessageType SPARK_SCHEMA = MessageTypeParser.parseMessageType("""
            message spark_schema {
              optional group input_ids (LIST) { repeated group list { optional int32 element; } }
              optional binary domain (STRING);
              optional group doc_starts (LIST) { repeated group list { optional int32 element; } }
            }""");
    public static final MessageType LEGACY_SCHEMA = MessageTypeParser.parseMessageType("""
            message legacy {
              required group input_ids (LIST) { repeated int32 array; }
              required binary domain (UTF8);
            }""");

    private TestShards() {
    }

    /** One window: tokens (seqLen + 1), its domain and document starts. */
    public record Row(int[] tokens, String domain, int[] docStarts) {
    }

    /**
     * Writes {@code dir/manifest.json}, {@code dir/train/part-*.parquet} ({@code trainFiles} files of
     * {@code trainRowsPerFile} windows) and one val file of {@code valRows} windows.
     */
    public static Path write(Path dir, int seqLen, int vocab, int trainFiles, int trainRowsPerFile, int valRows, long seed)
            throws IOException {
        return write(dir, seqLen, vocab, trainFiles, trainRowsPerFile, valRows, seed, 0);
    }

    /**
     * As above, with the ends of windows padded: a window gets a random number in
     * [0, maxPadding] of trailing {@code pad} (2) tokens, as the last window of a packed corpus
     * has, so micro-batches score different numbers of targets.
     */
    public static Path write(Path dir, int seqLen, int vocab, int trainFiles, int trainRowsPerFile, int valRows, long seed,
                             int maxPadding) throws IOException {
        Random random = new Random(seed);
        Map<String, Object> splits = new LinkedHashMap<>();
        List<String> trainNames = new ArrayList<>();
        long trainTokens = 0;
        for (int f = 0; f < trainFiles; f++) {
            String name = String.format("part-%05d.zstd.parquet", f);
            List<Row> rows = rows(random, trainRowsPerFile, seqLen, vocab);
            for (Row r : rows) {
                int pad = maxPadding == 0 ? 0 : random.nextInt(maxPadding + 1);
                java.util.Arrays.fill(r.tokens(), r.tokens().length - pad, r.tokens().length, 2);
            }
            writeFile(dir.resolve("train").resolve(name), SPARK_SCHEMA, rows);
            trainNames.add(name);
            trainTokens += (long) rows.size() * seqLen;
        }
        List<Row> val = rows(random, valRows, seqLen, vocab);
        writeFile(dir.resolve("val").resolve("part-00000.zstd.parquet"), SPARK_SCHEMA, val);
        splits.put("train", Map.of("sequences", trainFiles * trainRowsPerFile, "tokens", trainTokens,
                "tokens_by_domain", Map.of("web", trainTokens / 2, "code", trainTokens / 2), "files", trainNames));
        splits.put("val", Map.of("sequences", valRows, "tokens", (long) valRows * seqLen,
                "tokens_by_domain", Map.of("web", valRows * seqLen / 2, "code", valRows * seqLen / 2),
                "files", List.of("part-00000.zstd.parquet")));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("seq_len", seqLen);
        manifest.put("vocab_size", vocab);
        manifest.put("tokenizer_sha256", "test");
        manifest.put("seed", seed);
        manifest.put("special_tokens", Map.of("bos", 0, "eos", 1, "pad", 2, "unk", 3));
        manifest.put("splits", splits);
        Files.writeString(dir.resolve("manifest.json"), new GsonBuilder().setPrettyPrinting().create().toJson(manifest),
                StandardCharsets.UTF_8);
        return dir;
    }

    public static List<Row> rows(Random random, int n, int seqLen, int vocab) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String domain = i % 2 == 0 ? "web" : "code";
            int[] t = new int[seqLen + 1];
            int docStart = 1 + random.nextInt(seqLen - 1);
            t[0] = 0;
            for (int j = 1; j <= seqLen; j++) {
                if (j == docStart) {
                    t[j] = 0;                                    // <bos> of the next document
                } else if (random.nextInt(10) == 0) {
                    t[j] = 4 + random.nextInt(vocab - 4);
                } else {
                    int prev = Math.max(t[j - 1], 4);
                    int next = domain.equals("web") ? (prev * 3 + 1) % vocab : (prev + 7) % vocab;
                    t[j] = Math.max(next, 4);
                }
            }
            rows.add(new Row(t, domain, new int[]{0, docStart}));
        }
        return rows;
    }

    public static void writeFile(Path file, MessageType schema, List<Row> rows) throws IOException {
        Files.createDirectories(file.getParent());
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        boolean threeLevel = schema.getType("input_ids").asGroupType().getType(0).isRepetition(
                org.apache.parquet.schema.Type.Repetition.REPEATED) && !schema.getType("input_ids").asGroupType().getType(0).isPrimitive();
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
                .withType(schema).withConf(new Configuration())
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
            for (Row r : rows) {
                Group g = groups.newGroup();
                if (r.tokens() != null) {
                    list(g.addGroup("input_ids"), r.tokens(), threeLevel);
                }
                g.add("domain", r.domain());
                if (schema.containsField("doc_starts") && r.docStarts() != null) {
                    list(g.addGroup("doc_starts"), r.docStarts(), threeLevel);
                }
                writer.write(g);
            }
        }
    }

    private static void list(Group list, int[] values, boolean threeLevel) {
        for (int v : values) {
            if (threeLevel) {
                list.addGroup("list").add("element", v);
            } else {
                list.add("array", v);
            }
        }
    }
}
