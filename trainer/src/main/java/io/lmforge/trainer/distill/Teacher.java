package io.lmforge.trainer.distill;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.data.TokenizerMatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model a student learns from: a trained checkpoint in inference mode. Its weights never
 * take part in autograd (its forward pass runs with grad mode off, so no graph is kept and no
 * gradient reaches it) and it has no optimizer. It must have been trained with the shards'
 * tokenizer, and its vocabulary must be the student's, since the two distributions are compared
 * token id by token id.
 */
public final class Teacher implements AutoCloseable {
    private final CheckpointModel checkpoint;
    private final ParameterStore store;

    private Teacher(CheckpointModel checkpoint) {
        this.checkpoint = checkpoint;
        this.store = new ParameterStore(checkpoint.manager(), false);
    }

    /** The teacher {@code settings} name, loaded as {@link #load} does; null when they name none. */
    public static Teacher ofSettings(DistillSettings settings, ShardManifest shards, ModelConfig student, Device device) {
        return settings.enabled() ? load(Path.of(settings.teacher()), shards, student, device) : null;
    }

    /**
     * Loads {@code path} (a checkpoint or a run directory, as {@code generate --checkpoint}) onto
     * {@code device} after checking that it fits the shards and the student.
     *
     * @throws InvalidConfigException for another tokenizer or vocabulary, naming both files
     */
    public static Teacher load(Path path, ShardManifest shards, ModelConfig student, Device device) {
        try {
            Path dir = CheckpointFiles.resolve(path);
            CheckpointFiles.Config config = CheckpointFiles.readConfig(dir);
            String manifest = shards.root() + "/" + ShardManifest.FILE;
            TokenizerMatch.require("the teacher " + dir, TokenizerMatch.Hash.ofCheckpoint(dir, config), shards,
                    TokenizerMatch.Unrecorded.NONE_SKIPS, "distillation compares the two models token id by token id, "
                            + "so both must use the same tokenizer");
            if (config.model().vocabSize() != student.vocabSize()) {
                throw new InvalidConfigException("the teacher " + dir.resolve(CheckpointFiles.CONFIG) + " has a vocabulary of "
                        + config.model().vocabSize() + " and the student " + student.vocabSize() + " (the shards "
                        + manifest + " have " + shards.vocabSize() + "): set model.vocab-size to the teacher's");
            }
            return new Teacher(CheckpointModel.load(dir, device));
        } catch (IOException e) {
            throw new UncheckedIOException("loading the teacher " + path + ": " + e.getMessage(), e);
        }
    }

    /** The teacher's logits (B, T, V) for {@code tokens} (B, T), fp32, outside autograd. */
    public NDArray logits(NDArray tokens, NDArray documentIds) {
        boolean recording = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return checkpoint.model().forward(store, tokens, documentIds, false).get(0);
        } finally {
            JniUtils.setGradMode(recording);
        }
    }

    public ModelConfig config() {
        return checkpoint.config();
    }

    public Path directory() {
        return checkpoint.directory();
    }

    /** For the metrics log's {@code distillation} event. */
    public Map<String, Object> details(DistillSettings settings) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("teacher", directory().toString());
        d.put("teacher_parameters", io.lmforge.model.ModelSize.of(config()).total());
        d.put("alpha", settings.alpha());
        d.put("temperature", settings.temperature());
        return d;
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
