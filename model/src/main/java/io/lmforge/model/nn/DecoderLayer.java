package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.lmforge.model.ModelConfig;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One pre-norm decoder layer:
 *
 * <pre>
 *   h = x + Attention(RMSNorm(x))
 *   y = h + FFN(RMSNorm(h))          FFN: dense SwiGLU, or DeepSeekMoE after the first dense layers
 * </pre>
 */
public final class DecoderLayer extends ModelBlock {
    private final RmsNorm attentionNorm;
    private final CausalSelfAttention attention;
    private final RmsNorm ffnNorm;
    private final SwiGlu dense;
    private final DeepSeekMoe moe;

    public DecoderLayer(ModelConfig c, int index) {
        attentionNorm = addChildBlock("attn_norm", new RmsNorm(c.hiddenSize(), c.normEps()));
        attention = addChildBlock("attn", new CausalSelfAttention(c.hiddenSize(), c.heads(), c.initStd()));
        ffnNorm = addChildBlock("ffn_norm", new RmsNorm(c.hiddenSize(), c.normEps()));
        if (c.isMoeLayer(index)) {
            dense = null;
            moe = addChildBlock("moe", new DeepSeekMoe(c.hiddenSize(), c.moe(), c.initStd()));
        } else {
            dense = addChildBlock("ffn", new SwiGlu(c.hiddenSize(), c.intermediateSize(), c.initStd()));
            moe = null;
        }
    }

    /** The layer's output and, for a MoE layer, its balance loss and expert loads (else null). */
    public record Output(NDArray hidden, NDArray balanceLoss, int[] expertCounts) {
    }

    public Output forward(ParameterStore ps, NDArray x, RotaryEmbedding rope, NDArray mask, boolean training) {
        return forward(ps, x, a -> attention.forward(ps, a, rope, mask, training), false, training);
    }

    /**
     * Inference over several parts' tokens at once, x (N, d) ({@link DeepSeekModel#forwardCached(ParameterStore, List)}):
     * attention per part on cache layer {@code layer}, everything else over all N tokens.
     * Incremental decoding has no use for the balance loss.
     */
    NDArray forwardCached(ParameterStore ps, NDArray x, List<CachedPart> parts, int layer) {
        return forward(ps, x, a -> attention.forwardCached(ps, a, parts, layer), true, false).hidden();
    }

    /** @param cached the cached inference pass (no balance loss), else the training-form forward */
    private Output forward(ParameterStore ps, NDArray x, UnaryOperator<NDArray> attend, boolean cached,
                           boolean training) {
        NDArray h = x.add(attend.apply(attentionNorm.forward(ps, x, training)));
        NDArray normed = ffnNorm.forward(ps, h, training);
        if (moe == null) {
            return new Output(h.add(dense.forward(ps, normed, training)), null, null);
        }
        DeepSeekMoe.Output m = cached ? moe.forwardCached(ps, normed) : moe.forward(ps, normed, training, true);
        return new Output(h.add(m.hidden()), m.balanceLoss(), m.expertCounts());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("called by DeepSeekModel with its RoPE tables and mask");
    }
}
