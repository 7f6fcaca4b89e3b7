package io.lmforge.mix;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The order in which a split's sequences of each domain are interleaved, such that every run of
 * {@code blockSize} consecutive sequences (not only aligned batches) holds each domain
 * {@code floor(c/m)} or {@code ceil(c/m)} times, where {@code c} is the domain's sequence count
 * and {@code m} the number of blocks: within one sequence of {@code blockSize * weight}.
 *
 * <p>Construction. Domain {@code k} needs {@code c_k = m * lo_k + h_k} sequences with
 * {@code 0 <= h_k < m}. Every block has the same slot pattern: {@code lo_k} fixed slots per
 * domain and {@code R = blockSize - sum lo_k} flex slots, spread out by smooth weighted
 * round-robin. Each block gives its flex slots to a set of {@code R} distinct domains, so a block
 * holds {@code lo_k} or {@code lo_k + 1} of each. A window that straddles two blocks takes each
 * slot position once, from one block or the other; because a domain that is in the flex sets of
 * both blocks keeps its flex slot, no domain can be counted from both blocks, so the window's
 * counts obey the same bounds. Flex sets are chosen block by block: domains that must be chosen
 * in every remaining block first, then the ones furthest behind their share {@code h_k / m}.
 * That spreads each domain's extra sequences evenly and ends with exactly {@code h_k}.
 *
 * <p>Positions are computed, not stored: the state (extra sequences given so far, flex slot
 * owners) is kept at every 64th block, and a query replays at most 63 blocks from there. Memory
 * is a few bytes per 64 blocks, so a split of billions of sequences costs megabytes.
 */
public final class BatchSchedule implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int CHECKPOINT_EVERY = 64;

    private final int blockSize;
    private final long blocks;
    private final long[] counts;
    private final int[] lo;
    private final long[] extra;
    private final int flex;
    /** Slot s of a block: a domain (its fixed slot) or -1 - r for flex slot r. */
    private final int[] pattern;
    /** For each domain, its fixed slot positions within a block, ascending. */
    private final int[][] fixedSlots;
    /** Flex slot r's position within a block. */
    private final int[] flexSlots;
    /** At checkpoint c (block c * 64): extra sequences given to each domain before it. */
    private final long[][] givenAt;
    /** At checkpoint c: owners of the flex slots in the block before it (-1 when none). */
    private final int[][] ownersAt;

    public BatchSchedule(int blockSize, long blocks, long[] counts) {
        if (blockSize < 1 || blocks < 0) {
            throw new IllegalArgumentException("blockSize " + blockSize + ", blocks " + blocks);
        }
        this.blockSize = blockSize;
        this.blocks = blocks;
        this.counts = counts.clone();
        int k = counts.length;
        lo = new int[k];
        extra = new long[k];
        long sum = 0;
        int sumLo = 0;
        for (int i = 0; i < k; i++) {
            sum += counts[i];
            lo[i] = blocks == 0 ? 0 : (int) (counts[i] / blocks);
            extra[i] = blocks == 0 ? 0 : counts[i] - lo[i] * blocks;
            sumLo += lo[i];
        }
        if (sum != (long) blockSize * blocks) {
            throw new IllegalArgumentException("counts sum to " + sum + ", not " + blockSize + " x " + blocks);
        }
        flex = blocks == 0 ? 0 : blockSize - sumLo;
        pattern = blocks == 0 ? new int[0] : pattern(lo, flex, blockSize);
        fixedSlots = new int[k][];
        for (int i = 0; i < k; i++) {
            fixedSlots[i] = new int[lo[i]];
        }
        flexSlots = new int[flex];
        int[] seen = new int[k];
        for (int s = 0; s < pattern.length; s++) {
            if (pattern[s] >= 0) {
                fixedSlots[pattern[s]][seen[pattern[s]]++] = s;
            } else {
                flexSlots[-1 - pattern[s]] = s;
            }
        }
        int checkpoints = (int) ((blocks + CHECKPOINT_EVERY - 1) / CHECKPOINT_EVERY) + 1;
        givenAt = new long[checkpoints][];
        ownersAt = new int[checkpoints][];
        long[] given = new long[k];
        int[] owners = new int[flex];
        Arrays.fill(owners, -1);
        for (long b = 0; b <= blocks; b++) {
            if (b % CHECKPOINT_EVERY == 0) {
                givenAt[(int) (b / CHECKPOINT_EVERY)] = given.clone();
                ownersAt[(int) (b / CHECKPOINT_EVERY)] = owners.clone();
            }
            if (b < blocks) {
                owners = next(b, given, owners);
            }
        }
        for (int i = 0; i < k; i++) {
            if (given[i] != extra[i]) {
                throw new IllegalStateException("schedule gave domain " + i + " " + given[i] + " extra of " + extra[i]);
            }
        }
    }

    public int blockSize() {
        return blockSize;
    }

    public long size() {
        return (long) blockSize * blocks;
    }

    public int domains() {
        return counts.length;
    }

    /** The position in the split of the {@code j}-th sequence (0-based) of domain {@code k}. */
    public long position(int k, long j) {
        return cursor(k).position(j);
    }

    /** Positions of domain {@code k}'s sequences, cheapest when asked in increasing order (see {@link Cursor}). */
    public Cursor cursor(int k) {
        return new Cursor(k);
    }

    /**
     * Walks one domain's sequences: asked for {@code j} at or after the last one asked, it replays
     * only the blocks in between (a caller that asks for every sequence in order pays one block
     * each); asked for an earlier one, or one past the next checkpoint, it starts from the last
     * checkpoint before {@code j}, so no call replays more than a checkpoint's blocks.
     */
    public final class Cursor {
        private final int k;
        /** The block the cursor stands on (-1: none yet), with its flex owners and what was given through it. */
        private long block = -1;
        private long[] given;
        private int[] owners;
        /** Domain k's sequences before the block, and through it. */
        private long before;
        private long after;

        private Cursor(int k) {
            this.k = k;
        }

        public long position(long j) {
            if (j < 0 || j >= counts[k]) {
                throw new IndexOutOfBoundsException("domain " + k + " has " + counts[k] + " sequences, not " + (j + 1));
            }
            if (block < 0 || j < before || pastNextCheckpoint(j)) {
                seek(j);
            }
            while (j >= after) {
                step();
            }
            return block * blockSize + slotOf(k, (int) (j - before), owners);
        }

        private boolean pastNextCheckpoint(long j) {
            int c = (int) (block / CHECKPOINT_EVERY) + 1;
            long b = (long) c * CHECKPOINT_EVERY;
            return b < blocks && b * lo[k] + givenAt[c][k] <= j;
        }

        /** Stands just before the block of the last checkpoint at or before the block that holds j (binary search). */
        private void seek(long j) {
            int lowC = 0;
            int highC = givenAt.length - 1;
            while (lowC < highC) {
                int mid = (lowC + highC + 1) >>> 1;
                long b = (long) mid * CHECKPOINT_EVERY;
                if (b < blocks && b * lo[k] + givenAt[mid][k] <= j) {
                    lowC = mid;
                } else {
                    highC = mid - 1;
                }
            }
            block = (long) lowC * CHECKPOINT_EVERY - 1;
            given = givenAt[lowC].clone();
            owners = ownersAt[lowC];
            after = (block + 1) * lo[k] + given[k];
            before = after;
        }

        /** Moves to the next block: chooses its flex owners from the current block's. */
        private void step() {
            block++;
            before = block * lo[k] + given[k];
            owners = next(block, given, owners);
            after = (block + 1) * lo[k] + given[k];
        }
    }

    /** The domain at {@code position} (for checks; O(blocks / 64) per call is not needed). */
    public int domainAt(long position) {
        long b = position / blockSize;
        int slot = (int) (position % blockSize);
        int p = pattern[slot];
        if (p >= 0) {
            return p;
        }
        int c = (int) (b / CHECKPOINT_EVERY);
        long[] given = givenAt[c].clone();
        int[] owners = ownersAt[c];
        for (long x = (long) c * CHECKPOINT_EVERY; x <= b; x++) {
            owners = next(x, given, owners);
        }
        return owners[-1 - p];
    }

    /** Position within a block of domain k's rank-th sequence there, given the block's flex owners. */
    private int slotOf(int k, int rank, int[] owners) {
        int flexSlot = -1;
        for (int r = 0; r < owners.length; r++) {
            if (owners[r] == k) {
                flexSlot = flexSlots[r];
            }
        }
        int[] fixed = fixedSlots[k];
        int i = 0;
        int seen = 0;
        while (true) {
            int nextFixed = i < fixed.length ? fixed[i] : Integer.MAX_VALUE;
            int pos;
            if (flexSlot >= 0 && flexSlot < nextFixed) {
                pos = flexSlot;
                flexSlot = -1;
            } else {
                pos = nextFixed;
                i++;
            }
            if (seen++ == rank) {
                return pos;
            }
        }
    }

    /**
     * Chooses block b's flex owners, given the previous block's, and adds to {@code given}.
     * Domains that must take an extra in every block left come first, then the furthest behind
     * {@code extra_k * (b + 1) / blocks}; ties go to the lower index.
     */
    private int[] next(long b, long[] given, int[] previous) {
        int k = counts.length;
        long left = blocks - b;
        boolean[] chosen = new boolean[k];
        int picked = 0;
        for (int i = 0; i < k && picked < flex; i++) {
            if (extra[i] - given[i] == left) {
                chosen[i] = true;
                picked++;
            }
        }
        while (picked < flex) {
            int best = -1;
            double bestDeficit = 0;
            for (int i = 0; i < k; i++) {
                if (!chosen[i] && given[i] < extra[i]) {
                    double deficit = (double) extra[i] * (b + 1) / blocks - given[i];
                    if (best < 0 || deficit > bestDeficit) {
                        best = i;
                        bestDeficit = deficit;
                    }
                }
            }
            chosen[best] = true;
            picked++;
        }
        int[] owners = new int[flex];
        Arrays.fill(owners, -1);
        // Domains chosen again keep their slot; newcomers take the freed slots in order.
        for (int r = 0; r < flex; r++) {
            int d = previous[r];
            if (d >= 0 && chosen[d]) {
                owners[r] = d;
                chosen[d] = false;
            }
        }
        int r = 0;
        for (int i = 0; i < k; i++) {
            if (chosen[i]) {
                while (owners[r] >= 0) {
                    r++;
                }
                owners[r] = i;
            }
        }
        for (int d : owners) {
            given[d]++;
        }
        return owners;
    }

    /**
     * The slot pattern of a block: {@code lo[k]} slots for each domain and {@code flex} flex slots,
     * interleaved by smooth weighted round-robin so that each kind is spread across the block.
     */
    private static int[] pattern(int[] lo, int flex, int blockSize) {
        int k = lo.length;
        int n = k + flex;
        long[] weight = new long[n];
        for (int i = 0; i < n; i++) {
            weight[i] = i < k ? lo[i] : 1;
        }
        long[] credit = new long[n];
        int[] out = new int[blockSize];
        for (int s = 0; s < blockSize; s++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                credit[i] += weight[i];
                if (weight[i] > 0 && (best < 0 || credit[i] > credit[best])) {
                    best = i;
                }
            }
            credit[best] -= blockSize;
            out[s] = best < k ? best : -1 - (best - k);
        }
        return out;
    }
}
