package io.lmforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.lmforge.model.nn.DeepSeekModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DJL model's logits equal an independent double-precision forward for the same weights. */
class ReferenceParityTest {
    private static final double TOLERANCE = 1e-4;

    @Test
    void miniConfigMatchesReference() {
        check(TestModels.mini(), 2, 12, false);
    }

    @Test
    void tinyPresetMatchesReference() {
        check(ModelConfig.preset("tiny"), 1, 16, false);
    }

    @Test
    void documentMaskingAndNormalisedGatesMatchReference() {
        ModelConfig c = TestModels.mini();
        ModelConfig.Moe m = c.moe();
        c = c.withMoe(new ModelConfig.Moe(m.routedExperts(), 3, 2, m.expertIntermediateSize(), 1, 0.02, true));
        check(c, 2, 10, true);
    }

    @Test
    void tiedDenseModelMatchesReference() {
        ModelConfig c = new ModelConfig("dense", 61, 24, 2, 2, 36, 32, 500, 1e-6, 0.2, true, ModelConfig.Moe.none());
        check(c, 2, 9, false);
    }

    private static void check(ModelConfig config, int batch, int length, boolean documents) {
        int[][] tokens = TestModels.randomTokens(11, batch, length, config.vocabSize());
        int[][] docs = documents ? documentIds(batch, length) : null;
        try (NDManager manager = NDManager.newBaseManager()) {
            DeepSeekModel model = new DeepSeekModel(config).initialize(manager, DataType.FLOAT32, 3);
            NDList out = model.forward(new ParameterStore(manager, false), manager.create(tokens),
                    docs == null ? null : manager.create(docs), false);
            float[] logits = out.get(0).toFloatArray();
            assertArrayEquals(new long[]{batch, length, config.vocabSize()}, out.get(0).getShape().getShape());

            ReferenceDecoder reference = new ReferenceDecoder(config, TestModels.weights(model));
            double[][][] expected = reference.forward(tokens, docs);
            double maxRef = 0;
            double maxErr = 0;
            int i = 0;
            for (double[][] row : expected) {
                for (double[] position : row) {
                    for (double v : position) {
                        maxRef = Math.max(maxRef, Math.abs(v));
                        maxErr = Math.max(maxErr, Math.abs(v - logits[i++]));
                    }
                }
            }
            System.out.printf("%s: max abs logit %.4f, max abs error %.3g (relative %.3g)%n", config.name(), maxRef, maxErr, maxErr / maxRef);
            assertTrue(maxRef > 0.05, "logits too small to compare: " + maxRef);
            assertTrue(maxErr <= TOLERANCE * maxRef,
                    "max |logit - reference| = " + maxErr + " exceeds " + TOLERANCE + " x max |logit| " + maxRef);
            if (config.moe().enabled()) {
                // A near-tie could route differently in float32 and double: the comparison would be meaningless.
                assertTrue(reference.routingMargin > 1e-4, "routing too close to a tie: " + reference.routingMargin);
                int[][] counts = model.lastExpertCounts();
                for (int l = 0; l < config.layers(); l++) {
                    assertArrayEquals(reference.expertCounts[l], counts[l], "expert loads of layer " + l);
                }
                double balance = out.get(1).toType(DataType.FLOAT64, false).getDouble();
                assertEquals(reference.balanceLoss, balance, TOLERANCE * Math.abs(reference.balanceLoss));
                assertTrue(reference.balanceLoss > 0);
            }
        }
    }

    /** Windows packed with documents of lengths 3, 4, rest (row 0) and 5, rest (row 1). */
    private static int[][] documentIds(int batch, int length) {
        int[][] ids = new int[batch][length];
        for (int b = 0; b < batch; b++) {
            int[] cuts = b == 0 ? new int[]{3, 7} : new int[]{5};
            for (int t = 0; t < length; t++) {
                int doc = 0;
                for (int cut : cuts) {
                    doc += t >= cut ? 1 : 0;
                }
                ids[b][t] = doc;
            }
        }
        return ids;
    }

    @Test
    void maskingChangesLogitsOnlyAfterTheFirstDocument() {
        ModelConfig config = TestModels.mini();
        int[][] tokens = TestModels.randomTokens(5, 2, 10, config.vocabSize());
        try (NDManager manager = NDManager.newBaseManager()) {
            DeepSeekModel model = new DeepSeekModel(config).initialize(manager, DataType.FLOAT32, 3);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray plain = model.forward(ps, manager.create(tokens), null, false).get(0);
            NDArray masked = model.forward(ps, manager.create(tokens), manager.create(documentIds(2, 10)), false).get(0);
            // Row 0's first document is positions 0..2: identical; position 3 starts a new document: different.
            float[] a = plain.get("0, 0:3").toFloatArray();
            float[] b = masked.get("0, 0:3").toFloatArray();
            assertArrayEquals(a, b, 1e-6f);
            float diff = plain.get("0, 3").sub(masked.get("0, 3")).abs().max().getFloat();
            assertTrue(diff > 1e-4, "document mask had no effect");
        }
    }
}
