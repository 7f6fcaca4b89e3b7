package io.lmforge.model.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.generate.Generator;
import io.lmforge.model.generate.TextGenerator;
import io.lmforge.model.generate.TextTokenizer;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.model.quantize.Quantization;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint loaded for inference: its model config, its weights in a {@link DeepSeekModel}
 * (no gradients, no optimizer state) and its tokenizer. Generation, serving, evaluation and
 * export start here. The files are checked against the SHA-256 sums in {@code state.json}, and
 * the tokenizer against the {@code tokenizer_sha256} the model was trained with.
 */
public final class CheckpointModel implements AutoCloseable {
    private final Path directory;
    private final CheckpointFiles.Config config;
    private final NDManager manager;
    private final DeepSeekModel model;
    private final TextTokenizer tokenizer;

    CheckpointModel(Path directory, CheckpointFiles.Config config, NDManager manager, DeepSeekModel model,
                            TextTokenizer tokenizer) {
        this.directory = directory;
        this.config = config;
        this.manager = manager;
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Loads on the CPU; {@code path} is a checkpoint or a run directory ({@link CheckpointFiles#resolve}). */
    public static CheckpointModel load(Path path) throws IOException {
        return load(path, Device.cpu());
    }

    public static CheckpointModel load(Path path, Device device) throws IOException {
        return load(path, device, null);
    }

    /**
     * Loads with the weights quantized as {@code quantizeOnLoad} says (float32 checkpoints only;
     * null: as stored). A quantized checkpoint ({@link QuantizedCheckpoint}) loads as stored, its
     * int8 codes staying int8 in memory.
     *
     * @throws IllegalArgumentException when asked to quantize a checkpoint that already is
     */
    public static CheckpointModel load(Path path, Device device, Quantization quantizeOnLoad) throws IOException {
        Path dir = CheckpointFiles.resolve(path);
        if (AdapterFiles.isAdapter(dir)) {
            if (quantizeOnLoad != null) {
                throw new IllegalArgumentException(dir + " holds LoRA adapters; merge them into their base first "
                        + "('lmforge merge-adapter --checkpoint " + dir + " --out DIR'), then quantize DIR");
            }
            return AdapterCheckpoint.load(dir, null, device);
        }
        CheckpointFiles.Config config = CheckpointFiles.readConfig(dir);
        if (quantizeOnLoad != null && config.quantization() != null) {
            throw new IllegalArgumentException(dir + " is already quantized (" + config.quantization() + ", "
                    + CheckpointFiles.CONFIG + "); load it without --quantize");
        }
        Map<String, String> hashes = CheckpointFiles.listedHashes(dir);
        TextTokenizer tokenizer = TextTokenizer.load(readTokenizer(dir, config, hashes), dir.resolve(CheckpointFiles.TOKENIZER).toString());
        NDManager manager = NDManager.newBaseManager(device);
        try {
            JniUtils.setGradMode(false);
            DeepSeekModel model = new DeepSeekModel(config.model());
            Quantization quantization = quantizeOnLoad != null ? quantizeOnLoad : config.quantization();
            if (quantization != null) {
                model.storeInt8(quantization.keepEmbeddings());
            }
            model.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
            loadWeights(dir, model, hashes, manager, quantizeOnLoad != null);
            CheckpointFiles.Config loaded = new CheckpointFiles.Config(config.model(), config.specialTokens(),
                    config.tokenizerSha256(), quantization);
            return new CheckpointModel(dir, loaded, manager, model, tokenizer);
        } catch (IOException | RuntimeException e) {      // IllegalStateException: a tensor missing or of another shape
            manager.close();
            tokenizer.close();
            throw e;
        }
    }

    /**
     * The bytes of a checkpoint's {@code tokenizer.json}, checked against the model's
     * {@code tokenizer_sha256} and {@code state.json}'s hash.
     */
    public static byte[] readTokenizer(Path dir, CheckpointFiles.Config config, Map<String, String> hashes)
            throws IOException {
        Path file = dir.resolve(CheckpointFiles.TOKENIZER);
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file + " is missing: the checkpoint has no tokenizer (the trainer copies "
                    + "OUT/tokenizer/tokenizer.json beside the shards into every checkpoint; were the shards moved "
                    + "without it?)");
        }
        byte[] bytes = Files.readAllBytes(file);
        String actual = CheckpointFiles.sha256(bytes);
        if (!config.tokenizerSha256().isEmpty() && !actual.equals(config.tokenizerSha256())) {
            throw new IOException(file + " has SHA-256 " + actual + ", but the model was trained on shards made with "
                    + "the tokenizer of SHA-256 " + config.tokenizerSha256() + " (" + CheckpointFiles.CONFIG
                    + "); it is not the model's tokenizer");
        }
        verify(file, actual, hashes);
        return bytes;
    }

    private static void loadWeights(Path dir, DeepSeekModel model, Map<String, String> hashes, NDManager manager,
                                    boolean quantize) throws IOException {
        try (NDManager scratch = manager.newSubManager()) {
            NDList saved = readWeights(dir, hashes, scratch);
            if (quantize) {
                QuantizedCheckpoint.quantizeInto(model.namedParameters(), saved, dir);
            } else {
                Weights.load(model.namedParameters(), saved, dir);
            }
        }
    }

    /**
     * Copies a full checkpoint's weights (checked against its {@code state.json}) into {@code model}'s
     * parameters in place: a LoRA run's frozen base.
     */
    public static void loadWeightsInto(Path checkpoint, DeepSeekModel model, NDManager manager) throws IOException {
        loadWeights(checkpoint, model, CheckpointFiles.listedHashes(checkpoint), manager, false);
    }

    /** The tensors of a checkpoint's {@code model*.safetensors}, each file checked against {@code hashes}. */
    public static NDList readWeights(Path dir, Map<String, String> hashes, NDManager scratch) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, CheckpointFiles.WEIGHTS_PREFIX + "*.safetensors")) {
            s.forEach(files::add);
        }
        if (files.isEmpty()) {
            throw new NoSuchFileException(dir.resolve("model.safetensors") + " is missing");
        }
        files.sort(null);
        NDList saved = new NDList();
        for (Path f : files) {
            verify(f, CheckpointFiles.sha256(f), hashes);
            saved.addAll(decode(f, scratch));
        }
        return saved;
    }

    /** The tensors of one safetensors file; a truncated or garbled file is an IOException naming it. */
    static NDList decode(Path file, NDManager manager) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return NDList.decode(manager, in);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not a readable safetensors file (truncated or damaged? "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    private static void verify(Path file, String actual, Map<String, String> hashes) throws IOException {
        String listed = hashes.get(file.getFileName().toString());
        if (listed != null && !listed.equals(actual)) {
            throw new IOException(file + " has SHA-256 " + actual + ", " + CheckpointFiles.STATE + " says " + listed
                    + " (damaged or replaced)");
        }
    }

    public Path directory() {
        return directory;
    }

    public ModelConfig config() {
        return config.model();
    }

    /** What {@code config.json} holds: the model config, special tokens and tokenizer hash. */
    public CheckpointFiles.Config checkpointConfig() {
        return config;
    }

    public Map<String, Integer> specialTokens() {
        return config.specialTokens();
    }

    /** How the weights in memory are quantized; null: float32. */
    public Quantization quantization() {
        return config.quantization();
    }

    public DeepSeekModel model() {
        return model;
    }

    public NDManager manager() {
        return manager;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public Generator generator() {
        return new Generator(model, manager);
    }

    /** Generation with the checkpoint's tokenizer and special tokens (bos 0, eos 1, pad 2 if not listed). */
    public TextGenerator textGenerator() {
        Map<String, Integer> s = config.specialTokens();
        return new TextGenerator(generator(), tokenizer, s.getOrDefault("bos", 0), s.getOrDefault("eos", 1),
                s.getOrDefault("pad", 2));
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
