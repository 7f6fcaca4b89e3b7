package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
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

    /** Sequences (rows) the cache holds. */
    public int rows() {
        return (int) layers.get(0).keys.getShape().get(0);
    }

    /**
     * A new cache of the same capacity holding {@code rows} of this one (in that order), with
     * slots [drop, length) moved to [0, length - drop): continuous batching removes finished
     * sequences this way, and compacts the front when no sequence uses its first slots any more.
     * This cache is left as it was (close it when done).
     */
    public KvCache select(int[] rows, int drop) {
        return select(rows, drop, capacity);
    }

    /** {@link #select(int[], int)} into a cache of another capacity (at least length - drop). */
    public KvCache select(int[] rows, int drop, int capacity) {
        if (rows.length == 0 || drop < 0 || drop > length || length - drop > capacity) {
            throw new IllegalArgumentException("select " + rows.length + " rows dropping " + drop + " of " + length
                    + " slots into capacity " + capacity);
        }
        KvCache out = new KvCache(capacity);
        out.length = length - drop;
        try (NDScope scope = new NDScope()) {
            for (Layer l : layers) {
                NDArray k = pad(pick(l.keys, rows, drop, length), 0, capacity - out.length);
                NDArray v = pad(pick(l.values, rows, drop, length), 0, capacity - out.length);
                NDScope.unregister(k, v);
                out.layers.add(new Layer(k, v));
            }
        }
        return out;
    }

    /**
     * Stacks caches along the batch axis aligned at their ends: with L the longest length, the
     * slots [0, l) of a part of length l land in [L - l, L) (the slots before are zero, and the
     * rows' attention masks must treat them as padding). The parts are left as they were.
     */
    public static KvCache stack(List<KvCache> parts, int capacity) {
        int length = 0;
        for (KvCache p : parts) {
            length = Math.max(length, p.length);
        }
        if (length > capacity) {
            throw new IllegalArgumentException("stack of " + length + " slots into capacity " + capacity);
        }
        KvCache out = new KvCache(capacity);
        out.length = length;
        try (NDScope scope = new NDScope()) {
            for (int i = 0; i < parts.get(0).layers.size(); i++) {
                NDList keys = new NDList();
                NDList values = new NDList();
                for (KvCache p : parts) {
                    Layer l = p.layers.get(i);
                    keys.add(pad(l.keys.get(new NDIndex(":, :, :{}, :", p.length)), length - p.length, capacity - length));
                    values.add(pad(l.values.get(new NDIndex(":, :, :{}, :", p.length)), length - p.length, capacity - length));
                }
                NDArray k = keys.size() == 1 ? keys.get(0) : NDArrays.concat(keys, 0);
                NDArray v = values.size() == 1 ? values.get(0) : NDArrays.concat(values, 0);
                NDScope.unregister(k, v);
                out.layers.add(new Layer(k, v));
            }
        }
        return out;
    }

    /** Rows {@code rows} of slots [from, to) of x (B, H, capacity, hd). */
    private static NDArray pick(NDArray x, int[] rows, int from, int to) {
        NDArray window = x.get(new NDIndex(":, :, {}:{}, :", from, to));
        boolean all = rows.length == x.getShape().get(0);
        for (int i = 0; all && i < rows.length; i++) {
            all = rows[i] == i;
        }
        if (all) {
            return window;
        }
        NDList picked = new NDList();
        for (int r : rows) {
            picked.add(window.get(new NDIndex("{}:{}", r, r + 1)));
        }
        return picked.size() == 1 ? picked.get(0) : NDArrays.concat(picked, 0);
    }

    /** x (B, H, T, hd) with {@code before} zero slots in front and {@code after} behind. */
    private static NDArray pad(NDArray x, int before, int after) {
        NDList parts = new NDList();
        Shape s = x.getShape();
        if (before > 0) {
            parts.add(x.getManager().zeros(new Shape(s.get(0), s.get(1), before, s.get(3)), x.getDataType()));
        }
        parts.add(x);
        if (after > 0) {
            parts.add(x.getManager().zeros(new Shape(s.get(0), s.get(1), after, s.get(3)), x.getDataType()));
        }
        return parts.size() == 1 ? x.duplicate() : NDArrays.concat(parts, 2);
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
