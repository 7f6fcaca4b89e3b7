package io.lmforge.model.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.quantize.Quantization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * int8 checkpoints of the tiny preset: logits close to float32, a save/load round trip that
 * changes nothing, int8 in memory, and the bad inputs (damaged file, double quantization,
 * quantized weights into a float32 model).
 */
class QuantizedCheckpointTest {
    static final Quantization INT8 = new Quantization(false);

    @TempDir
    static Path dir;
    static Path fp32;
    static int[][] tokens;

    @BeforeAll
    static void checkpoint() throws IOException {
        // The tiny preset with a larger init std than its 0.02, so the random model's logits
        // spread (std about 1) like a trained model's rather than sitting near uniform.
        ModelConfig tiny = ModelConfig.preset("tiny");
        ModelConfig c = new ModelConfig("tiny", tiny.vocabSize(), tiny.hiddenSize(), tiny.layers(), tiny.heads(),
                tiny.intermediateSize(), 64, tiny.ropeBase(), tiny.normEps(), 0.1, tiny.tieEmbeddings(), tiny.moe());
        fp32 = RandomCheckpoint.write(dir.resolve("fp32"), c, 5);
        Random r = new Random(3);
        tokens = new int[2][24];
        for (int[] row : tokens) {
            for (int i = 0; i < row.length; i++) {
                row[i] = r.nextInt(RandomCheckpoint.TOKENIZER_VOCAB);
            }
        }
    }

    static float[] logits(CheckpointModel m) {
        NDArray t = m.manager().create(tokens);
        return m.model().forward(new ParameterStore(m.manager(), false), t, null, false).get(0).toFloatArray();
    }

    @Test
    void quantizedLogitsStayCloseToFloat32() throws IOException {
        float[] reference;
        try (CheckpointModel m = CheckpointModel.load(fp32)) {
            reference = logits(m);
        }
        for (Quantization q : new Quantization[]{INT8, new Quantization(true)}) {
            try (CheckpointModel m = CheckpointModel.load(fp32, Device.cpu(), q)) {
                float[] quantized = logits(m);
                double diff = 0;
                double spread = 0;
                double mean = Arrays.stream(toDouble(reference)).average().orElseThrow();
                for (int i = 0; i < reference.length; i++) {
                    diff += Math.pow(quantized[i] - reference[i], 2);
                    spread += Math.pow(reference[i] - mean, 2);
                }
                double relative = Math.sqrt(diff / spread);
                // Each weight is off by at most half a step, s/2 = max|w|/254: a rounding error of
                // RMS s/√12, about 0.7 % of a Gaussian row's RMS (max|w| ≈ 3σ). Eighteen matrices
                // lie on a token's path (4 per layer, the embedding, the head): in quadrature about
                // 3 %, and a random untrained network amplifies perturbations by its gain (this one
                // measured 5.8 %). 8 % still fails a scale on the wrong axis or a missing scale,
                // which are errors of the order of the logits themselves (100 %).
                assertTrue(relative < 0.08, q + ": logits' RMS error is " + relative + " of their spread");
                assertTrue(relative > 0, q + ": quantization changed nothing; were the weights quantized?");
            }
        }
    }

    @Test
    void writtenCheckpointLoadsWithIdenticalLogitsAndStaysInt8() throws IOException {
        Path out = QuantizedCheckpoint.write(fp32, dir.resolve("int8"), INT8);
        float[] onLoad;
        try (CheckpointModel m = CheckpointModel.load(fp32, Device.cpu(), INT8)) {
            onLoad = logits(m);
        }
        try (CheckpointModel m = CheckpointModel.load(out)) {
            assertEquals(INT8, m.quantization());
            assertArrayEquals(onLoad, logits(m), "saved and loaded: the same codes and scales, the same logits");
            Map<String, Parameter> p = m.model().namedParameters();
            assertEquals(DataType.INT8, p.get("layers.0.attn.wqkv.weight").getArray().getDataType());
            assertEquals(DataType.INT8, p.get("layers.1.moe.experts.3.w13.weight").getArray().getDataType());
            assertEquals(DataType.INT8, p.get("embed.weight").getArray().getDataType());
            assertEquals(DataType.FLOAT32, p.get("layers.1.moe.router.weight").getArray().getDataType());
            assertEquals(DataType.FLOAT32, p.get("embed.weight_scale").getArray().getDataType());
        }
        assertEquals(CheckpointFiles.sha256(fp32.resolve(CheckpointFiles.TOKENIZER)),
                CheckpointFiles.sha256(out.resolve(CheckpointFiles.TOKENIZER)));
        assertEquals(CheckpointFiles.readConfig(fp32).tokenizerSha256(), CheckpointFiles.readConfig(out).tokenizerSha256());
        long fp32Bytes = Files.size(fp32.resolve("model.safetensors"));
        long int8Bytes = Files.size(out.resolve("model.safetensors"));
        assertTrue(int8Bytes < 0.3 * fp32Bytes, int8Bytes + " bytes against " + fp32Bytes);
        assertNull(CheckpointFiles.readConfig(fp32).quantization());
    }

    @Test
    void keepEmbeddingsLeavesTheEmbeddingFloat32() throws IOException {
        Path out = QuantizedCheckpoint.write(fp32, dir.resolve("int8-keep"), new Quantization(true));
        try (CheckpointModel m = CheckpointModel.load(out)) {
            Map<String, Parameter> p = m.model().namedParameters();
            assertEquals(DataType.FLOAT32, p.get("embed.weight").getArray().getDataType());
            assertNull(p.get("embed.weight_scale"));
            assertEquals(DataType.INT8, p.get("layers.0.attn.wo.weight").getArray().getDataType());
        }
    }

    @Test
    void badInputIsAClearErrorNamingTheFile() throws IOException {
        Path out = QuantizedCheckpoint.write(fp32, dir.resolve("bad"), INT8);
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> CheckpointModel.load(out, Device.cpu(), INT8));
        assertTrue(twice.getMessage().contains("already quantized"), twice.getMessage());

        Path weights = out.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length / 2));
        IOException damaged = assertThrows(IOException.class, () -> CheckpointModel.load(out));
        assertTrue(damaged.getMessage().contains(weights.toString()) && damaged.getMessage().contains("SHA-256"),
                damaged.getMessage());
        Files.delete(out.resolve(CheckpointFiles.STATE));                 // no hashes to compare: the read itself fails
        IOException truncated = assertThrows(IOException.class, () -> CheckpointModel.load(out));
        assertTrue(truncated.getMessage().contains(weights + " is not a readable safetensors file"), truncated.getMessage());

        Path again = dir.resolve("again");
        Files.createDirectories(again).resolve("x");
        Files.writeString(again.resolve("x"), "keep me");
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> QuantizedCheckpoint.write(fp32, again, INT8));
        assertEquals("keep me", Files.readString(again.resolve("x")));
    }

    @Test
    void int8TensorsDoNotLoadIntoAFloat32Model() throws IOException {
        Path out = QuantizedCheckpoint.write(fp32, dir.resolve("train"), INT8);
        try (CheckpointModel m = CheckpointModel.load(fp32);
             ai.djl.ndarray.NDManager scratch = m.manager().newSubManager()) {
            ai.djl.ndarray.NDList saved = CheckpointModel.decode(out.resolve("model.safetensors"), scratch);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Weights.load(m.model().namedParameters(), saved, out));
            assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("int8-quantized"), e.getMessage());
        }
        try (CheckpointModel m = CheckpointModel.load(out)) {
            assertNotNull(m.quantization());
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
