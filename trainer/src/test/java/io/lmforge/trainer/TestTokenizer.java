package io.lmforge.trainer;

import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.RandomCheckpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A byte-level Hugging Face tokenizer.json without merges: ids 0-3 are {@code <bos> <eos> <pad>
 * <unk>} (the shards' special tokens), id 4 + b is byte b, so its vocabulary is 260 and every
 * non-ASCII character spans several tokens.
 */
public final class TestTokenizer {
    public static final int VOCAB = 260;

    private TestTokenizer() {
    }

    /** The byte-level tokenizer model/'s {@link RandomCheckpoint} writes (vocabulary 260). */
    public static String json() {
        return RandomCheckpoint.tokenizerJson();
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
}
