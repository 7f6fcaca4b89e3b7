package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/** Small tensor helpers the trainer needs and DJL spells awkwardly. */
final class Tensors {
    private Tensors() {
    }

    /**
     * Copies {@code from} into {@code into} in place (the live tensor keeps its identity, its
     * gradient and its place in the optimizer), checking shape and naming the tensor on mismatch.
     */
    static void copyInto(NDArray from, NDArray into, String name) {
        if (!from.getShape().equals(into.getShape())) {
            throw new IllegalStateException(name + ": saved shape " + from.getShape() + " but the model has " + into.getShape());
        }
        into.set(new NDIndex("..."), from.toType(into.getDataType(), false).toDevice(into.getDevice(), false));
    }
}
