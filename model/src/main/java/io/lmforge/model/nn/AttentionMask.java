package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Additive attention masks: 0 where a query may attend to a key, −∞ where it may not, added to
 * the scores before the softmax. DJL has no {@code triu}, so causality comes from {@code arange}
 * comparisons (key position j ≤ query position i); DJL's {@code where} does not broadcast, so
 * the mask is built at full shape once per forward and shared by all layers.
 */
public final class AttentionMask {
    private AttentionMask() {
    }

    /** (T, T): 0 where j ≤ i, −∞ elsewhere. */
    public static NDArray causal(NDManager manager, int length, DataType dataType) {
        return additive(allowedCausal(manager, length), dataType);
    }

    /**
     * (B, 1, T, T): causal and within one document. {@code documentIds} (B, T) numbers the
     * documents of each window (0, 0, 0, 1, 1, 2, ...), so packed documents do not see each other.
     */
    public static NDArray causalWithinDocuments(NDArray documentIds, DataType dataType) {
        long b = documentIds.getShape().get(0);
        long t = documentIds.getShape().get(1);
        NDArray sameDocument = documentIds.reshape(b, 1, t, 1).eq(documentIds.reshape(b, 1, 1, t));
        return additive(sameDocument.logicalAnd(allowedCausal(documentIds.getManager(), (int) t)), dataType);
    }

    /**
     * (B, 1, T, start + T) for incremental decoding of left-padded sequences: the queries in slots
     * [start, start + T) see every earlier or equal slot that is not padding (slots before
     * {@code padding[b]}); a padding query sees itself only, so its row is finite and its own
     * (ignored) output stays finite too.
     */
    public static NDArray cachedStep(NDManager manager, int[] padding, int start, int length, DataType dataType) {
        int keys = start + length;
        float[] m = new float[padding.length * length * keys];
        for (int b = 0; b < padding.length; b++) {
            for (int i = 0; i < length; i++) {
                int query = start + i;
                for (int j = 0; j < keys; j++) {
                    boolean allowed = j <= query && (j >= padding[b] || j == query);
                    m[(b * length + i) * keys + j] = allowed ? 0f : Float.NEGATIVE_INFINITY;
                }
            }
        }
        return manager.create(m, new ai.djl.ndarray.types.Shape(padding.length, 1, length, keys)).toType(dataType, false);
    }

    private static NDArray allowedCausal(NDManager manager, int length) {
        NDArray pos = manager.arange(length);
        return pos.reshape(length, 1).gte(pos.reshape(1, length));
    }

    private static NDArray additive(NDArray allowed, DataType dataType) {
        NDManager m = allowed.getManager();
        return NDArrays.where(allowed, m.zeros(allowed.getShape(), dataType),
                m.full(allowed.getShape(), Float.NEGATIVE_INFINITY, dataType));
    }
}
