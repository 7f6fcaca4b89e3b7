package io.lmforge.trainer;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.export.HuggingFaceImport;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.data.TokenizerMatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The weights {@code train --init-from} starts a new run from (weights only: the optimizer and
 * schedule start afresh): an lmforge checkpoint, or a run directory (its best checkpoint), or a
 * directory {@code lmforge export --format hf} wrote. Its tokenizer must be the one the shards were
 * made with, else the token ids would mean other text to the model.
 */
final class InitialWeights {
    private InitialWeights() {
    }

    static NDList read(Path path, ShardManifest shards, NDManager manager) throws IOException {
        if (isLmforgeCheckpoint(path)) {
            Path dir = CheckpointFiles.resolve(path);
            CheckpointFiles.Config config = CheckpointFiles.readConfig(dir);
            requireTokenizer(path, TokenizerMatch.Hash.ofCheckpoint(dir, config), shards);
            return CheckpointModel.readWeights(dir, CheckpointFiles.listedHashes(dir), manager);
        }
        Path tokenizer = path.resolve(CheckpointFiles.TOKENIZER);
        if (Files.exists(tokenizer)) {
            requireTokenizer(path, TokenizerMatch.Hash.ofFile(CheckpointFiles.sha256(tokenizer), tokenizer), shards);
        }
        return HuggingFaceImport.read(path, manager);
    }

    /** A run directory, or a checkpoint directory (state.json, or an lmforge config.json: {"format", "model"}). */
    static boolean isLmforgeCheckpoint(Path path) throws IOException {
        if (Files.isDirectory(path.resolve(CheckpointFiles.CHECKPOINTS)) || Files.exists(path.resolve(CheckpointFiles.STATE))) {
            return true;
        }
        Path config = path.resolve(CheckpointFiles.CONFIG);
        if (!Files.exists(config)) {
            return false;
        }
        try {
            JsonElement json = JsonParser.parseString(Files.readString(config));
            return json.isJsonObject() && json.getAsJsonObject().has("format") && json.getAsJsonObject().has("model");
        } catch (JsonParseException e) {
            return false;
        }
    }

    private static void requireTokenizer(Path initFrom, TokenizerMatch.Hash hash, ShardManifest shards) {
        TokenizerMatch.require("--init-from " + initFrom, hash, shards, TokenizerMatch.Unrecorded.EITHER_SKIPS,
                "tokenize the data with the model's own tokenizer (for fine-tuning data: lmforge sft-shards --checkpoint "
                        + initFrom + ")");
    }
}
