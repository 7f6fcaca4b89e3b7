package io.lmforge.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Learns byte-level BPE merges from counted words, on one machine (the Spark driver).
 *
 * <p>The incremental algorithm of Hugging Face's and SentencePiece's trainers: the count of every
 * adjacent symbol pair is kept, with the words each pair occurs in, and a max-heap of pairs by
 * count. A merge rewrites only the words that contain the merged pair and changes only the
 * counts of the pairs it touches: the pairs beside each occurrence lose it, the pairs with the
 * new symbol gain it. Heap entries are not updated in place; a popped entry whose count is stale
 * is pushed back with the current count (counts only fall between pushes, so the top entry that
 * is current is the true maximum). Cost per merge is proportional to the occurrences of the
 * merged pair, not to the corpus.
 *
 * <p>Ties between equal counts go to the pair with the smaller ids (left, then right), so the
 * result depends only on the word counts, never on their order. Symbols 0..255 are the bytes.
 */
public final class BpeTrainer {
    private final int maxMerges;
    private final long minFrequency;

    /**
     * @param maxMerges    merges to learn at most (vocabulary size less 256 bytes and the special tokens)
     * @param minFrequency a pair seen fewer times than this is never merged; training stops there
     */
    public BpeTrainer(int maxMerges, long minFrequency) {
        if (maxMerges < 0) {
            throw new IllegalArgumentException("maxMerges must be >= 0, got " + maxMerges);
        }
        this.maxMerges = maxMerges;
        this.minFrequency = Math.max(1, minFrequency);
    }

    /**
     * The learned vocabulary: {@code tokens.get(id)} is the byte-level string of symbol {@code id}
     * (the 256 bytes first, then one per merge); {@code merges.get(i)} is merge {@code i} as
     * {@code {left, right}} symbol ids.
     */
    public record Result(List<String> tokens, List<int[]> merges, long words, long pairsSeen) {
    }

    /**
     * @param words  distinct words as byte-level strings (see {@link ByteLevel})
     * @param counts how often each word occurs
     */
    public Result train(String[] words, long[] counts) {
        if (words.length != counts.length) {
            throw new IllegalArgumentException(words.length + " words but " + counts.length + " counts");
        }
        List<String> tokens = new ArrayList<>(256 + maxMerges);
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.charOf(b)));
        }
        State s = new State(words.length);
        for (int w = 0; w < words.length; w++) {
            String word = words[w];
            int[] sym = new int[word.length()];
            for (int i = 0; i < sym.length; i++) {
                int b = ByteLevel.byteOf(word.charAt(i));
                if (b < 0) {
                    throw new IllegalArgumentException("word " + w + " is not a byte-level string: " + word);
                }
                sym[i] = b;
            }
            s.sym[w] = sym;
            s.len[w] = sym.length;
            s.count[w] = counts[w];
            for (int i = 0; i + 1 < sym.length; i++) {
                s.add(sym[i], sym[i + 1], counts[w], w);
            }
        }
        for (int p = 0; p < s.pairs; p++) {
            if (s.pairCount[p] > 0) {
                s.heap.push(p, s.pairCount[p]);
            }
        }
        long pairsSeen = s.pairs;
        List<int[]> merges = new ArrayList<>(maxMerges);
        int[] visited = new int[words.length];
        Arrays.fill(visited, -1);
        while (merges.size() < maxMerges && s.heap.size > 0) {
            int p = s.heap.topPair();
            long c = s.heap.topCount();
            s.heap.pop();
            if (c != s.pairCount[p]) {
                if (s.pairCount[p] > 0) {
                    s.heap.push(p, s.pairCount[p]);
                }
                continue;
            }
            if (c < minFrequency) {
                break;
            }
            int a = s.left[p];
            int b = s.right[p];
            int merged = tokens.size();
            tokens.add(tokens.get(a) + tokens.get(b));
            merges.add(new int[]{a, b});
            int step = merges.size();
            s.step = step;
            s.touched.clear();
            IntList where = s.where[p];
            s.where[p] = null;
            for (int k = 0; k < where.size; k++) {
                int w = where.data[k];
                if (visited[w] != step) {
                    visited[w] = step;
                    s.merge(w, a, b, merged);
                }
            }
            for (int k = 0; k < s.touched.size; k++) {
                int t = s.touched.data[k];
                if (s.pairCount[t] > 0) {
                    s.heap.push(t, s.pairCount[t]);
                }
            }
            pairsSeen = s.pairs;
        }
        return new Result(tokens, merges, words.length, pairsSeen);
    }

    /** Words as symbol arrays, and the pair table. */
    private static final class State {
        final int[][] sym;
        final int[] len;
        final long[] count;
        final LongIntMap index = new LongIntMap();
        int pairs;
        int[] left = new int[1 << 16];
        int[] right = new int[1 << 16];
        long[] pairCount = new long[1 << 16];
        IntList[] where = new IntList[1 << 16];
        /** The merge step that last touched each pair, so a pair is pushed once per merge. */
        int[] touchedAt = new int[1 << 16];
        int step;
        final PairHeap heap;
        final IntList touched = new IntList();

        State(int words) {
            sym = new int[words][];
            len = new int[words];
            count = new long[words];
            heap = new PairHeap(this);
        }

        /** Adds {@code delta} to pair (x, y); a gain also records word {@code w} and marks the pair touched. */
        void add(int x, int y, long delta, int w) {
            long key = ((long) x << 32) | (y & 0xFFFFFFFFL);
            int p = index.get(key);
            if (p < 0) {
                p = pairs++;
                if (p == left.length) {
                    int n = left.length * 2;
                    left = Arrays.copyOf(left, n);
                    right = Arrays.copyOf(right, n);
                    pairCount = Arrays.copyOf(pairCount, n);
                    where = Arrays.copyOf(where, n);
                    touchedAt = Arrays.copyOf(touchedAt, n);
                }
                left[p] = x;
                right[p] = y;
                where[p] = new IntList();
                index.put(key, p);
            }
            pairCount[p] += delta;
            if (delta > 0) {
                if (where[p] != null) {
                    where[p].addUnlessLast(w);
                }
                if (touchedAt[p] != step) {
                    touchedAt[p] = step;
                    touched.addUnlessLast(p);
                }
            }
        }

        /** Rewrites word {@code w}, replacing each non-overlapping (a, b), left to right, by {@code merged}. */
        void merge(int w, int a, int b, int merged) {
            int[] s = sym[w];
            int n = len[w];
            long c = count[w];
            int out = 0;
            int i = 0;
            while (i < n) {
                if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                    if (out > 0) {
                        add(s[out - 1], a, -c, w);
                        add(s[out - 1], merged, c, w);
                    }
                    if (i + 2 < n) {
                        add(b, s[i + 2], -c, w);
                        add(merged, s[i + 2], c, w);
                    }
                    add(a, b, -c, w);
                    s[out++] = merged;
                    i += 2;
                } else {
                    s[out++] = s[i++];
                }
            }
            len[w] = out;
        }
    }

    /** Max-heap of pair ids by count, then by smaller (left, right). */
    private static final class PairHeap {
        private final State s;
        private int[] pair = new int[1 << 16];
        private long[] count = new long[1 << 16];
        int size;

        PairHeap(State s) {
            this.s = s;
        }

        int topPair() {
            return pair[0];
        }

        long topCount() {
            return count[0];
        }

        void push(int p, long c) {
            if (size == pair.length) {
                pair = Arrays.copyOf(pair, size * 2);
                count = Arrays.copyOf(count, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!before(p, c, pair[parent], count[parent])) {
                    break;
                }
                pair[i] = pair[parent];
                count[i] = count[parent];
                i = parent;
            }
            pair[i] = p;
            count[i] = c;
        }

        void pop() {
            int p = pair[--size];
            long c = count[size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && before(pair[child + 1], count[child + 1], pair[child], count[child])) {
                    child++;
                }
                if (!before(pair[child], count[child], p, c)) {
                    break;
                }
                pair[i] = pair[child];
                count[i] = count[child];
                i = child;
            }
            pair[i] = p;
            count[i] = c;
        }

        private boolean before(int p, long pc, int q, long qc) {
            if (pc != qc) {
                return pc > qc;
            }
            if (s.left[p] != s.left[q]) {
                return s.left[p] < s.left[q];
            }
            return s.right[p] < s.right[q];
        }
    }

    /** A growable int array. */
    private static final class IntList {
        int[] data = new int[4];
        int size;

        void addUnlessLast(int v) {
            if (size > 0 && data[size - 1] == v) {
                return;
            }
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        void clear() {
            size = 0;
        }
    }

    /** Open-addressing map from pair keys to pair ids; -1 when absent. */
    private static final class LongIntMap {
        private long[] keys = new long[1 << 16];
        private int[] values = new int[1 << 16];
        private boolean[] used = new boolean[1 << 16];
        private int size;

        int get(long key) {
            int mask = keys.length - 1;
            for (int i = slot(key, mask); used[i]; i = (i + 1) & mask) {
                if (keys[i] == key) {
                    return values[i];
                }
            }
            return -1;
        }

        void put(long key, int value) {
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int i = slot(key, mask);
            while (used[i] && keys[i] != key) {
                i = (i + 1) & mask;
            }
            if (!used[i]) {
                size++;
            }
            used[i] = true;
            keys[i] = key;
            values[i] = value;
        }

        private void grow() {
            long[] k = keys;
            int[] v = values;
            boolean[] u = used;
            keys = new long[k.length * 2];
            values = new int[k.length * 2];
            used = new boolean[k.length * 2];
            size = 0;
            for (int i = 0; i < k.length; i++) {
                if (u[i]) {
                    put(k[i], v[i]);
                }
            }
        }

        private static int slot(long key, int mask) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32)) & mask;
        }
    }
}
