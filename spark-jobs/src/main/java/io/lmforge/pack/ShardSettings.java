package io.lmforge.pack;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.mix.MixSettings;
import io.lmforge.tokenizer.DocumentEncoder;

import java.io.Serializable;
import java.util.Optional;

/**
 * The {@code shards { ... }} section.
 * <pre>
 * shards {
 *   seq-len = 2048              # each sequence holds seq-len + 1 tokens (inputs and shifted targets)
 *   seed = 1234                 # document order and sampling; the same seed gives the same shards
 *   val-fraction = 0.005        # of each domain's documents, those with the smallest text hashes (ValSplit)
 *   row-group-size = 128 MB
 *   file-size = 512 MB          # approximate, after compression
 *   encoder = auto              # auto: the JVM encoder (same ids as HF tokenizers, several times faster)
 *                               # when it reproduces the tokenizer, else HF; jvm: the JVM encoder or an
 *                               # error saying why not; hf: Hugging Face tokenizers for every document
 *   encode-batch = 1            # documents per call into HF tokenizers: 1 encodes each on the task's
 *                               # own thread (Spark's tasks already fill the cores); more uses HF's
 *                               # batch API and its thread pool
 *   tokenizer = "/path/to/tokenizer"   # a tokenizer/ directory; default: this run's, else OUT/tokenizer
 *   mix { ... }                 # see MixSettings
 * }
 * </pre>
 */
public record ShardSettings(int seqLen, long seed, double valFraction, long rowGroupBytes, long fileBytes,
                            DocumentEncoder.Choice encoder, int encodeBatch, Optional<String> tokenizer, MixSettings mix)
        implements Serializable {

    public static ShardSettings from(Settings s) {
        int seqLen = s.integer("seq-len");
        if (seqLen < 1) {
            throw new InvalidConfigException(s.name("seq-len") + " must be at least 1, got " + seqLen);
        }
        long seed = s.longValue("seed");
        double val = s.inRange("val-fraction", s.decimal("val-fraction"), 0, 0.5);
        long rowGroup = s.bytes("row-group-size");
        long file = s.bytes("file-size");
        if (rowGroup < (1 << 16) || file < rowGroup) {
            throw new InvalidConfigException(s.name("row-group-size") + " (" + rowGroup + ") must be at least 64 KB and "
                    + s.name("file-size") + " (" + file + ") at least as large");
        }
        String encoderName = s.string("encoder");
        DocumentEncoder.Choice encoder;
        try {
            encoder = DocumentEncoder.Choice.parse(encoderName);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(s.name("encoder") + " must be auto, jvm or hf, got '" + encoderName + "'");
        }
        int batch = s.integer("encode-batch");
        if (batch < 1) {
            throw new InvalidConfigException(s.name("encode-batch") + " must be at least 1, got " + batch);
        }
        Optional<String> tokenizer = s.optionalString("tokenizer");
        MixSettings mix = MixSettings.from(s.section("mix"));
        s.requireNoUnknownKeys();
        return new ShardSettings(seqLen, seed, val, rowGroup, file, encoder, batch, tokenizer, mix);
    }

    /** Tokens per sequence: seq_len inputs, and the targets shifted by one. */
    public int window() {
        return seqLen + 1;
    }
}
