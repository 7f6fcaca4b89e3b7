package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Token ids (B, T) to vectors (B, T, d); its matrix doubles as the output head when tied. */
public final class TokenEmbedding extends ModelBlock {
    private final Parameter weight;
    private final int hidden;

    public TokenEmbedding(int vocab, int hidden, double initStd) {
        this.hidden = hidden;
        this.weight = weight("weight", initStd, vocab, hidden);
    }

    public NDArray forward(ParameterStore ps, NDArray tokens, boolean training) {
        NDArray w = ps.getValue(weight, tokens.getDevice(), training);
        return tokens.getNDArrayInternal().embedding(tokens, w, SparseFormat.DENSE).singletonOrThrow();
    }

    /** logits = h Eᵀ, the tied output head. */
    public NDArray logits(ParameterStore ps, NDArray h, boolean training) {
        NDArray w = ps.getValue(weight, h.getDevice(), training);
        return h.getNDArrayInternal().linear(h, w, null).singletonOrThrow();
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
