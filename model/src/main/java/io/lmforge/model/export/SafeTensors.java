package io.lmforge.model.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON header ({@code name: {"dtype", "shape", "data_offsets": [begin, end]}},
 * offsets relative to the end of the header, padded with spaces to a multiple of 8), then the
 * tensors' raw little-endian bytes in header order. Float32 only, which is what lmforge keeps its
 * parameters in; tensors are written one at a time, so memory holds one tensor's copy at most.
 */
public final class SafeTensors {
    private SafeTensors() {
    }

    /** A tensor to write: its name and values (copied to the host when written). */
    public record Tensor(String name, NDArray array) {
    }

    public static void write(Path file, List<Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long offset = 0;
        for (Tensor t : tensors) {
            long bytes = t.array().getShape().size() * 4;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", t.array().getShape().getShape());
            entry.put("data_offsets", new long[]{offset, offset + bytes});
            if (header.put(t.name(), entry) != null) {
                throw new IllegalArgumentException("tensor " + t.name() + " twice");
            }
            offset += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(length.array());
            out.write(json);
            out.write(" ".repeat(padded - json.length).getBytes(StandardCharsets.US_ASCII));
            for (Tensor t : tensors) {
                float[] values = t.array().toType(DataType.FLOAT32, false).toFloatArray();
                ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                data.asFloatBuffer().put(values);
                out.write(data.array());
            }
        }
    }
}
