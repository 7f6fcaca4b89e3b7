package io.lmforge.model.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The inverse of {@link HuggingFaceExport}: the tensors of an exported directory's
 * {@code model.safetensors} (float32) under lmforge's parameter names, the split projections fused
 * again ({@code q,k,v → wqkv}, {@code gate,up → w13}). {@code train --init-from DIR} starts a run
 * from them.
 */
public final class HuggingFaceImport {
    private HuggingFaceImport() {
    }

    /** The tensors, named as {@code DeepSeekModel.namedParameters()}; an {@code lm_head} of a tied export is absent. */
    public static NDList read(Path dir, NDManager manager) throws IOException {
        Map<String, NDArray> hf = readSafeTensors(dir.resolve(HuggingFaceExport.WEIGHTS), manager);
        Map<String, NDArray> out = new TreeMap<>();
        for (Map.Entry<String, NDArray> e : hf.entrySet()) {
            String name = e.getKey();
            if (name.endsWith(".k_proj.weight") || name.endsWith(".v_proj.weight") || name.endsWith(".up_proj.weight")) {
                continue;                                                   // fused with q_proj / gate_proj below
            }
            if (name.endsWith(".q_proj.weight")) {
                String p = name.substring(0, name.length() - "q_proj.weight".length());
                out.put(rename(p) + "wqkv.weight", NDArrays.concat(new NDList(e.getValue(), need(hf, p + "k_proj.weight", dir),
                        need(hf, p + "v_proj.weight", dir)), 0));
            } else if (name.endsWith(".gate_proj.weight")) {
                String p = name.substring(0, name.length() - "gate_proj.weight".length());
                out.put(rename(p) + "w13.weight", NDArrays.concat(new NDList(e.getValue(), need(hf, p + "up_proj.weight", dir)), 0));
            } else if (name.endsWith(".down_proj.weight")) {
                out.put(rename(name.substring(0, name.length() - "down_proj.weight".length())) + "w2.weight", e.getValue());
            } else {
                out.put(rename(name), e.getValue());
            }
        }
        NDList list = new NDList();
        out.forEach((name, array) -> {
            array.setName(name);
            list.add(array);
        });
        return list;
    }

    private static NDArray need(Map<String, NDArray> hf, String name, Path dir) {
        NDArray a = hf.get(name);
        if (a == null) {
            throw new IllegalStateException(dir.resolve(HuggingFaceExport.WEIGHTS) + " has no tensor " + name);
        }
        return a;
    }

    /** A Hugging Face name (or a prefix of one) to lmforge's. */
    static String rename(String hf) {
        return hf.replaceFirst("^model\\.embed_tokens\\.", "embed.")
                .replaceFirst("^model\\.norm\\.", "norm.")
                .replaceFirst("^lm_head\\.", "head.")
                .replaceFirst("^model\\.layers\\.", "layers.")
                .replace(".input_layernorm.", ".attn_norm.")
                .replace(".post_attention_layernorm.", ".ffn_norm.")
                .replace(".self_attn.o_proj.", ".attn.wo.")
                .replace(".self_attn.", ".attn.")
                .replace(".mlp.gate.", ".moe.router.")
                .replace(".mlp.experts.", ".moe.experts.")
                .replace(".mlp.shared_experts.", ".moe.shared.")
                .replace(".mlp.", ".ffn.");
    }

    /** Every tensor of a safetensors file (F32, F16 or BF16, widened to float32). */
    public static Map<String, NDArray> readSafeTensors(Path file, NDManager manager) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file + " is missing (export a checkpoint with 'lmforge export --format hf')");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long n = len.getLong(0);
            if (n <= 0 || n > 100_000_000 || 8 + n > ch.size()) {
                throw new IOException(file + ": not a safetensors file (header length " + n + ")");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
            ch.read(headerBytes, 8);
            JsonObject header = JsonParser.parseString(new String(headerBytes.array(), StandardCharsets.UTF_8)).getAsJsonObject();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonObject t = e.getValue().getAsJsonObject();
                String dtype = t.get("dtype").getAsString();
                JsonArray s = t.getAsJsonArray("shape");
                long[] shape = new long[s.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = s.get(i).getAsLong();
                }
                JsonArray off = t.getAsJsonArray("data_offsets");
                long begin = off.get(0).getAsLong();
                long end = off.get(1).getAsLong();
                ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(data, 8 + n + begin);
                data.flip();
                DataType type = switch (dtype) {
                    case "F32" -> DataType.FLOAT32;
                    case "F16" -> DataType.FLOAT16;
                    case "BF16" -> DataType.BFLOAT16;
                    default -> throw new IOException(file + ": tensor " + e.getKey() + " has dtype " + dtype
                            + " (float32, float16 or bfloat16 expected" + ("I8".equals(dtype)
                            ? "; an int8-quantized lmforge checkpoint cannot be trained from: use the float32 "
                            + "checkpoint its state.json names as quantized_from" : "") + ")");
                };
                NDArray a = manager.create(data, new Shape(shape), type).toType(DataType.FLOAT32, false);
                out.put(e.getKey(), a);
            }
        }
        return out;
    }
}
