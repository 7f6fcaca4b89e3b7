package io.lmforge.model.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import com.google.gson.GsonBuilder;
import io.lmforge.model.quantize.Int8;
import io.lmforge.model.quantize.Quantization;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A self-contained quantized checkpoint, which {@link CheckpointModel} loads as it loads any
 * other (generate, eval and serve take it as {@code --checkpoint}):
 *
 * <pre>
 *   model.safetensors   every quantized matrix as I8 codes under its own name ({@code layers.0.attn.wqkv.weight})
 *                       beside its F32 per-row scales ({@code layers.0.attn.wqkv.weight_scale}); the rest F32
 *   config.json         the source's, plus {"quantization": {"method": "int8", ...}}
 *   tokenizer.json      copied from the source (its SHA-256 is config.json's tokenizer_sha256)
 *   tokenizer_config.json  when the source has one
 *   state.json          {"quantized_from": source directory, "files": {name: SHA-256}}: no training state
 * </pre>
 *
 * Training and export need float32 weights: they refuse a quantized checkpoint and name the
 * float32 one to use instead.
 */
public final class QuantizedCheckpoint {
    private QuantizedCheckpoint() {
    }

    /**
     * Quantizes the float32 checkpoint {@code source} means into the new directory {@code out}
     * (it must not exist or be empty; written beside it first and moved into place, so a failed
     * run leaves nothing that looks like a checkpoint). Returns {@code out}.
     */
    public static Path write(Path source, Path out, Quantization quantization) throws IOException {
        requireEmpty(out);
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp-quantize");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        try (CheckpointModel model = CheckpointModel.load(source, Device.cpu(), quantization)) {
            Path from = model.directory();
            Map<String, String> files = new LinkedHashMap<>();
            Path weights = tmp.resolve(CheckpointFiles.WEIGHTS_PREFIX + ".safetensors");
            NDList arrays = new NDList();
            model.model().namedParameters().forEach((name, p) -> {
                NDArray a = p.getArray();
                a.setName(name);
                arrays.add(a);
            });
            try (OutputStream o = Files.newOutputStream(weights)) {
                arrays.encode(o, NDList.Encoding.SAFETENSORS);
            }
            files.put(weights.getFileName().toString(), CheckpointFiles.sha256(weights));
            CheckpointFiles.Config config = CheckpointFiles.readConfig(from);
            byte[] json = new CheckpointFiles.Config(config.model(), config.specialTokens(), config.tokenizerSha256(),
                    quantization).toJson();
            files.put(write(tmp.resolve(CheckpointFiles.CONFIG), json), CheckpointFiles.sha256(json));
            for (String name : List.of(CheckpointFiles.TOKENIZER, CheckpointFiles.TOKENIZER_CONFIG)) {
                if (Files.exists(from.resolve(name))) {
                    byte[] bytes = Files.readAllBytes(from.resolve(name));
                    files.put(write(tmp.resolve(name), bytes), CheckpointFiles.sha256(bytes));
                }
            }
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("quantized_from", from.toAbsolutePath().toString());
            state.put("files", files);
            write(tmp.resolve(CheckpointFiles.STATE), new GsonBuilder().setPrettyPrinting().create().toJson(state)
                    .getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
        Files.deleteIfExists(out);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        return out;
    }

    /**
     * Fills a model prepared with {@code storeInt8} from float32 tensors: each int8 parameter gets
     * the codes of its saved matrix and its {@code _scale} sibling the scales; other parameters are
     * copied as they are.
     *
     * @throws IllegalStateException naming {@code source} and the tensor when one is missing or has another shape
     */
    static void quantizeInto(Map<String, Parameter> parameters, NDList saved, Path source) {
        Map<String, NDArray> byName = new HashMap<>();
        for (NDArray a : saved) {
            byName.put(a.getName(), a);
        }
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            String name = e.getKey();
            NDArray into = e.getValue().getArray();
            if (name.endsWith("_scale") && parameters.containsKey(name.substring(0, name.length() - "_scale".length()))) {
                continue;                                                 // written with its matrix below
            }
            NDArray from = byName.get(name);
            if (from == null) {
                throw new IllegalStateException(source + " has no tensor " + name);
            }
            if (into.getDataType() == DataType.INT8) {
                NDList codes = Int8.quantize(from);
                Weights.copyInto(codes.get(0), into, name);
                Weights.copyInto(codes.get(1), parameters.get(name + "_scale").getArray(), name + "_scale");
            } else {
                Weights.copyInto(from, into, name);
            }
        }
    }

    private static String write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        return file.getFileName().toString();
    }

    private static void requireEmpty(Path out) throws IOException {
        if (Files.isDirectory(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new FileAlreadyExistsException(out + " is not empty; quantize into a new directory");
                }
            }
        } else if (Files.exists(out)) {
            throw new FileAlreadyExistsException(out + " is a file; quantize into a new directory");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
