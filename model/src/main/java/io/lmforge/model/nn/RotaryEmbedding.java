package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding (Su et al., RoFormer). Pair i of a head's channels (i, i + hd/2,
 * the "rotate half" layout of GPT-NeoX and Hugging Face LLaMA) is rotated by the angle
 * t · base^(-2i/hd) at position t:
 *
 * <pre>
 *   x'[i]        = x[i] cos θ − x[i+hd/2] sin θ
 *   x'[i+hd/2]   = x[i] sin θ + x[i+hd/2] cos θ
 * </pre>
 *
 * The angles are computed in double on the host, so the table is exact in any dtype.
 *
 * @param cos (T, hd/2), or (B, 1, T, hd/2) for per-sequence positions
 * @param sin the same shape as cos
 */
public record RotaryEmbedding(NDArray cos, NDArray sin) {

    /** Tables for positions 0..length-1. */
    public static RotaryEmbedding of(NDManager manager, int length, int headDim, double base, DataType dataType) {
        int half = headDim / 2;
        double[] c = new double[length * half];
        double[] s = new double[length * half];
        for (int t = 0; t < length; t++) {
            for (int i = 0; i < half; i++) {
                double angle = t * Math.pow(base, -2.0 * i / headDim);
                c[t * half + i] = Math.cos(angle);
                s[t * half + i] = Math.sin(angle);
            }
        }
        Shape shape = new Shape(length, half);
        return new RotaryEmbedding(manager.create(c, shape).toType(dataType, false),
                manager.create(s, shape).toType(dataType, false));
    }

    /**
     * Tables for explicit positions, one row per sequence: cos and sin of shape (B, 1, T, hd/2),
     * which broadcast over the heads. Incremental decoding uses them: a step's queries sit at
     * each sequence's own absolute positions, whatever slot of the cache they occupy.
     */
    public static RotaryEmbedding at(NDManager manager, int[][] positions, int headDim, double base, DataType dataType) {
        int half = headDim / 2;
        int b = positions.length;
        int length = positions[0].length;
        double[] c = new double[b * length * half];
        double[] s = new double[b * length * half];
        for (int row = 0; row < b; row++) {
            for (int t = 0; t < length; t++) {
                for (int i = 0; i < half; i++) {
                    double angle = positions[row][t] * Math.pow(base, -2.0 * i / headDim);
                    int at = (row * length + t) * half + i;
                    c[at] = Math.cos(angle);
                    s[at] = Math.sin(angle);
                }
            }
        }
        Shape shape = new Shape(b, 1, length, half);
        return new RotaryEmbedding(manager.create(c, shape).toType(dataType, false),
                manager.create(s, shape).toType(dataType, false));
    }

    /** Rotates x of shape (B, H, T, hd). */
    public NDArray apply(NDArray x) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        return NDArrays.concat(new NDList(
                x1.mul(cos).sub(x2.mul(sin)),
                x1.mul(sin).add(x2.mul(cos))), -1);
    }
}
