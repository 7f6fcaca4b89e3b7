package io.lmforge.model.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import io.lmforge.model.lora.LoraConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What makes a checkpoint an adapter checkpoint: {@code adapter_config.json} beside its
 * {@code model.safetensors} (which then holds only the LoRA tensors):
 *
 * <pre>
 *   {"format": 1, "lora": {"rank", "alpha", "targets", "dropout"},
 *    "base": {"path": "/abs/RUN/checkpoints/step-N", "weights_sha256": "..."}}
 * </pre>
 *
 * {@code weights_sha256} is the SHA-256 of the base's weight files, concatenated in name order
 * (for one {@code model.safetensors}, what {@code sha256sum} prints), so a base that was retrained
 * or replaced under the same path is refused instead of silently combined with the adapter.
 */
public final class AdapterFiles {
    public static final String CONFIG = "adapter_config.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private AdapterFiles() {
    }

    /** The base an adapter was trained on and how. */
    public record Reference(LoraConfig lora, Path basePath, String baseWeightsSha256) {
        public byte[] toJson() {
            Map<String, Object> base = new LinkedHashMap<>();
            base.put("path", basePath.toString());
            base.put("weights_sha256", baseWeightsSha256);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("format", 1);
            json.put("lora", lora.toMap());
            json.put("base", base);
            return GSON.toJson(json).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Whether a checkpoint directory holds an adapter rather than a whole model. */
    public static boolean isAdapter(Path checkpoint) {
        return Files.exists(checkpoint.resolve(CONFIG));
    }

    public static Reference read(Path checkpoint) throws IOException {
        Path file = checkpoint.resolve(CONFIG);
        try {
            Map<String, Object> json = GSON.fromJson(Files.readString(file), new TypeToken<Map<String, Object>>() { }.getType());
            Map<?, ?> base = (Map<?, ?>) json.get("base");
            return new Reference(LoraConfig.fromMap((Map<?, ?>) json.get("lora")), Path.of(String.valueOf(base.get("path"))),
                    String.valueOf(base.get("weights_sha256")));
        } catch (RuntimeException e) {      // JsonParseException, a missing or mistyped field
            throw new IOException(file + ": not a valid adapter config (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The full-model checkpoint {@code path} means (a run directory: its best, else newest), for use
     * as a LoRA base; an adapter checkpoint is refused (adapters do not stack: merge it first).
     */
    public static Path resolveBase(Path path) throws IOException {
        Path dir = CheckpointFiles.resolve(path);
        if (isAdapter(dir)) {
            throw new IOException(dir + " is an adapter checkpoint, not a full model; use its base, or "
                    + "'lmforge merge-adapter' it into a full checkpoint first");
        }
        return dir.toAbsolutePath().normalize();
    }

    /** SHA-256 of a checkpoint's weight files ({@code model*.safetensors}) concatenated in name order. */
    public static String weightsSha256(Path checkpoint) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(checkpoint, CheckpointFiles.WEIGHTS_PREFIX + "*.safetensors")) {
            s.forEach(files::add);
        }
        if (files.isEmpty()) {
            throw new NoSuchFileException(checkpoint.resolve("model.safetensors") + " is missing");
        }
        files.sort(null);
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Path f : files) {
            try (InputStream in = new DigestInputStream(Files.newInputStream(f), digest)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Checks that {@code base} is the checkpoint {@code reference} was trained on.
     *
     * @param adapter the adapter checkpoint, named in the error
     */
    public static void requireBase(Path adapter, Reference reference, Path base) throws IOException {
        String actual = weightsSha256(base);
        if (!actual.equals(reference.baseWeightsSha256())) {
            throw new IOException("the adapter " + adapter + " was trained on base weights of SHA-256 "
                    + reference.baseWeightsSha256() + " (" + reference.basePath() + "), but the base " + base
                    + " has weights of SHA-256 " + actual + "; give the adapter's own base");
        }
    }
}
