package io.lmforge.dedup;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The permuted tables of Manku, Jain and Das Sarma (WWW 2007) that find every pair of 64-bit
 * fingerprints within Hamming distance k without comparing all pairs.
 *
 * <p>The 64 bits are cut into {@code blocks} contiguous blocks. Two fingerprints that differ in
 * at most k bits differ in at most k blocks, so they agree exactly on at least
 * {@code blocks - k} of them. There is one table for each choice of {@code blocks - k} blocks;
 * its key is those blocks' bits, and the rest of the fingerprint (the other blocks, in a rotated
 * order, so that giant buckets sort differently in each table) follows as the sort order inside
 * a bucket. Any pair within distance k therefore shares a bucket in at least one table.
 *
 * <p>The default, 6 blocks for k = 3 (sizes 11, 11, 11, 11, 10, 10), gives C(6,3) = 20 tables
 * keyed on 31 to 33 bits: with n random fingerprints, a document meets
 * {@code (n - 1) * sum over tables of 2^-keyBits} others, 5.1e-3 at 10^6 documents and 5.1 at
 * 10^9 (see {@link #expectedCandidatesPerDocument(double)}).
 */
public final class PermutationTables implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int k;
    /** Per block: its shift (lowest bit) and width. Block 0 holds the highest bits. */
    private final int[] shift;
    private final int[] width;
    /** Per table: the block order, key blocks first. */
    private final int[][] order;
    private final int[] keyBits;

    public PermutationTables(int k, int blocks) {
        if (k < 0 || blocks <= k || blocks > 64) {
            throw new IllegalArgumentException("need 0 <= k < blocks <= 64, got k = " + k + ", blocks = " + blocks);
        }
        this.k = k;
        shift = new int[blocks];
        width = new int[blocks];
        int high = 64;
        for (int b = 0; b < blocks; b++) {
            // Wider blocks first: 64 = 11+11+11+11+10+10 for six blocks.
            width[b] = 64 / blocks + (b < 64 % blocks ? 1 : 0);
            high -= width[b];
            shift[b] = high;
        }
        List<int[]> tables = new ArrayList<>();
        combinations(blocks, blocks - k, 0, new int[blocks - k], 0, tables);
        order = new int[tables.size()][];
        keyBits = new int[tables.size()];
        for (int t = 0; t < tables.size(); t++) {
            int[] key = tables.get(t);
            boolean[] inKey = new boolean[blocks];
            int bits = 0;
            for (int b : key) {
                inKey[b] = true;
                bits += width[b];
            }
            int[] o = new int[blocks];
            System.arraycopy(key, 0, o, 0, key.length);
            int[] others = new int[k];
            int j = 0;
            for (int b = 0; b < blocks; b++) {
                if (!inKey[b]) {
                    others[j++] = b;
                }
            }
            for (int r = 0; r < k; r++) {
                o[key.length + r] = others[(r + t) % k];
            }
            order[t] = o;
            keyBits[t] = bits;
        }
    }

    public int k() {
        return k;
    }

    public int tables() {
        return order.length;
    }

    public int blocks() {
        return width.length;
    }

    public int keyBits(int table) {
        return keyBits[table];
    }

    /** The fingerprint with the table's blocks moved into its order, key blocks in the highest bits. */
    public long permute(long fp, int table) {
        long out = 0;
        for (int b : order[table]) {
            if (width[b] == 64) {
                return fp;
            }
            long block = (fp >>> shift[b]) & ((1L << width[b]) - 1);
            out = (out << width[b]) | block;
        }
        return out;
    }

    /** The bucket key: the highest {@link #keyBits(int)} bits of the permuted fingerprint. */
    public long key(long permuted, int table) {
        return permuted >>> (64 - keyBits[table]);
    }

    /**
     * Expected number of other documents met in the buckets of one document, over all tables,
     * when {@code n} fingerprints are uniformly random: {@code (n - 1) * sum_t 2^-keyBits(t)}.
     * Real fingerprints cluster (near-duplicates, shared boilerplate), so real counts are higher;
     * the stage reports the measured count.
     */
    public double expectedCandidatesPerDocument(double n) {
        double perPair = 0;
        for (int bits : keyBits) {
            perPair += Math.pow(2, -bits);
        }
        return (n - 1) * perPair;
    }

    /** "20 tables of 31-33 key bits", for logs and the manifest. */
    public String describe() {
        int lo = Integer.MAX_VALUE;
        int hi = 0;
        for (int bits : keyBits) {
            lo = Math.min(lo, bits);
            hi = Math.max(hi, bits);
        }
        return tables() + (tables() == 1 ? " table of " : " tables of ") + (lo == hi ? lo + "" : lo + "-" + hi) + " key bits (" + blocks()
                + " blocks, k = " + k + ")";
    }

    private static void combinations(int n, int r, int start, int[] current, int depth, List<int[]> out) {
        if (depth == r) {
            out.add(current.clone());
            return;
        }
        for (int i = start; i <= n - (r - depth); i++) {
            current[depth] = i;
            combinations(n, r, i + 1, current, depth + 1, out);
        }
    }
}
