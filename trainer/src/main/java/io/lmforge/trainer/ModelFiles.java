package io.lmforge.trainer;

import io.lmforge.model.ModelConfig;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.shards.ShardFormatException;
import io.lmforge.shards.ShardManifest;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files that make a checkpoint self-contained besides the weights: {@code config.json} (the
 * model config and special tokens) and the tokenizer the shards were made with, read once per
 * run from {@code OUT/tokenizer/} beside {@code OUT/shards/} and checked against the shards
 * manifest's {@code tokenizer_sha256}. Every checkpoint gets a copy.
 *
 * @param files   file name to contents
 * @param warning why the tokenizer is missing, or null
 */
record ModelFiles(Map<String, byte[]> files, String warning) {

    static ModelFiles of(ShardManifest shards, ModelConfig model, Configuration hadoop) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(CheckpointFiles.CONFIG,
                new CheckpointFiles.Config(model, shards.specialTokens(), shards.tokenizerSha256()).toJson());
        try {
            FileSystem fs = shards.root().getFileSystem(hadoop);
            Path root = fs.makeQualified(shards.root());
            Path dir = new Path(root.getParent(), "tokenizer");
            Path tokenizer = new Path(dir, CheckpointFiles.TOKENIZER);
            if (!fs.exists(tokenizer)) {
                return new ModelFiles(files, "no tokenizer at " + tokenizer + " (beside the shards): checkpoints will "
                        + "hold no tokenizer, and generation cannot use them");
            }
            byte[] bytes = read(fs, tokenizer);
            String sha = CheckpointFiles.sha256(bytes);
            if (!sha.equals(shards.tokenizerSha256())) {
                throw new ShardFormatException(tokenizer + " has SHA-256 " + sha + ", but the shards were made with the "
                        + "tokenizer of SHA-256 " + shards.tokenizerSha256() + " (" + new Path(root, ShardManifest.FILE)
                        + "): the tokenizer beside the shards is not theirs");
            }
            files.put(CheckpointFiles.TOKENIZER, bytes);
            Path tokenizerConfig = new Path(dir, CheckpointFiles.TOKENIZER_CONFIG);
            if (fs.exists(tokenizerConfig)) {
                files.put(CheckpointFiles.TOKENIZER_CONFIG, read(fs, tokenizerConfig));
            }
            return new ModelFiles(files, null);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the tokenizer beside " + shards.root(), e);
        }
    }

    private static byte[] read(FileSystem fs, Path file) throws IOException {
        try (FSDataInputStream in = fs.open(file)) {
            return in.readAllBytes();
        }
    }
}
