package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** y = x Wᵀ without bias (no biases anywhere in the model, as in LLaMA and DeepSeek). */
public final class Projection extends ModelBlock {
    private final Parameter weight;
    private final int out;
    private ProjectionAdapter adapter;

    public Projection(int in, int out, double initStd) {
        this.out = out;
        this.weight = weight("weight", initStd, out, in);
    }

    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray y = x.getNDArrayInternal().linear(x, w, null).singletonOrThrow();
        return adapter == null ? y : adapter.adapt(ps, x, y, training);
    }

    /** Adds {@code adapter}'s term to every later forward (null removes it); see {@link ProjectionAdapter}. */
    public void attach(ProjectionAdapter adapter) {
        this.adapter = adapter;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[]{in.slice(0, in.dimension() - 1).add(out)};
    }
}
