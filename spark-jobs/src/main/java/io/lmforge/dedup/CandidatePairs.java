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
 * Candidate pairs of documents, found through {@link PermutationTables} without comparing all
 * pairs: two documents are a candidate pair when their SimHashes are within k, or when one
 * segment SimHash of each is within the segments' k. Every fingerprint goes into one bucket per
 * table of its layout (documents' and segments' tables are numbered apart), buckets are gathered
 * by a shuffle and sorted, and fingerprints are compared only inside a bucket.
 *
 * <p>Two bounds keep crowded buckets cheap:
 * <ul>
 *   <li><b>Window.</b> Inside a bucket, sorted by the table's permuted fingerprint, each
 *   fingerprint is compared with the {@code window} fingerprints before it. A bucket of up to
 *   {@code window + 1} is compared in full; a larger one costs {@code window} comparisons per
 *   fingerprint and holds only {@code window} fingerprints in memory, never the bucket. A pair
 *   more than {@code window} apart in a giant bucket's sort order is not compared in that
 *   table; it is still found when it meets in another table, or joined through the neighbours
 *   between them (clusters are connected components, so a chain of near neighbours links them).</li>
 *   <li><b>Boilerplate.</b> A segment fingerprint that more than {@code boilerplate} documents
 *   share (a run of equal fingerprints in a segment table: a footer, a licence, a navigation
 *   bar) is not evidence that they copy each other: only its first {@code boilerplate}
 *   documents (smallest node first) are paired, the rest of the run is skipped. So one
 *   boilerplate segment yields at most boilerplate^2 / 2 pairs, however many pages carry it.</li>
 * </ul>
 */
final class CandidatePairs {
    static final String A = "a";
    static final String B = "b";

    static final StructType PAIRS = new StructType(new StructField[]{
            DataTypes.createStructField(A, DataTypes.LongType, false),
            DataTypes.createStructField(B, DataTypes.LongType, false),
    });

    private static final StructType ENTRIES = new StructType(new StructField[]{
            DataTypes.createStructField("table", DataTypes.IntegerType, false),
            DataTypes.createStructField("key", DataTypes.LongType, false),
            DataTypes.createStructField("perm", DataTypes.LongType, false),
            DataTypes.createStructField("node", DataTypes.LongType, false),
    });

    /** Counters for the manifest; Spark accumulators, so approximate if tasks are retried. */
    record Counters(LongAccumulator comparisons, LongAccumulator giantBuckets, LongAccumulator inGiantBuckets,
                    LongAccumulator boilerplateSkipped) implements Serializable {
        static Counters create(org.apache.spark.SparkContext sc) {
            return new Counters(sc.longAccumulator("dedup comparisons"), sc.longAccumulator("dedup giant buckets"),
                    sc.longAccumulator("dedup fingerprints in giant buckets"),
                    sc.longAccumulator("dedup boilerplate segments skipped"));
        }
    }

    /** The two layouts and their bounds. */
    record Layout(PermutationTables documents, PermutationTables segments, int window, int boilerplate)
            implements Serializable {
        int k(int table) {
            return table < documents.tables() ? documents.k() : segments.k();
        }

        boolean isSegmentTable(int table) {
            return table >= documents.tables();
        }
    }

    private CandidatePairs() {
    }

    /**
     * {@code nodes} has columns {@code node} (bigint, unique), {@code fp} (bigint) and
     * {@code segments} (array of bigint); the result has one row per candidate pair {@code a < b}.
     */
    static Dataset<Row> find(Dataset<Row> nodes, Layout layout, Counters counters, int partitions) {
        return find(nodes, layout, counters, partitions, true);
    }

    /**
     * As above; with {@code distinct = false} a pair met in several tables comes once per table
     * (still {@code a < b}), which saves a shuffle where the consumer drops repeats anyway and
     * checking a repeat is cheap (sketches broadcast, not joined).
     */
    static Dataset<Row> find(Dataset<Row> nodes, Layout layout, Counters counters, int partitions, boolean distinct) {
        Dataset<Row> pairs = nodes.select(col("node"), col("fp"), col("segments"))
                .flatMap(new Explode(layout), Encoders.row(ENTRIES))
                .repartition(partitions, col("table"), col("key"))
                .sortWithinPartitions(col("table"), col("perm"), col("node"))
                .mapPartitions(new CompareInBuckets(layout, counters), Encoders.row(PAIRS));
        return distinct ? pairs.repartition(partitions, col(A), col(B)).dropDuplicates(A, B) : pairs;
    }

    private static final class Explode implements FlatMapFunction<Row, Row> {
        private final Layout layout;

        Explode(Layout layout) {
            this.layout = layout;
        }

        @Override
        public Iterator<Row> call(Row r) {
            long node = r.getLong(0);
            PermutationTables docs = layout.documents();
            PermutationTables segs = layout.segments();
            List<Long> segments = r.isNullAt(2) ? List.of() : r.getList(2);
            List<Row> out = new ArrayList<>(docs.tables() + segments.size() * segs.tables());
            add(out, docs, 0, r.getLong(1), node);
            for (long s : segments) {
                add(out, segs, docs.tables(), s, node);
            }
            return out.iterator();
        }

        private static void add(List<Row> out, PermutationTables tables, int offset, long fp, long node) {
            for (int t = 0; t < tables.tables(); t++) {
                long perm = tables.permute(fp, t);
                out.add(RowFactory.create(offset + t, tables.key(perm, t), perm, node));
            }
        }
    }

    /** Walks sorted bucket entries with a ring of the last {@code window} entries of the current bucket. */
    private static final class CompareInBuckets implements MapPartitionsFunction<Row, Row> {
        private final Layout layout;
        private final int window;
        private final Counters counters;

        CompareInBuckets(Layout layout, Counters counters) {
            this.layout = layout;
            this.window = layout.window();
            this.counters = counters;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> entries) {
            long[] nodes = new long[window];
            long[] fps = new long[window];
            return new Iterator<>() {
                int table = -1;
                int k;
                boolean segmentTable;
                long key;
                long size;
                /** The current run of equal fingerprints in a segment table, and its length. */
                long runFp;
                long run;
                long comparisons;
                long skipped;
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
                        k = layout.k(t);
                        segmentTable = layout.isSegmentTable(t);
                        key = kk;
                        size = 0;
                        run = 0;
                    }
                    // Permuting the bits keeps Hamming distances: compare permuted fingerprints.
                    long fp = e.getLong(2);
                    long node = e.getLong(3);
                    if (segmentTable) {
                        run = run > 0 && fp == runFp ? run + 1 : 1;
                        runFp = fp;
                        if (run > layout.boilerplate()) {
                            skipped++;
                            return;
                        }
                    }
                    int compared = (int) Math.min(size, window);
                    for (int i = 0; i < compared; i++) {
                        int d = Long.bitCount(fp ^ fps[i]);
                        if (d <= k && nodes[i] != node) {
                            pending.add(RowFactory.create(Math.min(node, nodes[i]), Math.max(node, nodes[i])));
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
                    counters.boilerplateSkipped().add(skipped);
                    comparisons = 0;
                    skipped = 0;
                }
            };
        }
    }
}
