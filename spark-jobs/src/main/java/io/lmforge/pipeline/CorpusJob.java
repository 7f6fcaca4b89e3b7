package io.lmforge.pipeline;

import com.typesafe.config.ConfigRenderOptions;
import io.lmforge.corpus.ArtifactStage;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.corpus.Rejections;
import io.lmforge.corpus.Schemas;
import io.lmforge.corpus.Stage;
import io.lmforge.corpus.StageContext;
import io.lmforge.corpus.StageReport;
import io.lmforge.corpus.StageResult;
import io.lmforge.ingest.Ingest;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.lmforge.corpus.Columns.*;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Runs a corpus config end to end: ingest, the document stages, the three record outputs, the
 * accounting check, the artifact stages, then publishes everything and writes the manifest last.
 *
 * <p>Document stages are lazy and fuse into one pass; the corpus is materialized to
 * {@code OUT/_work} after ingest, before any stage that reads its input twice, and at the end.
 * The manifest's {@code segments} give the time of each materialized pass and the stages it ran.
 */
public final class CorpusJob {
    private final CorpusConfig config;
    private final SparkSession spark;
    private final OutputLayout layout;
    private final Configuration hadoop;

    public CorpusJob(CorpusConfig config, SparkSession spark, OutputLayout layout) {
        this.config = config;
        this.spark = spark;
        this.layout = layout;
        this.hadoop = spark.sparkContext().hadoopConfiguration();
    }

    /** What a completed run reports; the same figures are in {@code manifest.json}. */
    public record Result(String runId, List<SourceAccount> accounts, Map<String, Object> manifest) {
    }

    public Result run() throws IOException {
        Instant started = Instant.now();
        String runId = config.runId().orElseGet(() -> DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(ZoneOffset.UTC).format(started));
        StageContext context = new StageContext(spark, layout, runId);
        Manifest manifest = new Manifest(runId, started, spark.version());
        manifest.config(config.resolved().root().render(ConfigRenderOptions.concise()));
        layout.begin(hadoop);

        // Ingest: one materialized pass, the only time raw inputs are read.
        Ingest.Plan plan = Ingest.plan(config.sources(), hadoop);
        long t = System.nanoTime();
        Dataset<Row> ingested = context.materialize(Ingest.read(spark, plan, config.ingest()), "ingest");
        manifest.segment(List.of("ingest"), seconds(t));

        Dataset<Row> quarantine = ingested.filter(col(QUARANTINE).isNotNull())
                .select(col(SOURCE), col(QUARANTINE + "." + FILE), col(QUARANTINE + "." + OFFSET),
                        col(QUARANTINE + "." + ERROR), maskSample(col(QUARANTINE + "." + SNIPPET)).as(SNIPPET));
        write(quarantine, OutputLayout.QUARANTINE);

        Dataset<Row> corpus = ingested.filter(col(QUARANTINE).isNull()).drop(QUARANTINE);
        List<String> pending = new ArrayList<>();
        Map<String, StageReport> reports = new LinkedHashMap<>();
        t = System.nanoTime();
        for (Stage stage : config.stages()) {
            if (stage.needsMaterializedInput() && !pending.isEmpty()) {
                corpus = context.materialize(corpus, "before-" + stage.name());
                manifest.segment(pending, seconds(t));
                pending = new ArrayList<>();
                t = System.nanoTime();
            }
            StageResult result = stage.apply(corpus, context);
            corpus = result.rows();
            reports.put(stage.name(), result.report());
            pending.add(stage.name());
            if (config.output().checkpointEveryStage()) {
                corpus = context.materialize(corpus, "after-" + stage.name());
                manifest.segment(pending, seconds(t));
                pending = new ArrayList<>();
                t = System.nanoTime();
            }
        }
        corpus = context.materialize(corpus, "final");
        if (!pending.isEmpty()) {
            manifest.segment(pending, seconds(t));
        }

        t = System.nanoTime();
        Dataset<Row> kept = corpus.filter(Rejections.isKept()).drop(UID, REJECTION);
        Dataset<Row> removed = corpus.filter(Rejections.isKept().unary_$bang());
        write(kept, OutputLayout.DOCUMENTS);
        write(rejectedRows(removed), OutputLayout.REJECTED);
        write(samples(removed), OutputLayout.REJECTED_SAMPLES);
        manifest.segment(List.of("write"), seconds(t));

        // Count what was written, not what was planned: that is what users will read.
        Dataset<Row> documents = readStaged(OutputLayout.DOCUMENTS, kept.schema());
        Dataset<Row> rejected = readStaged(OutputLayout.REJECTED, Schemas.REJECTED);
        List<SourceAccount> accounts = Accounting.tally(plan.filesAndBytesBySource(), ingested, documents,
                rejected, readStaged(OutputLayout.QUARANTINE, Schemas.QUARANTINED));
        manifest.accounts(accounts);
        Accounting.check(accounts);
        manifest.rejections(rejected);
        reports.forEach((stage, report) -> manifest.stageReport(stage, report.figures(documents)));

        for (ArtifactStage artifact : config.artifacts()) {
            t = System.nanoTime();
            Map<String, Object> report = artifact.build(documents, context);
            manifest.segment(List.of(artifact.name()), seconds(t));
            manifest.stageReport(artifact.name(), report);
        }

        publishAll();
        manifest.finished(Instant.now());
        layout.writeManifest(hadoop, manifest.toJson());
        layout.finish(hadoop);
        return new Result(runId, accounts, manifest.asMap());
    }

    /** {@code rejected/}: the row's identity and why it left, without its text. */
    private static Column[] rejectedColumns() {
        return new Column[]{col(ID), col(SOURCE), col(DOMAIN),
                col(REJECTION + "." + STAGE).as(STAGE), col(REJECTION + "." + REASON).as(REASON),
                col(REJECTION + "." + DETAIL).as(DETAIL), col(REJECTION + "." + DUPLICATE_OF).as(DUPLICATE_OF),
                col(REJECTION + "." + DISTANCE).as(DISTANCE), col(URL), col(FILE), col(OFFSET)};
    }

    private static Dataset<Row> rejectedRows(Dataset<Row> removed) {
        return removed.select(rejectedColumns());
    }

    /** A few rejected documents per stage and reason, with their text, chosen by a stable hash. */
    private Dataset<Row> samples(Dataset<Row> removed) {
        List<Column> columns = new ArrayList<>(List.of(rejectedColumns()));
        columns.add(maskSample(col(TEXT)).as(TEXT));
        return removed.withColumn("_rank", row_number().over(
                        Window.partitionBy(col(REJECTION + "." + STAGE), col(REJECTION + "." + REASON))
                                .orderBy(xxhash64(col(UID)), col(UID))))
                .filter(col("_rank").leq(config.output().rejectedSamplesPerReason()))
                .select(columns.toArray(new Column[0]));
    }

    /**
     * Text written for people to read, through every configured stage's {@link Stage#maskSample}
     * (pii's masks personal data in documents rejected before it ran). Applied after the samples
     * are chosen, so only they pay for it.
     */
    private Column maskSample(Column text) {
        for (Stage stage : config.stages()) {
            text = stage.maskSample(text);
        }
        return text;
    }

    private void write(Dataset<Row> rows, String output) {
        rows.write().mode("overwrite").option("compression", config.output().compression())
                .parquet(layout.staged(output));
    }

    private Dataset<Row> readStaged(String output, StructType schema) {
        return spark.read().schema(schema).parquet(layout.staged(output));
    }

    /** Publishes every staged output, including ones a stage staged itself (dedup's fingerprints). */
    private void publishAll() throws IOException {
        Path staging = new Path(layout.staged(""));
        FileSystem fs = staging.getFileSystem(hadoop);
        for (FileStatus s : fs.listStatus(staging)) {
            layout.publish(hadoop, s.getPath().getName());
        }
    }

    private static double seconds(long startNanos) {
        return Math.round((System.nanoTime() - startNanos) / 1e6) / 1e3;
    }
}
