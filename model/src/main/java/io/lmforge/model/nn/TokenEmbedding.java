package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.lmforge.model.quantize.Int8;

/** Token ids (B, T) to vectors (B, T, d); its matrix doubles as the output head when tied. */
public final class TokenEmbedding extends ModelBlock {
    private final Parameter weight;
    private final int hidden;
    private final int vocab;
    private Parameter scale;

    public TokenEmbedding(int vocab, int hidden, double initStd) {
        this.hidden = hidden;
        this.vocab = vocab;
        this.weight = weight("weight", initStd, vocab, hidden);
    }

    public NDArray forward(ParameterStore ps, NDArray tokens, boolean training) {
        NDArray w = ps.getValue(weight, tokens.getDevice(), training);
        if (scale != null) {
            return Int8.embedding(tokens, w, ps.getValue(scale, tokens.getDevice(), false));
        }
        return tokens.getNDArrayInternal().embedding(tokens, w, SparseFormat.DENSE).singletonOrThrow();
    }

    /** logits = h Eᵀ, the tied output head. */
    public NDArray logits(ParameterStore ps, NDArray h, boolean training) {
        NDArray w = ps.getValue(weight, h.getDevice(), training);
        if (scale != null) {
            return Int8.linear(h, w, ps.getValue(scale, h.getDevice(), false));
        }
        return h.getNDArrayInternal().linear(h, w, null).singletonOrThrow();
    }

    /** Before initialisation: int8 rows with a float32 scale each, for lookup and tied head alike ({@link Int8}). */
    public void storeInt8() {
        scale = storeInt8(weight, vocab);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[]{inputShapes[0].add(hidden)};
    }
}
