package io.lmforge.pipeline;

import com.typesafe.config.ConfigRenderOptions;
import io.lmforge.corpus.ArtifactStage;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.corpus.Rejections;
import io.lmforge.corpus.Schemas;
import io.lmforge.corpus.SessionSettings;
import io.lmforge.corpus.Stage;
import io.lmforge.corpus.StageContext;
import io.lmforge.corpus.StageReport;
import io.lmforge.corpus.StageResult;
import io.lmforge.ingest.Ingest;
import io.lmforge.pipeline.report.CorpusReport;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    private static final String STEP_INGEST = "ingest";
    private static final String STEP_DOCUMENTS = "documents";
    private final RunState.Mode mode;
    private java.util.function.Predicate<io.lmforge.ingest.InputListing.Entry> readOnly = e -> true;
    private Map<String, Object> extraManifest = Map.of();
    private List<String> artifactDocuments = List.of();

    /** Reads only the input files {@code filter} accepts (a refresh: files no earlier run read). */
    CorpusJob readOnly(java.util.function.Predicate<io.lmforge.ingest.InputListing.Entry> filter) {
        this.readOnly = filter;
        return this;
    }

    /** Adds top-level sections to {@code manifest.json}. */
    CorpusJob manifestSections(Map<String, Object> sections) {
        this.extraManifest = Map.copyOf(sections);
        return this;
    }

    /** Builds the artifact stages from these {@code documents/} directories too (a refresh with shards-from = all). */
    CorpusJob artifactDocuments(List<String> documentDirs) {
        this.artifactDocuments = List.copyOf(documentDirs);
        return this;
    }

    public CorpusJob(CorpusConfig config, SparkSession spark, OutputLayout layout) {
        this(config, spark, layout, Resume.NO);
    }

    /**
     * What a run does with an unfinished run in {@code OUT/}: {@code NO} clears it; {@code YES}
     * reuses its finished steps and refuses when the config or the inputs changed; {@code
     * OR_RESTART} reuses them when nothing changed and starts over otherwise.
     */
    public enum Resume { NO, YES, OR_RESTART }

    public CorpusJob(CorpusConfig config, SparkSession spark, OutputLayout layout, Resume resume) {
        this.config = config;
        this.spark = spark;
        this.layout = layout;
        this.hadoop = spark.sparkContext().hadoopConfiguration();
        this.mode = switch (resume) {
            case NO -> RunState.Mode.FRESH;
            case YES -> RunState.Mode.RESUME;
            case OR_RESTART -> RunState.Mode.RESUME_OR_RESTART;
        };
    }

    /** What a completed run reports; the same figures are in {@code manifest.json}. */
    public record Result(String runId, List<SourceAccount> accounts, Map<String, Object> manifest) {
    }

    public Result run() throws IOException {
        try (SessionSettings sizing = ReadSizing.apply(spark)) {
            return runSized();
        }
    }

    private Result runSized() throws IOException {
        Instant started = Instant.now();
        String newRunId = config.runId().orElseGet(() -> DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(ZoneOffset.UTC).format(started));
        // The listing comes first: a resume compares it with the run it would resume.
        Ingest.Plan plan = Ingest.plan(config.sources(), hadoop).only(readOnly);
        RunState state = RunState.open(hadoop, layout, mode, newRunId, config.resolved(), plan);
        String runId = state.runId();
        StageContext context = new StageContext(spark, layout, runId);
        Manifest manifest = new Manifest(runId, started, spark.version());
        manifest.config(config.resolved().root().render(ConfigRenderOptions.concise()));
        SparkContext sc = spark.sparkContext();
        PausePoints.install(sc);

        // Ingest: one materialized pass, the only time raw inputs are read.
        Dataset<Row> ingested;
        Optional<Map<String, Object>> ingestDone = state.done(STEP_INGEST);
        if (ingestDone.isPresent()) {
            ingested = reuse(state, STEP_INGEST, ingestDone.get(), layout.work("ingest"));
            manifest.segment(List.of("ingest"), number(ingestDone.get().get("seconds")));
        } else {
            long t = System.nanoTime();
            PausePoints.step(sc, "ingest");
            ingested = context.materialize(Ingest.read(spark, plan, config.ingest()), "ingest");
            Dataset<Row> quarantine = ingested.filter(col(QUARANTINE).isNotNull())
                    .select(col(SOURCE), col(QUARANTINE + "." + FILE), col(QUARANTINE + "." + OFFSET),
                            col(QUARANTINE + "." + ERROR), maskSample(col(QUARANTINE + "." + SNIPPET)).as(SNIPPET));
            write(quarantine, OutputLayout.QUARANTINE);
            double seconds = seconds(t);
            manifest.segment(List.of("ingest"), seconds);
            state.complete(STEP_INGEST, Map.of("seconds", seconds, "schema", ingested.schema().json()));
        }
        PausePoints.at("after:ingest");

        Dataset<Row> documents;
        Map<String, Map<String, Object>> figures;
        Optional<Map<String, Object>> documentsDone = state.done(STEP_DOCUMENTS);
        if (documentsDone.isPresent()) {
            Map<String, Object> m = documentsDone.get();
            documents = reuse(state, STEP_DOCUMENTS, m, layout.staged(OutputLayout.DOCUMENTS));
            figures = figures(m.get("figures"));
            for (Map<String, Object> segment : list(m.get("segments"))) {
                if (strings(segment.get("stages")).equals(List.of("ingest"))) {
                    continue;   // already counted above
                }
                manifest.segment(strings(segment.get("stages")), number(segment.get("seconds")));
            }
        } else {
            Map<String, StageReport> reports = new LinkedHashMap<>();
            Dataset<Row> corpus = documentStages(ingested.filter(col(QUARANTINE).isNull()).drop(QUARANTINE),
                    context, state, manifest, reports);

            long t = System.nanoTime();
            PausePoints.step(sc, "documents");
            Dataset<Row> kept = corpus.filter(Rejections.isKept()).drop(UID, REJECTION);
            Dataset<Row> removed = corpus.filter(Rejections.isKept().unary_$bang());
            write(kept, OutputLayout.DOCUMENTS);
            write(rejectedRows(removed), OutputLayout.REJECTED);
            write(samples(removed), OutputLayout.REJECTED_SAMPLES);
            manifest.segment(List.of("write"), seconds(t));
            // Count what was written, not what was planned: that is what users will read.
            documents = readStaged(OutputLayout.DOCUMENTS, kept.schema());
            figures = new LinkedHashMap<>();
            for (Map.Entry<String, StageReport> r : reports.entrySet()) {
                figures.put(r.getKey(), r.getValue().figures(documents));
            }
            Map<String, Object> marker = new LinkedHashMap<>();
            marker.put("schema", kept.schema().json());
            marker.put("figures", figures);
            marker.put("segments", manifest.segments());
            state.complete(STEP_DOCUMENTS, marker);
        }
        PausePoints.at("after:documents");

        Dataset<Row> rejected = readStaged(OutputLayout.REJECTED, Schemas.REJECTED);
        List<SourceAccount> accounts = Accounting.tally(plan.filesAndBytesBySource(), ingested, documents,
                rejected, readStaged(OutputLayout.QUARANTINE, Schemas.QUARANTINED));
        manifest.accounts(accounts);
        Accounting.check(accounts);
        manifest.rejections(rejected);
        figures.forEach(manifest::stageReport);

        FileSystem fs = new Path(layout.root()).getFileSystem(hadoop);
        Dataset<Row> artifactInput = documents;
        for (String more : artifactDocuments) {
            artifactInput = artifactInput.unionByName(spark.read().parquet(more), true);
        }
        for (ArtifactStage artifact : config.artifacts()) {
            String step = "artifact-" + artifact.name();
            Optional<Map<String, Object>> done = state.done(step);
            Map<String, Object> report;
            if (done.isPresent()) {
                state.reuse(step);
                report = map(done.get().get("report"));
                manifest.segment(List.of(artifact.name()), number(done.get().get("seconds")));
            } else {
                long t = System.nanoTime();
                // What a killed attempt left half-written goes first.
                fs.delete(new Path(layout.staged(artifact.name())), true);
                PausePoints.step(sc, artifact.name());
                report = artifact.build(artifactInput, context);
                double seconds = seconds(t);
                manifest.segment(List.of(artifact.name()), seconds);
                state.complete(step, Map.of("seconds", seconds, "report", report));
            }
            manifest.stageReport(artifact.name(), report);
            PausePoints.at("after:" + artifact.name());
        }
        sc.setLocalProperty(PausePoints.STEP, null);

        extraManifest.forEach(manifest::put);
        if (state.resumed()) {
            manifest.put("resumed", Map.of("reused_steps", state.reused()));
        }
        publishAll();
        manifest.finished(Instant.now());
        byte[] manifestJson = manifest.toJson();
        layout.writeManifest(hadoop, manifestJson);
        if (config.output().report()) {
            writeReport(manifestJson, ingested.filter(col(QUARANTINE).isNull()));
        }
        layout.finish(hadoop);
        return new Result(runId, accounts, manifest.asMap());
    }

    /**
     * {@code OUT/report.html}, after the manifest: the run is complete whether or not the report can
     * be written (a failure costs a warning). Before {@code _work/} goes, as the length histograms
     * read the records as ingest left them there.
     */
    private void writeReport(byte[] manifestJson, Dataset<Row> read) {
        long t = System.nanoTime();
        try {
            CorpusReport.write(spark, layout, manifestJson, config.stages().stream().map(Stage::name).toList(), read);
            System.err.printf("lmforge: wrote %s/%s in %.1f s%n", layout.root(), CorpusReport.FILE, seconds(t));
        } catch (IOException | RuntimeException e) {
            System.err.println("lmforge: warning: the run is complete, but " + layout.root() + "/" + CorpusReport.FILE
                    + " could not be written: " + e);
        }
    }

    /** A run of stages ended by a materialization ({@code OUT/_work/NAME}). */
    private record Segment(String name, List<Stage> stages) {
        List<String> names() {
            return stages.stream().map(Stage::name).toList();
        }
    }

    /** The document stages as the segments they run in: a stage that reads its input twice starts one. */
    private List<Segment> segments() {
        List<Segment> segments = new ArrayList<>();
        List<Stage> pending = new ArrayList<>();
        for (Stage stage : config.stages()) {
            if (stage.needsMaterializedInput() && !pending.isEmpty()) {
                segments.add(new Segment("before-" + stage.name(), pending));
                pending = new ArrayList<>();
            }
            pending.add(stage);
            if (config.output().checkpointEveryStage()) {
                segments.add(new Segment("after-" + stage.name(), pending));
                pending = new ArrayList<>();
            }
        }
        segments.add(new Segment("final", pending));
        return segments;
    }

    /**
     * Runs the document stages, segment by segment, from the last segment a resumed run finished.
     * A reused segment's stages are not run again: their known figures come from its marker, and
     * a stage whose figures are computed from the documents is applied again without running
     * (lazily), only to get its report.
     */
    private Dataset<Row> documentStages(Dataset<Row> corpus, StageContext context, RunState state, Manifest manifest,
                                        Map<String, StageReport> reports) throws IOException {
        List<Segment> segments = segments();
        int from = 0;
        for (int i = segments.size() - 1; i >= 0 && from == 0; i--) {
            if (state.done(segmentStep(segments.get(i))).isPresent() && recoverable(segments.subList(0, i + 1), state)) {
                from = i + 1;
            }
        }
        for (int i = 0; i < segments.size(); i++) {
            Segment segment = segments.get(i);
            String step = segmentStep(segment);
            if (i < from) {
                Map<String, Object> marker = state.done(step).orElseThrow();
                Map<String, Object> known = map(marker.get("known"));
                Dataset<Row> rows = corpus;
                for (Stage stage : segment.stages()) {
                    if (known.containsKey(stage.name())) {
                        reports.put(stage.name(), StageReport.of(map(known.get(stage.name()))));
                    } else {
                        StageResult result = stage.apply(rows, context);
                        rows = result.rows();
                        reports.put(stage.name(), result.report());
                    }
                }
                corpus = reuse(state, step, marker, layout.work(segment.name()));
                if (!segment.stages().isEmpty()) {
                    manifest.segment(segment.names(), number(marker.get("seconds")));
                }
                continue;
            }
            long t = System.nanoTime();
            PausePoints.step(spark.sparkContext(), segment.names().toArray(new String[0]));
            Map<String, Object> known = new LinkedHashMap<>();
            for (Stage stage : segment.stages()) {
                StageResult result = stage.apply(corpus, context);
                corpus = result.rows();
                reports.put(stage.name(), result.report());
                result.report().known().ifPresent(k -> known.put(stage.name(), k));
            }
            corpus = context.materialize(corpus, segment.name());
            double seconds = seconds(t);
            if (!segment.stages().isEmpty()) {
                manifest.segment(segment.names(), seconds);
            }
            state.complete(step, Map.of("seconds", seconds, "schema", corpus.schema().json(), "known", known));
            for (String name : segment.names()) {
                PausePoints.at("after:" + name);
            }
        }
        return corpus;
    }

    /**
     * Whether the reports of these finished segments can be had without running them: each stage
     * reported known figures, or is lazy and comes before any skipped stage of its segment.
     */
    private static boolean recoverable(List<Segment> segments, RunState state) throws IOException {
        for (Segment segment : segments) {
            Optional<Map<String, Object>> marker = state.done(segmentStep(segment));
            if (marker.isEmpty()) {
                return false;
            }
            Map<String, Object> known = map(marker.get().get("known"));
            boolean skipped = false;
            for (Stage stage : segment.stages()) {
                if (known.containsKey(stage.name())) {
                    skipped = true;
                } else if (stage.needsMaterializedInput() || skipped) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String segmentStep(Segment segment) {
        return "segment-" + segment.name();
    }

    /** A finished step's output, read back with the schema its marker recorded. */
    private Dataset<Row> reuse(RunState state, String step, Map<String, Object> marker, String path) {
        state.reuse(step);
        return spark.read().schema((StructType) DataType.fromJson((String) marker.get("schema"))).parquet(path);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object o) {
        return (List<String>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> figures(Object o) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        map(o).forEach((k, v) -> out.put(k, (Map<String, Object>) v));
        return out;
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
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
