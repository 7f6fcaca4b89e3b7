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
 * <p>Values below the current k-th smallest are appended to a buffer of 2k, which is sorted,
 * deduplicated and cut back to k when full: one comparison per shingle, and a sort of 2k values
 * only every k accepted ones (a shingle is accepted about k ln(n / k) times in n shingles).
 *
 * <p>Not thread-safe; {@link #reset} between documents.
 */
public final class MinHashSketch {
    private final int k;
    /** Candidate values (unsigned ints stored in longs); after {@link #compact} the first {@code size} are the sketch, sorted. */
    private final long[] buffer;
    private int size;
    /** The k-th smallest distinct value once k are known: nothing at or above it can enter. */
    private long threshold = Long.MAX_VALUE;

    public MinHashSketch(int k) {
        if (k < 1 || k > 4096) {
            throw new IllegalArgumentException("sketch size must be in [1, 4096], got " + k);
        }
        this.k = k;
        this.buffer = new long[2 * k];
    }

    public int k() {
        return k;
    }

    public void reset() {
        size = 0;
        threshold = Long.MAX_VALUE;
    }

    /** Adds a 64-bit shingle hash (only its high 32 bits are kept). */
    public void add(long hash) {
        long v = hash >>> 32;
        if (v >= threshold) {
            return;
        }
        buffer[size++] = v;
        if (size == buffer.length) {
            compact();
        }
    }

    /** The sketch as sorted big-endian unsigned 32-bit values. */
    public byte[] toBytes() {
        compact();
        byte[] out = new byte[4 * size];
        for (int i = 0; i < size; i++) {
            long v = buffer[i];
            out[4 * i] = (byte) (v >>> 24);
            out[4 * i + 1] = (byte) (v >>> 16);
            out[4 * i + 2] = (byte) (v >>> 8);
            out[4 * i + 3] = (byte) v;
        }
        return out;
    }

    /** Sorts and deduplicates the buffer and keeps its k smallest values. */
    private void compact() {
        Arrays.sort(buffer, 0, size);
        int distinct = 0;
        for (int i = 0; i < size; i++) {
            if (distinct == 0 || buffer[i] != buffer[distinct - 1]) {
                buffer[distinct++] = buffer[i];
            }
        }
        size = Math.min(distinct, k);
        if (size == k) {
            threshold = buffer[k - 1];
        }
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
}
