package io.lmforge.corpus;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

/** Helpers that keep the {@link Stage} contract: only kept rows change, a rejection is set once. */
public final class Rejections {

    private Rejections() {
    }

    /** True for rows still in the corpus. */
    public static Column isKept() {
        return col(Columns.REJECTION).isNull();
    }

    /**
     * Marks kept rows whose {@code reason} evaluates non-null as rejected by {@code stage}.
     * {@code reason} is a string column holding a reason code, or null to keep the row; build it
     * with chained {@code when(cond, lit("code"))} so the first failing rule names the reason.
     */
    public static Dataset<Row> reject(Dataset<Row> corpus, String stage, Column reason) {
        return reject(corpus, stage, reason, lit(null).cast("string"));
    }

    /** As {@link #reject(Dataset, String, Column)}, with a free-text detail (a measured value, say). */
    public static Dataset<Row> reject(Dataset<Row> corpus, String stage, Column reason, Column detail) {
        Column rejection = struct(
                lit(stage).as(Columns.STAGE),
                // Only built where reason is non-null; coalesce makes that visible to the
                // analyzer, which otherwise refuses to cast a nullable reason to the non-null field.
                coalesce(reason, lit("")).as(Columns.REASON),
                detail.cast("string").as(Columns.DETAIL),
                lit(null).cast("string").as(Columns.DUPLICATE_OF),
                lit(null).cast("int").as(Columns.DISTANCE));
        return withRejection(corpus, when(reason.isNotNull(), rejection));
    }

    /**
     * Sets {@link Columns#REJECTION} to {@code rejection} (a struct of {@link Schemas#REJECTION_TYPE}'s
     * fields, or null) on kept rows; an earlier rejection always wins.
     */
    public static Dataset<Row> withRejection(Dataset<Row> corpus, Column rejection) {
        return corpus.withColumn(Columns.REJECTION,
                coalesce(col(Columns.REJECTION), rejection.cast(Schemas.REJECTION_TYPE)));
    }

    /**
     * {@code value} on kept rows and the column's current value on rejected ones, so a transform
     * spends no work on rows that are already out.
     */
    public static Column onKept(Column value, String column) {
        return when(isKept(), value).otherwise(col(column));
    }
}
