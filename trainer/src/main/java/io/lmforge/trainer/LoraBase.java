package io.lmforge.trainer;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.checkpoint.AdapterFiles;
import io.lmforge.model.lora.LoraAdapters;
import io.lmforge.model.lora.LoraConfig;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.data.TokenizerMatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The base checkpoint of a LoRA run ({@code lora.rank > 0}, {@code --init-from BASE}): its model
 * config replaces the training config's, its weights are loaded and frozen, and the adapters
 * ({@link LoraAdapters}) are what the optimizer, the gradient sync and the checkpoints see. Each
 * checkpoint gets an {@code adapter_config.json} naming the base by path and weights SHA-256.
 */
final class LoraBase {
    private final LoraConfig lora;
    private final Path directory;
    private final CheckpointFiles.Config baseConfig;
    private final String weightsSha256;
    private LoraAdapters adapters;
    private long frozenParameters;

    private LoraBase(LoraConfig lora, Path directory, CheckpointFiles.Config baseConfig, String weightsSha256) {
        this.lora = lora;
        this.directory = directory;
        this.baseConfig = baseConfig;
        this.weightsSha256 = weightsSha256;
    }

    /** The run's base, or null when the run does not use LoRA. */
    static LoraBase open(LoraConfig lora, String initFrom, ShardManifest shards) {
        if (!lora.enabled()) {
            return null;
        }
        if (initFrom == null) {
            throw new InvalidConfigException("LoRA (lora.rank = " + lora.rank() + ") needs --init-from BASE: the "
                    + "checkpoint or run whose weights the adapters are trained on");
        }
        try {
            Path dir = AdapterFiles.resolveBase(Path.of(initFrom));
            CheckpointFiles.Config config = CheckpointFiles.readConfig(dir);
            TokenizerMatch.require("the LoRA base " + dir, TokenizerMatch.Hash.ofCheckpoint(dir, config), shards,
                    TokenizerMatch.Unrecorded.MODEL_SKIPS, "fine-tuning needs the base's tokenizer");
            if (config.model().vocabSize() < shards.vocabSize()) {
                throw new InvalidConfigException("the LoRA base " + dir + " has a vocabulary of " + config.model().vocabSize()
                        + ", smaller than the shards' " + shards.vocabSize());
            }
            return new LoraBase(lora, dir, config, AdapterFiles.weightsSha256(dir));
        } catch (IOException e) {
            throw new InvalidConfigException("--init-from " + initFrom + ": " + e.getMessage(), e);
        }
    }

    /** The base's model config: the run trains that model, whatever the config's model section says. */
    ModelConfig modelConfig() {
        return baseConfig.model();
    }

    /** The base's weights, frozen, with fresh adapters attached; only the adapters train. */
    MixedPrecision models(NDManager manager, TrainConfig.Run run) {
        if (run.precision().fp16()) {
            throw new InvalidConfigException("train.precision = fp16 is not supported with LoRA yet; use fp32");
        }
        DeepSeekModel model = new DeepSeekModel(baseConfig.model());
        model.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
        model.freezeParameters(true);
        try {
            CheckpointModel.loadWeightsInto(directory, model, manager);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the LoRA base " + directory, e);
        }
        frozenParameters = model.namedParameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
        adapters = LoraAdapters.attach(model, lora, manager, DataType.FLOAT32, run.seed());
        return MixedPrecision.fp32(model, adapters.parameters(), manager);
    }

    /** The checkpoint files of a full model plus {@code adapter_config.json}. */
    Map<String, byte[]> checkpointFiles(Map<String, byte[]> modelFiles) {
        Map<String, byte[]> files = new LinkedHashMap<>(modelFiles);
        files.put(AdapterFiles.CONFIG, new AdapterFiles.Reference(lora, directory, weightsSha256).toJson());
        return files;
    }

    /** A run resumes only with the base and LoRA settings its checkpoint was trained with. */
    void requireResumable(Path checkpoint) {
        try {
            if (!Files.exists(checkpoint.resolve(AdapterFiles.CONFIG))) {
                throw new InvalidConfigException("the checkpoint " + checkpoint + " holds a full model, not a LoRA "
                        + "adapter; use a new --out directory for a LoRA run");
            }
            AdapterFiles.Reference saved = AdapterFiles.read(checkpoint);
            AdapterFiles.requireBase(checkpoint, saved, directory);
            if (!saved.lora().equals(lora)) {
                throw new InvalidConfigException("the checkpoint " + checkpoint + " was trained with LoRA " + saved.lora().toMap()
                        + ", the run asks for " + lora.toMap() + "; use a new --out directory");
            }
        } catch (IOException e) {
            throw new InvalidConfigException(e.getMessage(), e);
        }
    }

    String summary() {
        long trainable = adapters.parameterCount();
        return String.format("LoRA rank %d, alpha %s on %s: %,d trainable parameters (%.3f%% of the %,d frozen ones of %s)",
                lora.rank(), lora.alpha(), String.join(",", lora.targets()), trainable,
                100.0 * trainable / frozenParameters, frozenParameters, directory);
    }

    /** The metrics log's {@code lora} event. */
    Map<String, Object> report() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("base", directory.toString());
        m.put("base_weights_sha256", weightsSha256);
        m.put("rank", lora.rank());
        m.put("alpha", lora.alpha());
        m.put("targets", String.join(",", lora.targets()));
        m.put("trainable_parameters", adapters == null ? 0 : adapters.parameterCount());
        m.put("frozen_parameters", frozenParameters);
        return m;
    }
}
