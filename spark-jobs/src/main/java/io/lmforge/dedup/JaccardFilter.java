package io.lmforge.dedup;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

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
    private final UserDefinedFunction estimate;

    JaccardFilter(double minJaccard, int sketchSize) {
        this.minJaccard = minJaccard;
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
     * the pairs that pass, with their estimate. With {@code minJaccard = 0} every pair passes
     * unread (plain SimHash).
     */
    Dataset<Row> apply(Dataset<Row> pairs, Dataset<Row> sketches) {
        if (minJaccard <= 0) {
            return pairs.select(col(CandidatePairs.A), col(CandidatePairs.B));
        }
        // One side read twice under two aliases: Spark reuses its exchange (or broadcast).
        return pairs.join(sketches.as("sa"), col(CandidatePairs.A).equalTo(col("sa.node")))
                .join(sketches.as("sb"), col(CandidatePairs.B).equalTo(col("sb.node")))
                .select(col(CandidatePairs.A), col(CandidatePairs.B), estimate(col("sa.sketch"), col("sb.sketch")).as(JACCARD))
                .filter(col(JACCARD).geq(minJaccard))
                .select(col(CandidatePairs.A), col(CandidatePairs.B));
    }
}
