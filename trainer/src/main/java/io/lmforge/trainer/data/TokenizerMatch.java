package io.lmforge.trainer.data;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.shards.ShardManifest;

import java.nio.file.Path;

/**
 * The check that a model used with shards (a run's initial weights, a LoRA base, a distillation
 * teacher) was trained with the tokenizer the shards were made with: otherwise a token id would
 * stand for other text to the model. Tokenizers are compared by the SHA-256 of their
 * {@code tokenizer.json}, which a checkpoint records as its config's {@code tokenizer_sha256} and
 * a corpus run as the shards manifest's.
 */
public final class TokenizerMatch {
    private TokenizerMatch() {
    }

    /** A tokenizer's SHA-256 (empty where none was recorded) and where it was read, for the error. */
    public record Hash(String sha256, String source) {
        public static Hash ofCheckpoint(Path dir, CheckpointFiles.Config config) {
            return new Hash(config.tokenizerSha256(), "tokenizer_sha256 in " + dir.resolve(CheckpointFiles.CONFIG));
        }

        /** The SHA-256 of a {@code tokenizer.json} itself, for models that record none (Hugging Face exports). */
        public static Hash ofFile(String sha256, Path tokenizer) {
            return new Hash(sha256, tokenizer.toString());
        }

        static Hash ofShards(ShardManifest shards) {
            return new Hash(shards.tokenizerSha256(), "tokenizer_sha256 in " + shards.root() + "/" + ShardManifest.FILE);
        }

        boolean recorded() {
            return !sha256.isEmpty();
        }

        @Override
        public String toString() {
            return (recorded() ? sha256 : "not recorded") + " (" + source + ")";
        }
    }

    /**
     * What an unrecorded hash means. Older checkpoints and shards recorded none; each caller keeps
     * the policy it has always had, since tightening one would refuse runs that work today.
     */
    public enum Unrecorded {
        /** An unrecorded hash on either side skips the check. */
        EITHER_SKIPS,
        /** The model's unrecorded hash skips the check; the shards' must match the model's. */
        MODEL_SKIPS,
        /** No skip: an unrecorded hash matches only another unrecorded one. */
        NONE_SKIPS
    }

    /**
     * @param model  the model, as the error names it (e.g. {@code "--init-from runs/base"})
     * @param remedy what to do instead, ending the error
     * @throws InvalidConfigException when the two differ, naming where each hash was read
     */
    public static void require(String model, Hash modelHash, ShardManifest shards, Unrecorded unrecorded, String remedy) {
        Hash shardsHash = Hash.ofShards(shards);
        boolean skipped = switch (unrecorded) {
            case EITHER_SKIPS -> !modelHash.recorded() || !shardsHash.recorded();
            case MODEL_SKIPS -> !modelHash.recorded();
            case NONE_SKIPS -> false;
        };
        if (!skipped && !modelHash.sha256().equals(shardsHash.sha256())) {
            throw new InvalidConfigException(model + " was trained with the tokenizer of SHA-256 " + modelHash
                    + ", but the shards were made with the tokenizer of SHA-256 " + shardsHash + "; " + remedy);
        }
    }
}
