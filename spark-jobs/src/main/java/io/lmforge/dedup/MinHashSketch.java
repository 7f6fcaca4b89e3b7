package io.lmforge.dedup;

import java.util.Arrays;

/**
 * A bottom-k MinHash sketch of a set of shingle hashes: the k smallest distinct 32-bit values
 * (the high halves of the 64-bit hashes, unsigned), stored sorted as {@code 4k} bytes.
 *
 * <p>It estimates the Jaccard similarity of two sets from their sketches alone (Broder 1997;
 * Cohen and Kaplan 2007): the k smallest values of the union of the two sketches are the k
 * smallest of the union of the sets, and the share of them found in both sketches estimates
 * |A ∩ B| / |A ∪ B|. Sampling without replacement, its error is at most the classic k-minhash
 * estimator's, sd ≈ sqrt(J (1 - J) / k), and it is exact when both sets have fewer than k
 * elements (short documents). One comparison per shingle once the sketch is full: the hot
 * path costs a branch, not k hash functions.
 *
 * <p>Not thread-safe; {@link #reset} between documents.
 */
public final class MinHashSketch {
    private final int k;
    /** A max-heap of the smallest values seen (as unsigned ints stored in longs), {@code size} of them. */
    private final long[] heap;
    private int size;

    public MinHashSketch(int k) {
        if (k < 1 || k > 4096) {
            throw new IllegalArgumentException("sketch size must be in [1, 4096], got " + k);
        }
        this.k = k;
        this.heap = new long[k];
    }

    public int k() {
        return k;
    }

    public void reset() {
        size = 0;
    }

    /** Adds a 64-bit shingle hash (only its high 32 bits are kept). */
    public void add(long hash) {
        long v = hash >>> 32;
        if (size == k) {
            if (v >= heap[0]) {
                return;
            }
            if (contains(v)) {
                return;
            }
            heap[0] = v;
            siftDown();
            return;
        }
        if (contains(v)) {
            return;
        }
        heap[size] = v;
        siftUp(size++);
    }

    /** The sketch as sorted big-endian unsigned 32-bit values. */
    public byte[] toBytes() {
        long[] sorted = Arrays.copyOf(heap, size);
        Arrays.sort(sorted);
        byte[] out = new byte[4 * size];
        for (int i = 0; i < size; i++) {
            long v = sorted[i];
            out[4 * i] = (byte) (v >>> 24);
            out[4 * i + 1] = (byte) (v >>> 16);
            out[4 * i + 2] = (byte) (v >>> 8);
            out[4 * i + 3] = (byte) v;
        }
        return out;
    }

    /**
     * Estimated Jaccard similarity of the two sets whose sketches (of at most {@code k} values
     * each) are {@code a} and {@code b}. The first k values of the merged sketches are the k
     * smallest of A ∪ B (a value among those is among the k smallest of its own set), and such a
     * value is in A ∩ B exactly when it is in both sketches. When the merged sketches hold fewer
     * than k values, both sets are complete and the result is exact. Two empty sketches are equal sets.
     */
    public static double jaccard(byte[] a, byte[] b, int k) {
        int na = a.length / 4;
        int nb = b.length / 4;
        if (na == 0 && nb == 0) {
            return 1;
        }
        int i = 0;
        int j = 0;
        int union = 0;
        int both = 0;
        while (union < k && (i < na || j < nb)) {
            long x = i < na ? value(a, i) : Long.MAX_VALUE;
            long y = j < nb ? value(b, j) : Long.MAX_VALUE;
            if (x == y) {
                both++;
                i++;
                j++;
            } else if (x < y) {
                i++;
            } else {
                j++;
            }
            union++;
        }
        return union == 0 ? 0 : (double) both / union;
    }

    private static long value(byte[] s, int i) {
        return ((s[4 * i] & 0xFFL) << 24) | ((s[4 * i + 1] & 0xFFL) << 16) | ((s[4 * i + 2] & 0xFFL) << 8)
                | (s[4 * i + 3] & 0xFFL);
    }

    private boolean contains(long v) {
        for (int i = 0; i < size; i++) {
            if (heap[i] == v) {
                return true;
            }
        }
        return false;
    }

    private void siftUp(int i) {
        long v = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] >= v) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
    }

    private void siftDown() {
        long v = heap[0];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] > heap[child]) {
                child++;
            }
            if (heap[child] <= v) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = v;
    }
}
