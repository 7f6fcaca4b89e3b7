package io.lmforge.trainer;

import com.google.gson.GsonBuilder;
import io.lmforge.model.checkpoint.CheckpointFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level Hugging Face tokenizer.json without merges: ids 0-3 are {@code <bos> <eos> <pad>
 * <unk>} (the shards' special tokens), id 4 + b is byte b, so its vocabulary is 260 and every
 * non-ASCII character spans several tokens.
 */
public final class TestTokenizer {
    public static final int VOCAB = 260;

    private TestTokenizer() {
    }

    public static String json() {
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

    /**
     * Writes test shards of this vocabulary at {@code dir/shards} and the tokenizer at
     * {@code dir/tokenizer/tokenizer.json}, with its SHA-256 in the shards manifest, as a corpus run lays them out.
     */
    public static Path writeCorpus(Path dir, int seqLen) throws IOException {
        Path shards = TestShards.write(dir.resolve("shards"), seqLen, VOCAB, 2, 12, 8, 5);
        byte[] tokenizer = json().getBytes(StandardCharsets.UTF_8);
        Files.createDirectories(dir.resolve("tokenizer"));
        Files.write(dir.resolve("tokenizer/tokenizer.json"), tokenizer);
        Files.writeString(dir.resolve("tokenizer/tokenizer_config.json"), "{\"model_max_length\": 64}");
        Path manifest = shards.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replace("\"tokenizer_sha256\": \"test\"",
                "\"tokenizer_sha256\": \"" + CheckpointFiles.sha256(tokenizer) + "\""));
        return shards;
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
