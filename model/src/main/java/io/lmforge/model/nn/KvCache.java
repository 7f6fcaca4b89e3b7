package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
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
 * full size, (B, H, capacity, hd) per layer and kind. Slot s of every sequence is written once,
 * by the forward pass that runs the token in slot s; a step's queries then attend to the filled
 * slots without recomputing them.
 *
 * <p>A {@link #view} runs a forward pass on part of the cache without copying it: rows
 * [rowFrom, rowTo) write their new slots in place, and the queries attend to slots
 * [from, length + T) only. Continuous batching keeps one buffer this way: a sequence that joins
 * is prefilled straight into a free row, one that leaves frees its row, and a decode step reads
 * only the window of slots the running sequences use.
 */
public final class KvCache implements AutoCloseable {
    private final List<Layer> layers = new ArrayList<>();
    private final int capacity;
    private final int rows;
    private final int from;
    private final boolean owner;
    private int length;

    private KvCache(int capacity, int rows, int from, int length, boolean owner) {
        this.capacity = capacity;
        this.rows = rows;
        this.from = from;
        this.length = length;
        this.owner = owner;
    }

    public static KvCache allocate(NDManager manager, ModelConfig config, int batch, int capacity, DataType dataType) {
        KvCache cache = new KvCache(capacity, batch, 0, 0, true);
        Shape shape = new Shape(batch, config.heads(), capacity, config.headDim());
        for (int i = 0; i < config.layers(); i++) {
            cache.layers.add(new Layer(manager.zeros(shape, dataType), manager.zeros(shape, dataType), -1, -1, 0));
        }
        return cache;
    }

    /** Slots filled so far (a view: the slot its next forward pass writes). */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** The first slot the queries attend to (0 but in a {@link #view}). */
    public int from() {
        return from;
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

    /** Sequences (rows) the cache, or the view, holds. */
    public int rows() {
        return rows;
    }

    /**
     * Rows [rowFrom, rowTo) of this cache, whose next forward pass writes slots [length, length + T)
     * in place and attends to slots [from, length + T). The view shares this cache's memory (it
     * frees nothing when closed); its length advances, this cache's does not.
     */
    public KvCache view(int rowFrom, int rowTo, int from, int length) {
        if (!owner || rowFrom < 0 || rowTo > rows || rowFrom >= rowTo || from < 0 || from > length || length > capacity) {
            throw new IllegalArgumentException("view of rows [" + rowFrom + ", " + rowTo + ") slots [" + from + ", "
                    + length + ") of a cache of " + rows + " rows and " + capacity + " slots");
        }
        KvCache view = new KvCache(capacity, rowTo - rowFrom, from, length, false);
        for (Layer l : layers) {
            view.layers.add(new Layer(l.keys, l.values, rowFrom, rowTo, from));
        }
        return view;
    }

    /**
     * A new cache of {@code rows} rows and {@code capacity} slots (zeros) holding rows [0, used) of
     * this one, their slots [from, to) moved to [at, at + to - from); its length is
     * {@code at + to - from}. How a batch grows (more rows or slots) or drops the slots in front
     * that no sequence needs. This cache is left as it was (close it when done).
     */
    public KvCache copy(NDManager manager, int rows, int capacity, int used, int from, int to, int at) {
        if (!owner || used < 1 || used > Math.min(this.rows, rows) || from < 0 || from > to || to > this.capacity
                || at < 0 || at + to - from > capacity) {
            throw new IllegalArgumentException("copy of rows [0, " + used + ") slots [" + from + ", " + to + ") to slot "
                    + at + " of " + rows + " rows and " + capacity + " slots");
        }
        KvCache out = new KvCache(capacity, rows, 0, at + to - from, true);
        NDIndex source = new NDIndex(":{}, :, {}:{}, :", used, from, to);
        NDIndex target = new NDIndex(":{}, :, {}:{}, :", used, at, at + to - from);
        for (Layer l : layers) {
            NDArray k = manager.zeros(new Shape(rows, l.keys.getShape().get(1), capacity, l.keys.getShape().get(3)),
                    l.keys.getDataType());
            NDArray v = manager.zeros(k.getShape(), k.getDataType());
            if (to > from) {
                try (NDScope scope = new NDScope()) {
                    k.set(target, l.keys.get(source));
                    v.set(target, l.values.get(source));
                }
            }
            out.layers.add(new Layer(k, v, -1, -1, 0));
        }
        return out;
    }

    /** Copies slots [from, to) of row {@code source} into row {@code target}, in place. */
    public void moveRow(int source, int target, int from, int to) {
        if (!owner || source < 0 || source >= rows || target < 0 || target >= rows || from < 0 || to > capacity) {
            throw new IllegalArgumentException("move row " + source + " to " + target + " of " + rows + " rows");
        }
        if (source == target || from >= to) {
            return;
        }
        NDIndex src = new NDIndex("{}:{}, :, {}:{}, :", source, source + 1, from, to);
        NDIndex dst = new NDIndex("{}:{}, :, {}:{}, :", target, target + 1, from, to);
        try (NDScope scope = new NDScope()) {
            for (Layer l : layers) {
                l.keys.set(dst, l.keys.get(src));
                l.values.set(dst, l.values.get(src));
            }
        }
    }

    /** Frees the memory; a view frees nothing. */
    @Override
    public void close() {
        if (owner) {
            for (Layer l : layers) {
                l.keys.close();
                l.values.close();
            }
        }
    }

    /** One layer's keys and values, (B, H, capacity, hd) each, or the rows and window of a view. */
    public static final class Layer {
        private final NDArray keys;
        private final NDArray values;
        private final int rowFrom;
        private final int rowTo;
        private final int from;

        /** @param rowFrom -1: every row */
        Layer(NDArray keys, NDArray values, int rowFrom, int rowTo, int from) {
            this.keys = keys;
            this.values = values;
            this.rowFrom = rowFrom;
            this.rowTo = rowTo;
            this.from = from;
        }

        /**
         * Writes k and v, (B, H, T, hd), into slots [start, start + T) and returns the keys and
         * values of slots [from, start + T).
         */
        NDList append(NDArray k, NDArray v, int start) {
            int end = start + (int) k.getShape().get(2);
            if (end > keys.getShape().get(2)) {
                throw new IllegalStateException("KV cache overflow: " + end + " slots, capacity " + keys.getShape().get(2));
            }
            NDIndex slots;
            NDIndex filled;
            if (rowFrom < 0) {
                slots = new NDIndex(":, :, {}:{}, :", start, end);
                filled = new NDIndex(":, :, {}:{}, :", from, end);
            } else {
                slots = new NDIndex("{}:{}, :, {}:{}, :", rowFrom, rowTo, start, end);
                filled = new NDIndex("{}:{}, :, {}:{}, :", rowFrom, rowTo, from, end);
            }
            keys.set(slots, k);
            values.set(slots, v);
            return new NDList(keys.get(filled), values.get(filled));
        }
    }
}
