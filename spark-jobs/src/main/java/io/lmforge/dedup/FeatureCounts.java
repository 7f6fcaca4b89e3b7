package io.lmforge.dedup;

/**
 * Distinct 64-bit features and how often each occurred: open addressing with linear probing, at
 * most half full (it doubles past that). It keeps its size between documents, so it is cleared
 * and read through the list of slots in use, in the order they were filled, never scanned whole.
 */
final class FeatureCounts {
    private long[] keys;
    private int[] counts;
    private int[] used;
    private int distinct;

    /** {@code capacity}: a power of two; up to half of it distinct features fit without growing. */
    FeatureCounts(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        keys = new long[capacity];
        counts = new int[capacity];
        used = new int[capacity / 2 + 1];
    }

    void add(long feature) {
        int mask = keys.length - 1;
        int slot = (int) feature & mask;
        while (counts[slot] != 0 && keys[slot] != feature) {
            slot = (slot + 1) & mask;
        }
        if (counts[slot] == 0) {
            keys[slot] = feature;
            used[distinct] = slot;
            if (++distinct * 2 > keys.length) {
                counts[slot] = 1;
                grow();
                return;
            }
        }
        counts[slot]++;
    }

    int distinct() {
        return distinct;
    }

    /** The slot of the {@code i}-th distinct feature added. */
    int slot(int i) {
        return used[i];
    }

    long key(int slot) {
        return keys[slot];
    }

    int count(int slot) {
        return counts[slot];
    }

    /** The slot of a feature that was added. */
    int slotOf(long feature) {
        int mask = keys.length - 1;
        int slot = (int) feature & mask;
        while (keys[slot] != feature || counts[slot] == 0) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    void clear() {
        for (int i = 0; i < distinct; i++) {
            counts[used[i]] = 0;
        }
        distinct = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldCounts = counts;
        int[] oldUsed = used;
        keys = new long[oldKeys.length * 2];
        counts = new int[oldCounts.length * 2];
        used = new int[keys.length / 2 + 1];
        int mask = keys.length - 1;
        for (int i = 0; i < distinct; i++) {
            int old = oldUsed[i];
            int slot = (int) oldKeys[old] & mask;
            while (counts[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = oldKeys[old];
            counts[slot] = oldCounts[old];
            used[i] = slot;
        }
    }
}
