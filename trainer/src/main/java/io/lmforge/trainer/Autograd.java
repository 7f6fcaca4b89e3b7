package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * What DJL's {@code GradientCollector} does for PyTorch (grad mode on for this thread, then
 * {@code backward} from a scalar), without its JVM-wide "only one collector at a time" flag.
 * Data-parallel ranks run as threads of one executor JVM when Spark gives an executor more than
 * one task slot (and always in local mode), and each must be able to record and run its own
 * backward pass; libtorch's autograd supports concurrent backward passes on separate graphs.
 * Grad mode is per thread in libtorch, so ranks do not disturb each other.
 */
final class Autograd implements AutoCloseable {
    private final boolean wasEnabled;

    private Autograd() {
        wasEnabled = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    /** Starts recording operations on this thread for a backward pass. */
    static Autograd record() {
        return new Autograd();
    }

    /** Accumulates ∂loss/∂w into every parameter's gradient; {@code loss} is a scalar. */
    void backward(NDArray loss) {
        try (NDArray seed = loss.onesLike()) {
            JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
        }
    }

    @Override
    public void close() {
        JniUtils.setGradMode(wasEnabled);
    }
}
