package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * A trainable term added to a frozen {@link Projection}'s output (LoRA's {@code s · B A x}, see
 * {@code io.lmforge.model.lora}). The projection stays as it is, so its weights and checkpoint
 * names do not change when an adapter is attached.
 */
public interface ProjectionAdapter {
    /**
     * @param x    the projection's input (…, in)
     * @param base the projection's own output x Wᵀ (…, out)
     * @return base plus the adapter's term, (…, out)
     */
    NDArray adapt(ParameterStore ps, NDArray x, NDArray base, boolean training);
}
