package io.lmforge.dedup;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

/**
 * Decides candidate pairs by the issue's own criterion: a pair is a near-duplicate when the
 * word 5-gram Jaccard similarity of its two documents, estimated from their stored
 * {@link MinHashSketch}es, is at least {@code minJaccard}. Candidates come from SimHashes
 * (cheap, generous); this check is what keeps distinct documents apart, and it needs no text,
 * so a refresh can compare new documents with earlier ones from their fingerprints alone.
 */
final class JaccardFilter {
    static final String JACCARD = "jaccard";

    private final double minJaccard;
    private final int sketchSize;
    private final UserDefinedFunction estimate;

    JaccardFilter(double minJaccard, int sketchSize) {
        this.minJaccard = minJaccard;
        this.sketchSize = sketchSize;
        this.estimate = estimator(sketchSize);
    }

    /** The estimate as a column function of two sketch columns. */
    static UserDefinedFunction estimator(int sketchSize) {
        return udf((UDF2<byte[], byte[], Double>) (a, b) ->
                a == null || b == null ? null : MinHashSketch.jaccard(a, b, sketchSize), DataTypes.DoubleType)
                .withName("dedup_jaccard");
    }

    Column estimate(Column a, Column b) {
        return estimate.apply(a, b);
    }

    /**
     * {@code pairs}: columns {@code a, b} (nodes); {@code sketches}: {@code node, sketch}. Returns
     * the pairs that pass. With {@code minJaccard = 0} every pair passes unread (plain SimHash).
     * With {@code small}, the sketches are collected once into a sorted table and broadcast,
     * and the pairs are filtered where they are (no join, no shuffle); otherwise both ends of
     * every pair are joined with the sketches.
     */
    Dataset<Row> apply(Dataset<Row> pairs, Dataset<Row> sketches, boolean small) {
        Dataset<Row> ab = pairs.select(col(CandidatePairs.A), col(CandidatePairs.B));
        if (minJaccard <= 0) {
            return ab;
        }
        if (small) {
            List<Row> rows = sketches.select(col("node"), col("sketch")).collectAsList();
            SketchTable table = SketchTable.of(rows);
            Broadcast<SketchTable> shared = JavaSparkContext.fromSparkContext(pairs.sparkSession().sparkContext())
                    .broadcast(table);
            double min = minJaccard;
            int k = sketchSize;
            return ab.filter((FilterFunction<Row>) r -> {
                byte[] a = shared.value().get(r.getLong(0));
                byte[] b = shared.value().get(r.getLong(1));
                return a != null && b != null && MinHashSketch.jaccard(a, b, k) >= min;
            });
        }
        return ab.join(sketches.as("sa"), col(CandidatePairs.A).equalTo(col("sa.node")))
                .join(sketches.as("sb"), col(CandidatePairs.B).equalTo(col("sb.node")))
                .filter(estimate(col("sa.sketch"), col("sb.sketch")).geq(minJaccard))
                .select(col(CandidatePairs.A), col(CandidatePairs.B));
    }

    /** Sketches by node: sorted nodes and their sketches, looked up by binary search. */
    record SketchTable(long[] nodes, byte[][] sketches) implements Serializable {
        static SketchTable of(List<Row> rows) {
            Row[] sorted = rows.toArray(new Row[0]);
            Arrays.sort(sorted, Comparator.comparingLong(r -> r.getLong(0)));
            long[] nodes = new long[sorted.length];
            byte[][] sketches = new byte[sorted.length][];
            for (int i = 0; i < sorted.length; i++) {
                nodes[i] = sorted[i].getLong(0);
                sketches[i] = (byte[]) sorted[i].get(1);
            }
            return new SketchTable(nodes, sketches);
        }

        byte[] get(long node) {
            int i = Arrays.binarySearch(nodes, node);
            return i < 0 ? null : sketches[i];
        }
    }
}
