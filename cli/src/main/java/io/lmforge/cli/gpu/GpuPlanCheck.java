package io.lmforge.cli.gpu;

import io.lmforge.corpus.Columns;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.corpus.Stage;
import io.lmforge.corpus.StageContext;
import io.lmforge.ingest.Ingest;
import io.lmforge.pipeline.CorpusConfig;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.apache.spark.sql.functions.col;

/**
 * Runs ingest and a config's document stages one at a time and asks the RAPIDS Accelerator, for
 * each stage's output, what of it would not run on a GPU. Each stage's output is written to
 * Parquet and read back before the next stage, so a stage's plan holds its own work only (plus a
 * Parquet scan, which the plugin runs on the GPU), not every stage before it.
 */
final class GpuPlanCheck {
    /** What the session needs: the plugin, planning only, and the plans' CPU parts explained. */
    static final Map<String, String> SESSION_CONF = Map.of(
            "spark.plugins", "com.nvidia.spark.SQLPlugin",
            "spark.rapids.sql.mode", "explainOnly",
            "spark.rapids.sql.explain", "NOT_ON_GPU");

    private final CorpusConfig config;
    private final SparkSession spark;
    private final RapidsExplain rapids;
    private final String workDir;

    GpuPlanCheck(CorpusConfig config, SparkSession spark, RapidsExplain rapids, String workDir) {
        this.config = config;
        this.spark = spark;
        this.rapids = rapids;
        this.workDir = workDir;
    }

    /**
     * The session settings: the config's Spark settings, then the {@code spark.rapids.sql.*}
     * settings a cluster run would use (those that change the plan; the GPU resource and memory
     * ones would make a local session wait for a GPU), then the three above.
     */
    static Map<String, String> sessionConf(CorpusConfig config, Properties rapids) {
        Map<String, String> conf = new LinkedHashMap<>(config.sparkConf());
        for (String key : rapids.stringPropertyNames()) {
            if (key.startsWith("spark.rapids.sql.")) {
                conf.put(key, rapids.getProperty(key));
            }
        }
        conf.putAll(SESSION_CONF);
        return conf;
    }

    List<GpuPlanReport.StagePlan> run() throws IOException {
        List<GpuPlanReport.StagePlan> plans = new ArrayList<>();
        StageContext context = new StageContext(spark, new OutputLayout(workDir), "check-gpu-plan");
        Ingest.Plan plan = Ingest.plan(config.sources(), spark.sparkContext().hadoopConfiguration());
        Dataset<Row> ingested = Ingest.read(spark, plan, config.ingest());
        plans.add(GpuPlanReport.StagePlan.parse("ingest", rapids.notOnGpu(ingested)));
        Dataset<Row> corpus = context.materialize(ingested, "ingest")
                .filter(col(Columns.QUARANTINE).isNull()).drop(Columns.QUARANTINE);
        for (Stage stage : config.stages()) {
            Dataset<Row> out = stage.apply(corpus, context).rows();
            plans.add(GpuPlanReport.StagePlan.parse(stage.name(), rapids.notOnGpu(out)));
            corpus = context.materialize(out, stage.name());
        }
        return plans;
    }
}
