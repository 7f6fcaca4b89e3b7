package io.lmforge.filter;

import com.google.common.hash.Hashing;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.tokenizer.DocumentEncoder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.udf;

/**
 * Length bounds counted in tokens of a tokenizer ({@code tokenizer.json}, Hugging Face format: a
 * released one such as DeepSeek-V3's, or one an earlier run's {@code tokenizer} stage trained).
 * The source documents keep 512 to 2,048 tokens; off by default, because it needs a tokenizer and
 * a corpus of short answers would lose most rows. The file is read once, on the driver (any
 * Hadoop path), and travels with the task; each executor JVM builds one encoder from it
 * ({@link DocumentEncoder}: our JVM encoder where it reproduces the tokenizer, Hugging Face's Rust
 * library for the rest; the same counts either way; special tokens never matched in text).
 *
 * @param tokenizer the configured path, for messages
 * @param json      the tokenizer.json text
 * @param sha256    of {@code json}: the key executors share an encoder by
 */
record TokenCount(String tokenizer, String json, String sha256, long min, long max) implements FilterStep {
    static final String SIGNAL = "token_count";

    static TokenCount from(Settings s) {
        if (!s.has("tokenizer")) {
            throw new InvalidConfigException(s.name("tokenizer") + " is required: the path of a tokenizer.json");
        }
        String path = s.string("tokenizer");
        String json = read(s, path);
        try {
            encoder(json, sha256(json));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(s.name("tokenizer") + " = '" + path + "': " + e.getMessage());
        }
        TokenCount out = new TokenCount(path, json, sha256(json), s.longValue("min"), s.longValue("max"));
        s.requireNoUnknownKeys();
        return out;
    }

    private static String read(Settings s, String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(new Configuration());
            if (!fs.isFile(p)) {
                throw new InvalidConfigException(s.name("tokenizer") + " = '" + path + "': no such file");
            }
            try (FSDataInputStream in = fs.open(p)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new InvalidConfigException(s.name("tokenizer") + " = '" + path + "': cannot read it: " + e.getMessage());
        }
    }

    private static DocumentEncoder encoder(String json, String sha256) {
        return DocumentEncoder.shared(sha256, DocumentEncoder.Choice.AUTO, () -> json.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(String json) {
        return Hashing.sha256().hashString(json, StandardCharsets.UTF_8).toString();
    }

    @Override
    public String name() {
        return "token-count";
    }

    @Override
    public Map<String, Column> signals() {
        String key = sha256;
        String text = json;
        UDF1<String, Integer> count = t -> t == null ? null : encoder(text, key).encode(new String[]{t}, 1).ids()[0].length;
        return Map.of(SIGNAL, udf(count, DataTypes.IntegerType).apply(TextViews.text()));
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("too_few_tokens", SIGNAL, min), Rules.above("too_many_tokens", SIGNAL, max));
    }

    @Override
    public String toString() {
        // The record's default would print the whole tokenizer.json.
        return "TokenCount[" + tokenizer + ", min=" + min + ", max=" + max + "]";
    }
}
