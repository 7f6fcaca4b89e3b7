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
 *   bos-token = "&lt;|begin_of_text|&gt;"   # the token each document starts with, or none;
 *                               # default: tokenizer_config.json's bos_token (none if it names none)
 *   eos-token = "&lt;|endoftext|&gt;"       # the token each document ends with, or none; default: its eos_token
 *   scratch-storage = MEMORY_AND_DISK   # where the encoded ids wait for the pack: a Spark storage
 *                               # level; what exceeds the executors' storage memory goes to their disks
 *   mix { ... }                 # see MixSettings
 * }
 * </pre>
 */
public record ShardSettings(int seqLen, long seed, double valFraction, long rowGroupBytes, long fileBytes,
                            DocumentEncoder.Choice encoder, int encodeBatch, Optional<String> tokenizer, MixSettings mix,
                            Optional<String> bosToken, Optional<String> eosToken, String scratchStorage)
        implements Serializable {

    /** The value of bos-token or eos-token that delimits documents without a token on that side. */
    public static final String NONE = "none";

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
        Optional<String> bosToken = s.optionalString("bos-token");
        Optional<String> eosToken = s.optionalString("eos-token");
        for (String key : new String[]{"bos-token", "eos-token"}) {
            if (s.optionalString(key).filter(String::isEmpty).isPresent()) {
                throw new InvalidConfigException(s.name(key) + " must name a token of tokenizer.json, or be none");
            }
        }
        String scratch = s.string("scratch-storage");
        try {
            org.apache.spark.storage.StorageLevel.fromString(scratch);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(s.name("scratch-storage") + " must be a Spark storage level "
                    + "(MEMORY_AND_DISK, MEMORY_AND_DISK_SER, DISK_ONLY, ...), got '" + scratch + "'");
        }
        MixSettings mix = MixSettings.from(s.section("mix"));
        s.requireNoUnknownKeys();
        return new ShardSettings(seqLen, seed, val, rowGroup, file, encoder, batch, tokenizer, mix, bosToken, eosToken, scratch);
    }

    /** The storage level the encoded documents are kept at between the tokenize pass and the pack. */
    public org.apache.spark.storage.StorageLevel scratchLevel() {
        return org.apache.spark.storage.StorageLevel.fromString(scratchStorage);
    }

    /** Tokens per sequence: seq_len inputs, and the targets shifted by one. */
    public int window() {
        return seqLen + 1;
    }
}
