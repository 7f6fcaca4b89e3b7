package io.lmforge.trainer.data;

import io.lmforge.shards.ShardManifest;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One split of the shards as a list of blocks (file row groups) of training samples. A sample is
 * a window, or, when training on a shorter context than the shards were packed for, one of the
 * {@code samplesPerWindow} consecutive parts of a window, so no token is wasted.
 */
public final class ShardSplit {
    private static final Logger LOG = LoggerFactory.getLogger(ShardSplit.class);
    private static final int BAD_ROWS_LOGGED = 20;

    /** A row group: {@code rows} windows starting at file row {@code firstRow}. */
    public record Block(int id, Path file, int rowGroup, long firstRow, long rows) {
    }

    private final ShardManifest manifest;
    private final String name;
    private final List<Block> blocks;
    private final int contextLength;
    private final Configuration conf;
    private final AtomicLong badRows = new AtomicLong();

    private ShardSplit(ShardManifest manifest, String name, List<Block> blocks, int contextLength, Configuration conf) {
        this.manifest = manifest;
        this.name = name;
        this.blocks = blocks;
        this.contextLength = contextLength;
        this.conf = conf;
    }

    /**
     * @param contextLength the model's training context, at most the shards' seq_len; each window
     *                      gives {@code seq_len / contextLength} samples
     */
    public static ShardSplit open(ShardManifest manifest, String split, int contextLength, Configuration conf) {
        if (contextLength < 1 || contextLength > manifest.seqLen()) {
            throw new IllegalArgumentException("context length " + contextLength + " must be between 1 and the shards' seq_len "
                    + manifest.seqLen());
        }
        List<Block> blocks = new ArrayList<>();
        try {
            for (Path file : manifest.split(split).files()) {
                long[] sizes = ShardReader.rowGroupSizes(file, conf);
                long first = 0;
                for (int g = 0; g < sizes.length; g++) {
                    if (sizes[g] > 0) {
                        blocks.add(new Block(blocks.size(), file, g, first, sizes[g]));
                    }
                    first += sizes[g];
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the " + split + " shards under " + manifest.root(), e);
        }
        return new ShardSplit(manifest, split, List.copyOf(blocks), contextLength, conf);
    }

    public String name() {
        return name;
    }

    public List<Block> blocks() {
        return blocks;
    }

    public int contextLength() {
        return contextLength;
    }

    public int samplesPerWindow() {
        return manifest.seqLen() / contextLength;
    }

    public long windows() {
        long n = 0;
        for (Block b : blocks) {
            n += b.rows();
        }
        return n;
    }

    public long samples() {
        return windows() * samplesPerWindow();
    }

    /** Windows skipped so far because they broke the format (each one logged up to a limit). */
    public long badRows() {
        return badRows.get();
    }

    /**
     * The windows of a block, one entry per row, null where a row broke the format (logged and
     * counted here; the stream skips it).
     */
    public TokenWindow[] read(Block block) {
        try {
            return ShardReader.readRowGroup(block.file(), block.rowGroup(), block.firstRow(), manifest.seqLen(),
                    manifest.vocabSize(), manifest.lossMasked(), conf, (file, row, problem) -> {
                        long n = badRows.incrementAndGet();
                        if (n <= BAD_ROWS_LOGGED) {
                            LOG.warn("skipping {} row {}: {}{}", file, row, problem,
                                    n == BAD_ROWS_LOGGED ? " (further bad rows are counted, not logged)" : "");
                        }
                    }).toArray(new TokenWindow[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + block.file() + " row group " + block.rowGroup(), e);
        }
    }

    /** Sample {@code part} of a window: the whole window, or one context-length piece of it. */
    public TokenWindow sample(TokenWindow window, int part) {
        if (samplesPerWindow() == 1 && contextLength == manifest.seqLen()) {
            return window;
        }
        return window.slice(part * contextLength, contextLength);
    }
}
