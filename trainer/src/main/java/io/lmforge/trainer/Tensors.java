package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import io.lmforge.model.checkpoint.Weights;

/** Small tensor helpers the trainer needs and DJL spells awkwardly. */
final class Tensors {
    private Tensors() {
    }

    /**
     * Copies {@code from} into {@code into} in place (the live tensor keeps its identity, its
     * gradient and its place in the optimizer), checking shape and naming the tensor on mismatch.
     */
    static void copyInto(NDArray from, NDArray into, String name) {
        Weights.copyInto(from, into, name);
    }
}
