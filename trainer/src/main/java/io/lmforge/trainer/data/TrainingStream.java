package io.lmforge.trainer.data;

import io.lmforge.shards.ShardFormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An endless, deterministic stream of training samples for one rank.
 *
 * <p>Each epoch shuffles the blocks (row groups) and, within each block, its samples, with
 * generators seeded from (seed, epoch, block): the order depends on nothing else, so a stream
 * restarted at a {@link DataPosition} continues exactly, and the rank/world-size split is
 * reproducible. The epoch's k-th sample slot goes to rank {@code k mod worldSize}; every rank
 * gets {@code ⌊slots / worldSize⌋} slots per epoch, so ranks stay in step and their samples are
 * disjoint. The next block is decoded in the background while the current one is consumed.
 */
public final class TrainingStream implements AutoCloseable {
    private final ShardSplit split;
    private final long seed;
    private final int rank;
    private final int worldSize;
    private final ExecutorService prefetcher;

    private long epoch;
    private long slot;
    private Epoch order;
    private int cachedOrderIndex = -1;
    private TokenWindow[] cached;
    private CompletableFuture<TokenWindow[]> next;
    private int nextOrderIndex = -1;

    public TrainingStream(ShardSplit split, long seed, int rank, int worldSize, DataPosition start) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " of world size " + worldSize);
        }
        this.split = split;
        this.seed = seed;
        this.rank = rank;
        this.worldSize = worldSize;
        this.epoch = start.epoch();
        this.slot = start.slot();
        if (split.samples() < worldSize) {
            throw new ShardFormatException("the " + split.name() + " split has " + split.samples()
                    + " samples, fewer than the " + worldSize + " ranks");
        }
        this.prefetcher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lmforge-shard-prefetch");
            t.setDaemon(true);
            return t;
        });
    }

    public DataPosition position() {
        return new DataPosition(epoch, slot);
    }

    /** Samples per rank per epoch. */
    public long slotsPerEpoch() {
        return split.samples() / worldSize;
    }

    /** The next {@code n} samples (rows skipped for bad format are passed over). */
    public List<TokenWindow> next(int n) {
        List<TokenWindow> out = new ArrayList<>(n);
        while (out.size() < n) {
            TokenWindow w = nextSample();
            if (w != null) {
                out.add(w);
            }
        }
        return out;
    }

    private TokenWindow nextSample() {
        if (slot >= slotsPerEpoch()) {
            epoch++;
            slot = 0;
        }
        if (order == null || order.epoch != epoch) {
            order = new Epoch(epoch);
            cachedOrderIndex = -1;
            next = null;
        }
        long global = slot * worldSize + rank;
        slot++;
        int i = order.blockAt(global);
        long offset = global - order.start[i];
        int sample = order.samplePermutation(i)[(int) offset];
        TokenWindow window = windows(i)[sample / split.samplesPerWindow()];
        return window == null ? null : split.sample(window, sample % split.samplesPerWindow());
    }

    /** The decoded windows of the i-th block in this epoch's order; starts decoding the one after. */
    private TokenWindow[] windows(int i) {
        if (cachedOrderIndex != i) {
            cached = next != null && nextOrderIndex == i ? next.join() : split.read(order.block(i));
            cachedOrderIndex = i;
            if (i + 1 < order.blocks.length) {
                ShardSplit.Block following = order.block(i + 1);
                nextOrderIndex = i + 1;
                next = CompletableFuture.supplyAsync(() -> split.read(following), prefetcher);
            } else {
                next = null;
            }
        }
        return cached;
    }

    /** An epoch's block order, the first global slot of each block, and per-block sample orders. */
    private final class Epoch {
        final long epoch;
        final int[] blocks;
        final long[] start;
        private int permutationOf = -1;
        private int[] permutation;

        Epoch(long epoch) {
            this.epoch = epoch;
            List<ShardSplit.Block> all = split.blocks();
            blocks = permutation(all.size(), new SplittableRandom(mix(seed, epoch, -1)));
            start = new long[blocks.length + 1];
            for (int i = 0; i < blocks.length; i++) {
                start[i + 1] = start[i] + all.get(blocks[i]).rows() * split.samplesPerWindow();
            }
        }

        ShardSplit.Block block(int i) {
            return split.blocks().get(blocks[i]);
        }

        int blockAt(long global) {
            int i = Arrays.binarySearch(start, global);
            return i >= 0 ? i : -i - 2;
        }

        int[] samplePermutation(int i) {
            if (permutationOf != i) {
                ShardSplit.Block b = block(i);
                permutation = permutation((int) (b.rows() * split.samplesPerWindow()),
                        new SplittableRandom(mix(seed, epoch, b.id())));
                permutationOf = i;
            }
            return permutation;
        }
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static long mix(long seed, long epoch, long block) {
        long h = seed * 0x9E3779B97F4A7C15L + epoch;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + block;
        return h ^ (h >>> 29);
    }

    @Override
    public void close() {
        prefetcher.shutdownNow();
    }
}
