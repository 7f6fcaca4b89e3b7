package io.lmforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant, safe under autograd.
 *
 * <p>DJL's {@code mul(Number)} and {@code div(Number)} wrap the number in a tensor over a Java
 * direct buffer and close that tensor as soon as the op returns. Autograd keeps the tensor for
 * the backward pass (∂(x·c)/∂x needs c), but nothing keeps the buffer alive any more: once the
 * garbage collector frees it, the backward pass reads freed memory and gradients turn to NaN,
 * at random, depending on when the GC runs. A constant made by {@code full} lives in libtorch's
 * own memory, and the scope that closes the step's temporaries closes it after the backward pass.
 */
public final class Scalars {
    private Scalars() {
    }

    /** x · c */
    public static NDArray times(NDArray x, double c) {
        return x.mul(constant(x, c));
    }

    /** x / c */
    public static NDArray dividedBy(NDArray x, double c) {
        return x.div(constant(x, c));
    }

    /** x + c */
    public static NDArray plus(NDArray x, double c) {
        return x.add(constant(x, c));
    }

    private static NDArray constant(NDArray like, double c) {
        return like.getManager().full(new Shape(), (float) c, like.getDataType()).toDevice(like.getDevice(), false);
    }
}
