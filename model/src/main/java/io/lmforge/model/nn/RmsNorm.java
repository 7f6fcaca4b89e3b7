package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.lmforge.model.Scalars;

/** RMSNorm (Zhang and Sennrich, 2019): y = x / sqrt(mean(x²) + eps) · g. */
public final class RmsNorm extends ModelBlock {
    private final Parameter gain;
    private final double eps;

    public RmsNorm(int size, double eps) {
        this.eps = eps;
        this.gain = gain("weight", size);
    }

    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray g = ps.getValue(gain, x.getDevice(), training);
        NDArray rms = Scalars.plus(x.square().mean(new int[]{-1}, true), eps).sqrt();
        return x.div(rms).mul(g);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }
}
