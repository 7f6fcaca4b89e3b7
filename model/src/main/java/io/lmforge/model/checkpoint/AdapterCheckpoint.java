package io.lmforge.model.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.lmforge.model.lora.LoraAdapters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Loads an adapter checkpoint (see {@link AdapterFiles}) for inference: its base checkpoint, checked
 * against the recorded weights SHA-256, with the adapters merged into the weights
 * (W + (alpha/r) · B A), so generation, evaluation, serving and export run the adapted model at
 * the base model's cost.
 */
public final class AdapterCheckpoint {
    private AdapterCheckpoint() {
    }

    /**
     * @param adapter a checkpoint directory holding {@code adapter_config.json}
     * @param base    the base checkpoint or run; null: the path recorded in the adapter
     */
    public static CheckpointModel load(Path adapter, Path base, Device device) throws IOException {
        AdapterFiles.Reference reference = AdapterFiles.read(adapter);
        Path given = base != null ? base : reference.basePath();
        if (!Files.exists(given)) {
            throw new NoSuchFileException("the base checkpoint " + given + " of the adapter " + adapter
                    + " does not exist (moved or pruned?); give it with --base");
        }
        Path baseDir = AdapterFiles.resolveBase(given);
        AdapterFiles.requireBase(adapter, reference, baseDir);
        CheckpointModel model = CheckpointModel.load(baseDir, device);
        try {
            CheckpointFiles.Config adapterConfig = CheckpointFiles.readConfig(adapter);
            if (!adapterConfig.model().equals(model.config())) {
                throw new IOException("the adapter " + adapter + " was trained for the model " + adapterConfig.model()
                        + ", the base " + baseDir + " is " + model.config());
            }
            LoraAdapters lora = LoraAdapters.attach(model.model(), reference.lora(), model.manager(), DataType.FLOAT32, 0);
            try (NDManager scratch = model.manager().newSubManager()) {
                Weights.load(lora.parameters(), CheckpointModel.readWeights(adapter, CheckpointFiles.listedHashes(adapter), scratch),
                        adapter);
            }
            lora.merge(model.model());
            return new CheckpointModel(adapter, model.checkpointConfig(), model.manager(), model.model(), model.tokenizer());
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }
}
