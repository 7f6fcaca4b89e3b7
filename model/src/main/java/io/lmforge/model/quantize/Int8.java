package io.lmforge.model.quantize;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.training.initializer.Initializer;

/**
 * Symmetric int8 weight-only quantization, one scale per output channel (a row of W (out, in)):
 *
 * <pre>
 *   s_r = max_c |W_rc| / 127          (1 for an all-zero row)
 *   Q_rc = round(W_rc / s_r)           in [-127, 127]
 *   W_rc ≈ s_r Q_rc,                   |W_rc - s_r Q_rc| ≤ s_r / 2
 * </pre>
 *
 * At inference the int8 matrix is what stays in memory; a projection multiplies by it through a
 * float32 copy made for that one multiply and freed at once, and scales the output columns
 * instead of the weight rows: y = x Wᵀ ≈ (x Qᵀ) ⊙ s, one multiply of (…, out) instead of one of
 * (out, in). PyTorch's CPU int8 GEMMs (fbgemm's dynamic quantized linear, {@code _weight_int8pack_mm})
 * are not reachable through DJL's NDArray API; {@code lmforge bench quantize} times this path
 * against the float32 one, the dequantize-the-weight-first variant and DJL's integer matmul.
 */
public final class Int8 {
    /** The largest code: the range is symmetric, so -128 is never used. */
    public static final int MAX_CODE = 127;

    /**
     * Makes an int8 tensor of the shape asked for, whatever data type the block initialises in:
     * the quantized weights' placeholder until the checkpoint's codes are copied in.
     */
    public static final Initializer ZEROS = (manager, shape, dataType) -> manager.zeros(shape, DataType.INT8);

    private Int8() {
    }

    /** {@code NDList(Q int8 (out, in), s float32 (out))} of a float matrix (out, in), on its manager. */
    public static NDList quantize(NDArray weight) {
        NDArray w = weight.toType(DataType.FLOAT32, false);
        NDArray maxAbs = w.abs().max(new int[]{1});
        NDArray scale = maxAbs.div(MAX_CODE);
        // An all-zero row would divide by zero; any positive scale gives it all-zero codes.
        scale = scale.add(scale.eq(0).toType(DataType.FLOAT32, false));
        NDArray codes = w.div(scale.expandDims(1)).round().clip(-MAX_CODE, MAX_CODE).toType(DataType.INT8, false);
        return new NDList(codes, scale);
    }

    /** s_r Q_rc as float32 (out, in). */
    public static NDArray dequantize(NDArray codes, NDArray scale) {
        return codes.toType(DataType.FLOAT32, false).mul(scale.expandDims(1));
    }

    /** y = x Wᵀ ≈ (x Qᵀ) ⊙ s for x (…, in); the float32 copy of Q lives for this multiply only. */
    public static NDArray linear(NDArray x, NDArray codes, NDArray scale) {
        NDArray y;
        try (NDArray w = codes.toType(x.getDataType(), false)) {
            y = x.getNDArrayInternal().linear(x, w, null).singletonOrThrow();
        }
        return y.muli(scale.toType(y.getDataType(), false));
    }

    /** Rows of Q (vocab, d) for tokens (…), times their scales: (…, d) in float32. */
    public static NDArray embedding(NDArray tokens, NDArray codes, NDArray scale) {
        NDArray rows = tokens.getNDArrayInternal().embedding(tokens, codes, SparseFormat.DENSE).singletonOrThrow();
        NDArray rowScale = tokens.getNDArrayInternal()
                .embedding(tokens, scale.reshape(-1, 1), SparseFormat.DENSE).singletonOrThrow();
        return rows.toType(DataType.FLOAT32, false).muli(rowScale);
    }
}
