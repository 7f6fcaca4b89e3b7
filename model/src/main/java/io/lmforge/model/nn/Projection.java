package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.lmforge.model.quantize.Int8;

/** y = x Wᵀ without bias (no biases anywhere in the model, as in LLaMA and DeepSeek). */
public final class Projection extends ModelBlock {
    private final Parameter weight;
    private final int out;
    private ProjectionAdapter adapter;
    private Parameter scale;

    public Projection(int in, int out, double initStd) {
        this.out = out;
        this.weight = weight("weight", initStd, out, in);
    }

    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        if (scale != null) {
            return Int8.linear(x, w, ps.getValue(scale, x.getDevice(), false));
        }
        NDArray y = x.getNDArrayInternal().linear(x, w, null).singletonOrThrow();
        return adapter == null ? y : adapter.adapt(ps, x, y, training);
    }

    /**
     * W·x for inference, tokens as columns: {@code columns} (in, M) gives (out, M); only where
     * {@link #takesColumns} (no int8 weight, no adapter: else use {@link #forward}). The same product as
     * {@code forward} transposed; for the few tokens an expert gets in a decode step (M of 2 to 8)
     * the engine's multiply of the weight by the tokens' rows seen as columns (a transposed view)
     * costs about 60 % of {@code linear}'s.
     */
    NDArray timesColumns(ParameterStore ps, NDArray columns) {
        if (!takesColumns()) {
            throw new IllegalStateException("an int8 or adapted projection has no column form");
        }
        return ps.getValue(weight, columns.getDevice(), false).matMul(columns);
    }

    /** Whether {@link #timesColumns} serves this projection. */
    boolean takesColumns() {
        return scale == null && adapter == null;
    }

    /** Adds {@code adapter}'s term to every later forward (null removes it); see {@link ProjectionAdapter}. */
    public void attach(ProjectionAdapter adapter) {
        this.adapter = adapter;
    }

    /**
     * Before initialisation: the weight becomes int8 codes (no gradient) with a float32 scale per
     * output row, {@code weight_scale} ({@link Int8}); for inference only.
     */
    public void storeInt8() {
        scale = storeInt8(weight, out);
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
