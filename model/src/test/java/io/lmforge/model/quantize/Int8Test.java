package io.lmforge.model.quantize;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-channel symmetric int8: the error bound of every row, the codes' range, and the fused linear. */
class Int8Test {

    /** Rows of very different magnitudes (one scale per row is the point), one all-zero row. */
    private static float[][] matrix() {
        Random r = new Random(11);
        float[][] w = new float[6][37];
        double[] magnitude = {1e-4, 0.02, 1, 30, 0.5, 0};
        for (int i = 0; i < w.length; i++) {
            for (int j = 0; j < w[i].length; j++) {
                w[i][j] = (float) (r.nextGaussian() * magnitude[i]);
            }
        }
        w[4][5] = -7f;                                                    // an outlier sets its row's scale
        return w;
    }

    @Test
    void everyRowIsWithinHalfItsOwnStep() {
        float[][] w = matrix();
        try (NDManager m = NDManager.newBaseManager()) {
            NDList q = Int8.quantize(m.create(w));
            assertEquals(DataType.INT8, q.get(0).getDataType());
            assertEquals(new Shape(6, 37), q.get(0).getShape());
            assertEquals(new Shape(6), q.get(1).getShape());
            byte[] codes = q.get(0).toByteArray();
            float[] scale = q.get(1).toFloatArray();
            float[] back = Int8.dequantize(q.get(0), q.get(1)).toFloatArray();
            for (int i = 0; i < w.length; i++) {
                float maxAbs = 0;
                int maxCode = 0;
                for (int j = 0; j < w[i].length; j++) {
                    maxAbs = Math.max(maxAbs, Math.abs(w[i][j]));
                    int c = codes[i * w[i].length + j];
                    assertTrue(c >= -127 && c <= 127, "code " + c);
                    maxCode = Math.max(maxCode, Math.abs(c));
                    double err = Math.abs(w[i][j] - back[i * w[i].length + j]);
                    // s/2 from rounding, plus float32 rounding of the division and the product
                    assertTrue(err <= scale[i] / 2 * (1 + 1e-5) + 1e-6 * Math.abs(w[i][j]),
                            "row " + i + " col " + j + ": error " + err + " > half step " + scale[i] / 2);
                }
                if (maxAbs == 0) {
                    assertEquals(0, maxCode, "an all-zero row stays zero");
                } else {
                    assertEquals(maxAbs / 127, scale[i], maxAbs / 127 * 1e-6, "row " + i + "'s scale");
                    assertEquals(127, maxCode, "row " + i + "'s largest weight is the full code");
                }
            }
        }
    }

    @Test
    void linearEqualsTheDequantizedMatrixMultiply() {
        float[][] w = matrix();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(3, 2, 37));
            NDList q = Int8.quantize(m.create(w));
            NDArray expected = x.matMul(Int8.dequantize(q.get(0), q.get(1)).transpose());
            NDArray actual = Int8.linear(x, q.get(0), q.get(1));
            assertEquals(expected.getShape(), actual.getShape());
            float[] e = expected.toFloatArray();
            float[] a = actual.toFloatArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a[i], 1e-4 * (1 + Math.abs(e[i])), "element " + i);
            }
            assertEquals(DataType.INT8, q.get(0).getDataType(), "the codes stay int8");
        }
    }

    @Test
    void embeddingRowsAreTheDequantizedRows() {
        float[][] w = matrix();
        try (NDManager m = NDManager.newBaseManager()) {
            NDList q = Int8.quantize(m.create(w));
            NDArray rows = Int8.embedding(m.create(new int[][]{{3, 0}, {5, 3}}), q.get(0), q.get(1));
            float[] all = Int8.dequantize(q.get(0), q.get(1)).toFloatArray();
            float[] got = rows.toFloatArray();
            int[] ids = {3, 0, 5, 3};
            for (int t = 0; t < ids.length; t++) {
                float[] want = java.util.Arrays.copyOfRange(all, ids[t] * 37, ids[t] * 37 + 37);
                assertArrayEquals(want, java.util.Arrays.copyOfRange(got, t * 37, t * 37 + 37), 1e-6f, "token " + t);
            }
        }
    }
}
