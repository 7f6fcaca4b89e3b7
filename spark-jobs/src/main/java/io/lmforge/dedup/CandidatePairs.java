package io.lmforge.dedup;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import static org.apache.spark.sql.functions.col;

/**
 * Pairs of fingerprints within Hamming distance k, found through {@link PermutationTables}:
 * every fingerprint goes into one bucket per table, buckets are gathered by a shuffle and
 * sorted, and fingerprints are compared only inside a bucket.
 *
 * <p>Giant buckets (thousands of boilerplate pages with nearly the same fingerprint) are bounded:
 * inside a bucket, sorted by the table's permuted fingerprint, each fingerprint is compared with
 * the {@code window} fingerprints before it. A bucket of up to {@code window + 1} is compared
 * in full; a larger one costs {@code window} comparisons per fingerprint and holds only
 * {@code window} fingerprints in memory, never the bucket. What that costs: a pair more than
 * {@code window} apart in a giant bucket's sort order is not compared in that table; it is
 * still found when it meets in another table, or joined through the neighbours between them
 * (clusters are connected components, so a chain of near neighbours links them).
 */
final class CandidatePairs {
    static final String A = "a";
    static final String B = "b";
    static final String DISTANCE = "distance";

    static final StructType PAIRS = new StructType(new StructField[]{
            DataTypes.createStructField(A, DataTypes.LongType, false),
            DataTypes.createStructField(B, DataTypes.LongType, false),
            DataTypes.createStructField(DISTANCE, DataTypes.IntegerType, false),
    });

    private static final StructType ENTRIES = new StructType(new StructField[]{
            DataTypes.createStructField("table", DataTypes.IntegerType, false),
            DataTypes.createStructField("key", DataTypes.LongType, false),
            DataTypes.createStructField("perm", DataTypes.LongType, false),
            DataTypes.createStructField("node", DataTypes.LongType, false),
            DataTypes.createStructField("fp", DataTypes.LongType, false),
    });

    /** Counters for the manifest; Spark accumulators, so approximate if tasks are retried. */
    record Counters(LongAccumulator comparisons, LongAccumulator giantBuckets, LongAccumulator inGiantBuckets)
            implements Serializable {
    }

    private CandidatePairs() {
    }

    /**
     * {@code nodes} has columns {@code node} (bigint, unique) and {@code fp} (bigint); the result
     * has one row per pair {@code a < b} within distance k, with that distance.
     */
    static Dataset<Row> find(Dataset<Row> nodes, PermutationTables tables, int window, Counters counters) {
        return nodes.select(col("node"), col("fp"))
                .flatMap(new Explode(tables), Encoders.row(ENTRIES))
                .repartition(col("table"), col("key"))
                .sortWithinPartitions(col("table"), col("perm"))
                .mapPartitions(new CompareInBuckets(tables.k(), window, counters), Encoders.row(PAIRS))
                .dropDuplicates(A, B);
    }

    private static final class Explode implements FlatMapFunction<Row, Row> {
        private final PermutationTables tables;

        Explode(PermutationTables tables) {
            this.tables = tables;
        }

        @Override
        public Iterator<Row> call(Row r) {
            long node = r.getLong(0);
            long fp = r.getLong(1);
            List<Row> out = new ArrayList<>(tables.tables());
            for (int t = 0; t < tables.tables(); t++) {
                long perm = tables.permute(fp, t);
                out.add(RowFactory.create(t, tables.key(perm, t), perm, node, fp));
            }
            return out.iterator();
        }
    }

    /** Walks sorted bucket entries with a ring of the last {@code window} entries of the current bucket. */
    private static final class CompareInBuckets implements MapPartitionsFunction<Row, Row> {
        private final int k;
        private final int window;
        private final Counters counters;

        CompareInBuckets(int k, int window, Counters counters) {
            this.k = k;
            this.window = window;
            this.counters = counters;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> entries) {
            long[] nodes = new long[window];
            long[] fps = new long[window];
            return new Iterator<>() {
                int table = -1;
                long key;
                long size;
                long comparisons;
                final List<Row> pending = new ArrayList<>();
                int next;

                @Override
                public boolean hasNext() {
                    while (next == pending.size()) {
                        pending.clear();
                        next = 0;
                        if (!entries.hasNext()) {
                            endBucket();
                            flush();
                            return false;
                        }
                        consume(entries.next());
                    }
                    return true;
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return pending.get(next++);
                }

                private void consume(Row e) {
                    int t = e.getInt(0);
                    long kk = e.getLong(1);
                    if (t != table || kk != key) {
                        endBucket();
                        table = t;
                        key = kk;
                        size = 0;
                    }
                    long node = e.getLong(3);
                    long fp = e.getLong(4);
                    int compared = (int) Math.min(size, window);
                    for (int i = 0; i < compared; i++) {
                        int d = Long.bitCount(fp ^ fps[i]);
                        if (d <= k && nodes[i] != node) {
                            long a = Math.min(node, nodes[i]);
                            long b = Math.max(node, nodes[i]);
                            pending.add(RowFactory.create(a, b, d));
                        }
                    }
                    comparisons += compared;
                    int slot = (int) (size % window);
                    nodes[slot] = node;
                    fps[slot] = fp;
                    size++;
                }

                private void endBucket() {
                    if (size > window + 1L) {
                        counters.giantBuckets().add(1);
                        counters.inGiantBuckets().add(size);
                    }
                    size = 0;
                }

                private void flush() {
                    counters.comparisons().add(comparisons);
                    comparisons = 0;
                }
            };
        }
    }
}
