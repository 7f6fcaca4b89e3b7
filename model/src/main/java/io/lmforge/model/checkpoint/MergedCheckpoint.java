package io.lmforge.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import com.google.gson.GsonBuilder;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a loaded model (an adapter checkpoint's merged weights, typically) as a full, self-contained
 * checkpoint directory: {@code model.safetensors}, {@code config.json}, the tokenizer, and a
 * {@code state.json} listing the SHA-256 of each file (no training state: it is a model, not a run).
 */
public final class MergedCheckpoint {
    private MergedCheckpoint() {
    }

    /** Writes {@code model} into {@code out} (created; must not hold a checkpoint already). */
    public static Path write(CheckpointModel model, Path out) throws IOException {
        Files.createDirectories(out);
        Map<String, String> hashes = new LinkedHashMap<>();
        NDList arrays = new NDList();
        model.model().namedParameters().forEach((name, p) -> {
            NDArray a = p.getArray();
            a.setName(name);
            arrays.add(a);
        });
        Path weights = out.resolve(CheckpointFiles.WEIGHTS_PREFIX + ".safetensors");
        try (OutputStream o = Files.newOutputStream(weights)) {
            arrays.encode(o, NDList.Encoding.SAFETENSORS);
        }
        hashes.put(weights.getFileName().toString(), CheckpointFiles.sha256(weights));
        write(out, CheckpointFiles.CONFIG, model.checkpointConfig().toJson(), hashes);
        for (String name : new String[]{CheckpointFiles.TOKENIZER, CheckpointFiles.TOKENIZER_CONFIG}) {
            Path from = model.directory().resolve(name);
            if (Files.exists(from)) {
                write(out, name, Files.readAllBytes(from), hashes);
            }
        }
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("format", 1);
        state.put("merged_from", model.directory().toAbsolutePath().toString());
        state.put("files", hashes);
        Files.writeString(out.resolve(CheckpointFiles.STATE),
                new GsonBuilder().setPrettyPrinting().create().toJson(state), StandardCharsets.UTF_8);
        return out;
    }

    private static void write(Path dir, String name, byte[] bytes, Map<String, String> hashes) throws IOException {
        Files.write(dir.resolve(name), bytes);
        hashes.put(name, CheckpointFiles.sha256(bytes));
    }
}
