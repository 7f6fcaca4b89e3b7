package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The SwiGLU feed-forward (Shazeer, 2020): y = W₂ (SiLU(W₁ x) ⊙ W₃ x), with W₁ and W₃ fused into
 * one projection so a token costs two matrix multiplies instead of three. Used as the dense
 * layer and as every DeepSeekMoE expert.
 */
public final class SwiGlu extends ModelBlock {
    private final Projection gateUp;
    private final Projection down;

    public SwiGlu(int hidden, int intermediate, double initStd) {
        this.gateUp = addChildBlock("w13", new Projection(hidden, 2 * intermediate, initStd));
        this.down = addChildBlock("w2", new Projection(intermediate, hidden, initStd));
    }

    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray gateAndUp = gateUp.forward(ps, x, training);
        return down.forward(ps, activate(gateAndUp, gateAndUp.getShape().dimension() - 1), training);
    }

    /** The two projections, for {@link DeepSeekMoe}'s inference path that runs its experts' activations together. */
    Projection gateUp() {
        return gateUp;
    }

    Projection down() {
        return down;
    }

    /** SiLU(gate) ⊙ up of the fused projection's output, split along {@code axis}: the same operations as {@link #forward}. */
    static NDArray activate(NDArray gateAndUp, int axis) {
        NDList gu = gateAndUp.split(2, axis);
        NDArray gate = gu.get(0);
        return gate.mul(Activation.sigmoid(gate)).mul(gu.get(1));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }
}
