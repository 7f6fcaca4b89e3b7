package io.lmforge.filter;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.apache.spark.sql.functions.udf;

/**
 * Length bounds counted in tokens of a released tokenizer ({@code tokenizer.json}, Hugging Face
 * format, read through DJL's Rust bindings). The source documents keep 512 to 2,048 tokens; off by
 * default, because it needs a tokenizer file and a corpus of short answers would lose most rows.
 * A UDF: tokenization is native code, with one tokenizer per executor JVM and file.
 */
record TokenCount(String tokenizer, long min, long max) implements FilterStep {
    static final String SIGNAL = "token_count";
    private static final Map<String, HuggingFaceTokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    static TokenCount from(Settings s) {
        if (!s.has("tokenizer")) {
            throw new InvalidConfigException(s.name("tokenizer") + " is required: the path of a tokenizer.json");
        }
        String path = s.string("tokenizer");
        if (!Files.isRegularFile(Path.of(path))) {
            throw new InvalidConfigException(s.name("tokenizer") + " = '" + path + "': no such file");
        }
        TokenCount out = new TokenCount(path, s.longValue("min", 512), s.longValue("max", 2048));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "token-count";
    }

    @Override
    public Map<String, Column> signals() {
        String file = tokenizer;
        UDF1<String, Integer> count = text -> text == null ? null : load(file).encode(text, false, false).getIds().length;
        return Map.of(SIGNAL, udf(count, DataTypes.IntegerType).apply(TextViews.text()));
    }

    static HuggingFaceTokenizer load(String file) {
        return TOKENIZERS.computeIfAbsent(file, f -> {
            try {
                return HuggingFaceTokenizer.builder().optTokenizerPath(Path.of(f))
                        .optTruncation(false).optPadding(false).optMaxLength(Integer.MAX_VALUE).build();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load tokenizer " + f, e);
            }
        });
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("too_few_tokens", SIGNAL, min), Rules.above("too_many_tokens", SIGNAL, max));
    }
}
