package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.lmforge.model.Scalars;

import java.util.List;

/**
 * Multi-head causal self-attention with RoPE on queries and keys:
 *
 * <pre>
 *   q, k, v = x W_qkvᵀ                     (one fused projection, as nanoGPT's c_attn)
 *   A       = softmax(mask(rope(q) rope(k)ᵀ / √hd)) v
 *   y       = concat_heads(A) W_oᵀ
 * </pre>
 */
public final class CausalSelfAttention extends ModelBlock {
    private final int heads;
    private final int headDim;
    private final Projection qkv;
    private final Projection out;

    public CausalSelfAttention(int hidden, int heads, double initStd) {
        this.heads = heads;
        this.headDim = hidden / heads;
        this.qkv = addChildBlock("wqkv", new Projection(hidden, 3 * hidden, initStd));
        this.out = addChildBlock("wo", new Projection(hidden, hidden, initStd));
    }

    /**
     * @param x    (B, T, d)
     * @param rope position tables for T
     * @param mask additive (0 or −∞), broadcastable to (B, H, T, T); see {@link AttentionMask}
     */
    public NDArray forward(ParameterStore ps, NDArray x, RotaryEmbedding rope, NDArray mask, boolean training) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        return out.forward(ps, attend(qkv.forward(ps, x, training), b, t, rope, mask, null, -1), training);
    }

    /**
     * Inference over several parts' tokens, x (N, d), the parts' (B_i · T_i) tokens one after
     * another: one projection in and out for all, attention per part on its cache layer.
     */
    NDArray forwardCached(ParameterStore ps, NDArray x, List<CachedPart> parts, int layer) {
        NDArray all = qkv.forward(ps, x, false);                                // (N, 3d)
        NDList ys = new NDList();
        long offset = 0;
        for (CachedPart p : parts) {
            long b = p.tokens().getShape().get(0);
            long t = p.tokens().getShape().get(1);
            NDArray part = parts.size() == 1 ? all : all.get(new NDIndex().addSliceDim(offset, offset + b * t));
            ys.add(attend(part.reshape(b, t, -1), b, t, p.rope(), p.mask(), p.cache().layer(layer), p.cache().length())
                    .reshape(b * t, -1));
            offset += b * t;
        }
        return out.forward(ps, ys.size() == 1 ? ys.singletonOrThrow() : NDArrays.concat(ys, 0), false);
    }

    /**
     * softmax(mask(rope(q) rope(k)ᵀ / √hd)) v from the fused projection's output (B, T, 3d): (B, T, d).
     * With a key/value cache (inference) this call's keys and values are written into {@code cache}
     * at slots [{@code start}, start + T) and the queries attend to slots [0, start + T), the mask
     * broadcastable to (B, H, T, start + T); without one (training), to the keys and values of x alone.
     */
    private NDArray attend(NDArray projected, long b, long t, RotaryEmbedding rope, NDArray mask, KvCache.Layer cache,
                           int start) {
        NDList qkvSplit = projected.split(3, 2);
        NDArray q = rope.apply(toHeads(qkvSplit.get(0), b, t));
        NDArray k = rope.apply(toHeads(qkvSplit.get(1), b, t));
        NDArray v = toHeads(qkvSplit.get(2), b, t);
        if (cache != null) {
            NDList kv = cache.append(k, v, start);
            k = kv.get(0);
            v = kv.get(1);
        }

        NDArray scores = Scalars.dividedBy(q.matMul(k.transpose(0, 1, 3, 2)), Math.sqrt(headDim));
        NDArray attention = scores.add(mask).softmax(-1);
        return attention.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim);
    }

    /** (B, T, d) to (B, H, T, hd). */
    private NDArray toHeads(NDArray x, long b, long t) {
        return x.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("called by DecoderLayer with its RoPE tables and mask");
    }
}
