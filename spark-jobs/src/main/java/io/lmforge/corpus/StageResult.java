package io.lmforge.corpus;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a document stage returns: every row it was given, those it removed now carrying a
 * rejection, and the figures it reports for {@code manifest.json}.
 */
public record StageResult(Dataset<Row> rows, StageReport report) {

    /** Rows and no figures. */
    public static StageResult of(Dataset<Row> rows) {
        return new StageResult(rows, StageReport.NONE);
    }
}
