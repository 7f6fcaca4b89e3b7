package io.lmforge.corpus;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What a stage may use besides its input: the session, and the run's output layout for stages
 * that publish an extra output of their own (dedup's fingerprints, say).
 */
public record StageContext(SparkSession spark, OutputLayout layout, String runId) {

    /**
     * Row group size of the materialized work files. A read can cut a Parquet file only between
     * row groups: with Parquet's default of 128 MiB a file written by one task is read by one, so
     * the next pass, which spends seconds of CPU per MB (the document stages), could not get more
     * tasks than the pass before it wrote files.
     */
    static final long WORK_ROW_GROUP_BYTES = 16L << 20;

    /**
     * Writes {@code rows} to {@code OUT/_work/<name>} and returns them read back: later reads
     * start from those files instead of recomputing the plan that made them (and, for plans that
     * depend on the driver's memory, such as dedup's decisions, outlive it).
     */
    public Dataset<Row> materialize(Dataset<Row> rows, String name) {
        String path = layout.work(name);
        rows.write().mode("overwrite").option("compression", "zstd")
                .option("parquet.block.size", WORK_ROW_GROUP_BYTES).parquet(path);
        return spark.read().schema(rows.schema()).parquet(path);
    }
}
