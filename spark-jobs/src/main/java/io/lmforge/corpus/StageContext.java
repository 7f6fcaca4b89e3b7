package io.lmforge.corpus;

import org.apache.spark.sql.SparkSession;

/**
 * What a stage may use besides its input: the session, and the run's output layout for stages
 * that publish an extra output of their own (dedup's fingerprints, say).
 */
public record StageContext(SparkSession spark, OutputLayout layout, String runId) {
}
