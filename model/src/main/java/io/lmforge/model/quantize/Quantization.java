package io.lmforge.model.quantize;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a model's weights are quantized: int8, symmetric, one float32 scale per output channel
 * ({@link Int8}), for every linear projection (attention, dense MLP, shared and routed experts)
 * and, unless {@code keepEmbeddings}, the token embedding and the output head. The MoE routers
 * and the RMSNorm gains stay float32 always: together well under 1 % of the parameters, and a
 * rounded router logit can send a token to another expert.
 *
 * <p>In a checkpoint's {@code config.json} this is the {@code "quantization"} object; a
 * checkpoint without one holds float32 weights.
 *
 * @param keepEmbeddings the embedding (and the head, tied or not) stays float32
 */
public record Quantization(boolean keepEmbeddings) {
    public static final String INT8 = "int8";

    /** The only method: the name {@code --quantize} takes and {@code config.json} records. */
    public static Quantization parse(String method, boolean keepEmbeddings) {
        if (!INT8.equals(method.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("unknown quantization '" + method + "' (int8 is the one there is)");
        }
        return new Quantization(keepEmbeddings);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", INT8);
        m.put("scheme", "symmetric per output channel");
        m.put("scale_dtype", "float32");
        m.put("embeddings", keepEmbeddings ? "float32" : INT8);
        return m;
    }

    /** The {@code quantization} object of a config.json; IllegalArgumentException says what is wrong. */
    public static Quantization fromMap(Map<String, Object> m) {
        Object method = m.get("method");
        if (!INT8.equals(method)) {
            throw new IllegalArgumentException("quantization.method is " + method + " (int8 expected)");
        }
        Object embeddings = m.getOrDefault("embeddings", INT8);
        if (!INT8.equals(embeddings) && !"float32".equals(embeddings)) {
            throw new IllegalArgumentException("quantization.embeddings is " + embeddings + " (int8 or float32 expected)");
        }
        return new Quantization("float32".equals(embeddings));
    }

    @Override
    public String toString() {
        return INT8 + (keepEmbeddings ? " (embeddings float32)" : "");
    }
}
