package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.lmforge.model.ModelConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The keys and values of every layer for a batch of sequences being decoded, allocated once at
 * full size, (B, H, capacity, hd) per layer and kind, where capacity = the longest prompt plus
 * the new tokens. Slot s of every sequence is written once, by the forward pass that runs the
 * token in slot s; a step's queries then attend to slots [0, length) without recomputing them.
 */
public final class KvCache implements AutoCloseable {
    private final List<Layer> layers = new ArrayList<>();
    private final int capacity;
    private int length;

    private KvCache(int capacity) {
        this.capacity = capacity;
    }

    public static KvCache allocate(NDManager manager, ModelConfig config, int batch, int capacity, DataType dataType) {
        KvCache cache = new KvCache(capacity);
        Shape shape = new Shape(batch, config.heads(), capacity, config.headDim());
        for (int i = 0; i < config.layers(); i++) {
            cache.layers.add(new Layer(manager.zeros(shape, dataType), manager.zeros(shape, dataType)));
        }
        return cache;
    }

    /** Slots filled so far. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public Layer layer(int i) {
        return layers.get(i);
    }

    /** Marks {@code tokens} more slots as filled (after every layer has written them). */
    void advance(int tokens) {
        if (length + tokens > capacity) {
            throw new IllegalStateException("KV cache overflow: " + (length + tokens) + " slots, capacity " + capacity);
        }
        length += tokens;
    }

    @Override
    public void close() {
        for (Layer l : layers) {
            l.keys.close();
            l.values.close();
        }
    }

    /** One layer's keys and values, (B, H, capacity, hd) each. */
    public static final class Layer {
        private final NDArray keys;
        private final NDArray values;

        Layer(NDArray keys, NDArray values) {
            this.keys = keys;
            this.values = values;
        }

        /**
         * Writes k and v, (B, H, T, hd), into slots [start, start + T) and returns the keys and
         * values of slots [0, start + T).
         */
        NDList append(NDArray k, NDArray v, int start) {
            int end = start + (int) k.getShape().get(2);
            if (end > keys.getShape().get(2)) {
                throw new IllegalStateException("KV cache overflow: " + end + " slots, capacity " + keys.getShape().get(2));
            }
            NDIndex slots = new NDIndex(":, :, {}:{}, :", start, end);
            keys.set(slots, k);
            values.set(slots, v);
            NDIndex filled = new NDIndex(":, :, :{}, :", end);
            return new NDList(keys.get(filled), values.get(filled));
        }
    }
}
