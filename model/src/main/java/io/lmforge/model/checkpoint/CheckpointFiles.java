package io.lmforge.model.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.quantize.Quantization;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The model part of a checkpoint directory, which the trainer writes and generation, serving,
 * evaluation and export read (see docs/formats.md, "Checkpoints"):
 *
 * <pre>
 *   model.safetensors       the parameters under PyTorch-style names (model-0000k-of-0000n.safetensors when split)
 *   config.json             {"format": 1, "model": {...ModelConfig.toMap()}, "special_tokens": {...}, "tokenizer_sha256": "...",
 *                            "quantization": {...} only in a quantized checkpoint (see QuantizedCheckpoint)}
 *   tokenizer.json          the corpus run's tokenizer (Hugging Face format), SHA-256 = tokenizer_sha256
 *   tokenizer_config.json   when the corpus run wrote one
 *   state.json              the trainer's resume state, and the SHA-256 of every file above
 * </pre>
 *
 * And which checkpoint a path means ({@link #resolve}).
 */
public final class CheckpointFiles {
    public static final String WEIGHTS_PREFIX = "model";
    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String STATE = "state.json";
    public static final String CHECKPOINTS = "checkpoints";
    private static final Pattern STEP = Pattern.compile("step-(\\d{8,})");
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private CheckpointFiles() {
    }

    /**
     * What {@code config.json} holds.
     *
     * @param specialTokens role (bos, eos, pad, unk) to id, as in the shards manifest
     * @param tokenizerSha256 the shards manifest's {@code tokenizer_sha256}
     * @param quantization how the weights are quantized; null: float32 (what training writes)
     */
    public record Config(ModelConfig model, Map<String, Integer> specialTokens, String tokenizerSha256,
                         Quantization quantization) {
        public Config(ModelConfig model, Map<String, Integer> specialTokens, String tokenizerSha256) {
            this(model, specialTokens, tokenizerSha256, null);
        }

        public byte[] toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("format", 1);
            json.put("model", model.toMap());
            json.put("special_tokens", specialTokens);
            json.put("tokenizer_sha256", tokenizerSha256);
            if (quantization != null) {
                json.put("quantization", quantization.toMap());
            }
            return GSON.toJson(json).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Reads {@code config.json} of a checkpoint directory. */
    public static Config readConfig(Path checkpoint) throws IOException {
        Path file = checkpoint.resolve(CONFIG);
        Map<String, Object> json = readJson(file, "a checkpoint written before checkpoints were self-contained "
                + "has no model config; train again or resume the run once to write a new checkpoint");
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> model = (Map<String, Object>) json.get("model");
            @SuppressWarnings("unchecked")
            Map<String, Object> special = (Map<String, Object>) json.getOrDefault("special_tokens", Map.of());
            Map<String, Integer> ids = new LinkedHashMap<>();
            special.forEach((k, v) -> ids.put(k, ((Number) v).intValue()));
            @SuppressWarnings("unchecked")
            Map<String, Object> quantization = (Map<String, Object>) json.get("quantization");
            return new Config(ModelConfig.fromMap(model), ids, String.valueOf(json.getOrDefault("tokenizer_sha256", "")),
                    quantization == null ? null : Quantization.fromMap(quantization));
        } catch (RuntimeException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** File name to SHA-256, as {@code state.json} lists them; empty when there is no state.json. */
    public static Map<String, String> listedHashes(Path checkpoint) throws IOException {
        if (!Files.exists(checkpoint.resolve(STATE))) {
            return Map.of();
        }
        Object files = readJson(checkpoint.resolve(STATE), "").get("files");
        Map<String, String> out = new LinkedHashMap<>();
        if (files instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        }
        return out;
    }

    /**
     * The checkpoint a path means: a checkpoint directory (it has {@code state.json} or
     * {@code config.json}) is itself; a run directory means its best checkpoint by validation
     * loss (the one early stopping recorded, which pruning keeps), else its newest.
     */
    public static Path resolve(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path + " does not exist (give a run directory or RUN/checkpoints/step-N)");
        }
        if (Files.exists(path.resolve(STATE)) || Files.exists(path.resolve(CONFIG))) {
            return path;
        }
        Path dir = path.resolve(CHECKPOINTS);
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(path + " is neither a checkpoint (no " + STATE + ") nor a run directory (no "
                    + CHECKPOINTS + "/)");
        }
        List<Path> steps;
        try (Stream<Path> s = Files.list(dir)) {
            steps = s.filter(p -> STEP.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(CheckpointFiles::step)).toList();
        }
        if (steps.isEmpty()) {
            throw new NoSuchFileException(path + " has no checkpoints yet (" + dir + " is empty)");
        }
        Path latest = steps.get(steps.size() - 1);
        Object state = readJson(latest.resolve(STATE), "").get("state");
        if (state instanceof Map<?, ?> m && m.get("bestStep") instanceof Number best && best.longValue() > 0) {
            Path bestDir = dir.resolve(stepName(best.longValue()));
            if (Files.isDirectory(bestDir)) {
                return bestDir;
            }
        }
        return latest;
    }

    /** {@code step-NNNNNNNN}, the directory name of a step's checkpoint. */
    public static String stepName(long step) {
        return String.format("step-%08d", step);
    }

    /** The step of a checkpoint directory name, -1 if it is not one. */
    public static long step(Path checkpoint) {
        Matcher m = STEP.matcher(checkpoint.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest digest = digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> readJson(Path file, String hintIfMissing) throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + " is missing" + (hintIfMissing.isEmpty() ? "" : " (" + hintIfMissing + ")"));
        }
        try {
            Map<String, Object> json = GSON.fromJson(text, new TypeToken<Map<String, Object>>() { }.getType());
            if (json == null) {
                throw new JsonParseException("empty file");
            }
            return json;
        } catch (JsonParseException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
