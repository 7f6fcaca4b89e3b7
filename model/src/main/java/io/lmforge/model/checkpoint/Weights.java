package io.lmforge.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Saved tensors into live parameters: resuming training and loading a model for inference alike. */
public final class Weights {
    private Weights() {
    }

    /**
     * Copies each parameter's tensor of the same name from {@code saved} in place.
     *
     * @throws IllegalStateException naming {@code source} and the tensor when one is missing or has another shape
     */
    public static void load(Map<String, Parameter> parameters, NDList saved, Path source) {
        Map<String, NDArray> byName = new HashMap<>();
        for (NDArray a : saved) {
            byName.put(a.getName(), a);
        }
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            NDArray from = byName.get(e.getKey());
            if (from == null) {
                throw new IllegalStateException(source + " has no tensor " + e.getKey());
            }
            DataType into = e.getValue().getArray().getDataType();
            if ((from.getDataType() == DataType.INT8) != (into == DataType.INT8)) {
                throw new IllegalStateException(source + ": tensor " + e.getKey() + " is " + from.getDataType()
                        + " but the model holds it as " + into + (from.getDataType() == DataType.INT8
                        ? " (an int8-quantized checkpoint: training and export need the float32 checkpoint it was "
                        + "made from, which its state.json names as quantized_from)" : ""));
            }
            copyInto(from, e.getValue().getArray(), e.getKey());
        }
    }

    /**
     * Copies {@code from} into {@code into} in place (the live tensor keeps its identity, its
     * gradient and its place in the optimizer), checking shape and naming the tensor on mismatch.
     */
    public static void copyInto(NDArray from, NDArray into, String name) {
        if (!from.getShape().equals(into.getShape())) {
            throw new IllegalStateException(name + ": saved shape " + from.getShape() + " but the model has " + into.getShape());
        }
        into.set(new NDIndex("..."), from.toType(into.getDataType(), false).toDevice(into.getDevice(), false));
    }
}
