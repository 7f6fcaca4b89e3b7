package io.lmforge.bench.dedup;

import io.lmforge.dedup.DedupStage;
import io.lmforge.corpus.Columns;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.corpus.Schemas;
import io.lmforge.corpus.StageContext;
import io.lmforge.corpus.StageResult;
import io.lmforge.bench.dedup.RealText.Doc;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/** Runs the dedup stage on a labelled set, outside a corpus job (the benchmark and the quality test). */
public final class Evaluation {
    static final StructType CORPUS = new StructType(new StructField[]{
            DataTypes.createStructField(Columns.UID, DataTypes.LongType, false),
            DataTypes.createStructField(Columns.ID, DataTypes.StringType, false),
            DataTypes.createStructField(Columns.SOURCE, DataTypes.StringType, false),
            DataTypes.createStructField(Columns.TEXT, DataTypes.StringType, true),
            DataTypes.createStructField(Columns.REJECTION, Schemas.REJECTION_TYPE, true),
    });

    private Evaluation() {
    }

    /** The documents as pipeline rows, written to {@code dir} as Parquet and read back (as a runner would). */
    public static Dataset<Row> corpus(SparkSession spark, List<Doc> docs, String dir) {
        List<Row> rows = new ArrayList<>(docs.size());
        for (int i = 0; i < docs.size(); i++) {
            Doc d = docs.get(i);
            rows.add(RowFactory.create((long) i, d.id(), d.source(), d.text(), null));
        }
        int partitions = Math.max(2, docs.size() / 2000);
        spark.createDataFrame(rows, CORPUS).repartition(partitions).write().mode("overwrite").parquet(dir);
        return spark.read().schema(CORPUS).parquet(dir);
    }

    /**
     * What one run of the stage removed: removed id -> the id of the document kept in its place,
     * removed id -> "reason at distance d" (for diagnostics), and the stage's report.
     */
    public record Run(Map<String, String> removals, Map<String, String> why, Map<String, Object> report) {
    }

    /** Runs the stage over {@code corpus}, writing its work under {@code workDir}. */
    public static Run run(DedupStage stage, Dataset<Row> corpus, String workDir, String runId) {
        StageContext ctx = new StageContext(corpus.sparkSession(), new OutputLayout(workDir), runId);
        StageResult result = stage.apply(corpus, ctx);
        Map<String, String> removals = new HashMap<>();
        Map<String, String> why = new HashMap<>();
        for (Row r : result.rows().filter(col(Columns.REJECTION).isNotNull())
                .select(col(Columns.ID), col(Columns.REJECTION + "." + Columns.DUPLICATE_OF),
                        col(Columns.REJECTION + "." + Columns.REASON), col(Columns.REJECTION + "." + Columns.DISTANCE))
                .collectAsList()) {
            removals.put(r.getString(0), r.getString(1));
            why.put(r.getString(0), r.getString(2) + " at distance " + r.get(3));
        }
        return new Run(removals, why, result.report().figures(null));
    }
}
