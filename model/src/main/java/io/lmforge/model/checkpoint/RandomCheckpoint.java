package io.lmforge.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.GsonBuilder;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.nn.DeepSeekModel;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A self-contained checkpoint of seeded random weights with a byte-level tokenizer: the files
 * {@link CheckpointModel} loads (weights, {@code config.json}, {@code tokenizer.json}), for the
 * benchmarks and tests that need a real checkpoint of a given size and no training run. The
 * tokenizer's ids 0-3 are {@code <bos> <eos> <pad> <unk>}, id 4 + b is byte b; ids the model's
 * larger vocabulary has beyond 259 decode to nothing.
 */
public final class RandomCheckpoint {
    /** Ids of the byte-level tokenizer: 4 specials and 256 bytes. */
    public static final int TOKENIZER_VOCAB = 260;

    private RandomCheckpoint() {
    }

    /** Writes the checkpoint into {@code dir} (created) and returns it. */
    public static Path write(Path dir, ModelConfig config, long seed) throws IOException {
        if (config.vocabSize() < TOKENIZER_VOCAB) {
            throw new IllegalArgumentException("vocabulary " + config.vocabSize() + " < " + TOKENIZER_VOCAB
                    + " (the byte-level tokenizer's)");
        }
        Files.createDirectories(dir);
        byte[] tokenizer = tokenizerJson().getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve(CheckpointFiles.TOKENIZER), tokenizer);
        Map<String, Integer> special = new LinkedHashMap<>();
        special.put("bos", 0);
        special.put("eos", 1);
        special.put("pad", 2);
        special.put("unk", 3);
        Files.write(dir.resolve(CheckpointFiles.CONFIG),
                new CheckpointFiles.Config(config, special, CheckpointFiles.sha256(tokenizer)).toJson());
        try (NDManager manager = NDManager.newBaseManager()) {
            DeepSeekModel model = new DeepSeekModel(config).initialize(manager, DataType.FLOAT32, seed);
            NDList arrays = new NDList();
            model.namedParameters().forEach((name, p) -> {
                NDArray a = p.getArray();
                a.setName(name);
                arrays.add(a);
            });
            try (OutputStream out = Files.newOutputStream(dir.resolve(CheckpointFiles.WEIGHTS_PREFIX + ".safetensors"))) {
                arrays.encode(out, NDList.Encoding.SAFETENSORS);
            }
        }
        return dir;
    }

    /** The byte-level Hugging Face tokenizer.json described above (no merges). */
    public static String tokenizerJson() {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<Map<String, Object>> added = new ArrayList<>();
        String[] specials = {"<bos>", "<eos>", "<pad>", "<unk>"};
        for (int i = 0; i < specials.length; i++) {
            vocab.put(specials[i], i);
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", i);
            t.put("content", specials[i]);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
            added.add(t);
        }
        char[] byteChar = byteChars();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(byteChar[b]), 4 + b);
        }
        Map<String, Object> byteLevel = new LinkedHashMap<>();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", false);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", null);
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("vocab", vocab);
        model.put("merges", List.of());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", "1.0");
        json.put("truncation", null);
        json.put("padding", null);
        json.put("added_tokens", added);
        json.put("normalizer", null);
        json.put("pre_tokenizer", byteLevel);
        json.put("post_processor", null);
        json.put("decoder", byteLevel);
        json.put("model", model);
        return new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(json);
    }

    /** GPT-2's byte-to-character table, which Hugging Face's ByteLevel uses. */
    private static char[] byteChars() {
        char[] out = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = printable ? (char) b : (char) (256 + n++);
        }
        return out;
    }
}
