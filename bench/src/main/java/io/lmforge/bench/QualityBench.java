package io.lmforge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lmforge.config.Settings;
import io.lmforge.corpus.Columns;
import io.lmforge.pipeline.CorpusConfig;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.corpus.Rejections;
import io.lmforge.pipeline.SparkSessions;
import io.lmforge.pipeline.StageCatalog;
import io.lmforge.corpus.Stage;
import io.lmforge.corpus.StageContext;
import io.lmforge.ingest.Ingest;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import static org.apache.spark.sql.functions.bit_xor;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.octet_length;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * {@code lmforge bench quality --config FILE}: what cleaning and quality filtering cost next to
 * ingest, on the same corpus in one process. Ingest is timed from the raw files to rows; its kept
 * rows are then written to Parquet once, as the runner does before the document stages, and each
 * stage is timed over them: {@code clean+filter} (the headline, fused as in a run), and
 * {@code clean}, {@code filter}, {@code langid} and {@code pii} alone, the last three on cleaned
 * text. Every pass consumes every output column (a hash of all of them), so Spark cannot skip
 * the signals a run would write. Throughput is MB of document text (UTF-8) per second for all
 * passes, so the ratios compare the same bytes; ingest also gets MB/s of input as stored.
 */
@Command(name = "quality", mixinStandardHelpOptions = true,
        description = "Clean+filter throughput next to ingest-only on the same corpus; langid and pii alone.")
public final class QualityBench implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "corpus config: its sources and stage sections")
    File config;

    @Option(names = "--out", description = "directory for bench-quality.json with the figures")
    Path out;

    @Option(names = "--master", description = "Spark master; default: the config's, or local[*]")
    String master;

    @Option(names = "--runs", defaultValue = "2", description = "timed runs per pass after the warm-up; the best is reported (default 2)")
    int runs;

    @Option(names = "--warmup", defaultValue = "1", description = "untimed runs per pass first: JIT, Lingua's models (default 1)")
    int warmup;

    @Option(names = "--passes", split = ",", defaultValue = "scan,clean,filter,langid,pii",
            description = "passes besides ingest and clean+filter (default: scan,clean,filter,langid,pii)")
    List<String> extra;

    /** One timed pass: what it ran on and its best time. */
    record Pass(String name, String over, long documents, long textBytes, long inputBytes, double seconds,
                double median, int cores) {
        double textMbPerSecond() {
            return textBytes / 1e6 / seconds;
        }
    }

    /** What {@code --out} writes. */
    record Report(String config, String master, int cores, int warmup, int runs, List<Pass> passes) {
    }

    @Override
    public Integer call() throws Exception {
        for (String pass : extra) {
            if (!List.of("scan", "clean", "filter", "langid", "pii").contains(pass)) {
                throw new IllegalArgumentException("--passes names '" + pass + "', which is not one of scan, clean, filter, langid, pii");
            }
        }
        CorpusConfig cfg = CorpusConfig.load(config);
        SparkSession spark = SparkSessions.create(master != null ? Optional.of(master) : cfg.master(), cfg.sparkConf());
        Path work = Files.createTempDirectory("lmforge-bench-quality");
        try {
            int cores = spark.sparkContext().defaultParallelism();
            StageContext context = new StageContext(spark, new OutputLayout(work.resolve("out").toString()), "bench");
            Ingest.Plan plan = Ingest.plan(cfg.sources(), spark.sparkContext().hadoopConfiguration());
            long inputBytes = plan.filesAndBytesBySource().values().stream().mapToLong(v -> v[1]).sum();

            Dataset<Row> ingested = Ingest.read(spark, plan, cfg.ingest());
            Dataset<Row> rows = materialize(spark, ingested.filter(col(Columns.QUARANTINE).isNull())
                    .drop(Columns.QUARANTINE), work.resolve("ingested"));
            Row size = rows.filter(Rejections.isKept())
                    .agg(count(lit(1)), coalesce(sum(octet_length(col(Columns.TEXT))), lit(0L))).first();
            long documents = size.getLong(0);
            long textBytes = size.getLong(1);

            Stage clean = stage(cfg, "clean");
            Stage filter = stage(cfg, "filter");
            Dataset<Row> cleaned = materialize(spark, clean.apply(rows, context).rows(), work.resolve("cleaned"));

            List<Pass> passes = new ArrayList<>();
            passes.add(time("ingest", "raw files", () -> ingested, documents, textBytes, inputBytes, cores));
            if (extra.contains("scan")) {
                passes.add(time("scan", "ingested rows (Parquet)", () -> rows, documents, textBytes, 0, cores));
            }
            passes.add(time("clean+filter", "ingested rows", () -> filter.apply(clean.apply(rows, context).rows(), context).rows(),
                    documents, textBytes, 0, cores));
            if (extra.contains("clean")) {
                passes.add(time("clean", "ingested rows", () -> clean.apply(rows, context).rows(), documents, textBytes, 0, cores));
            }
            Row cleanSize = cleaned.filter(Rejections.isKept())
                    .agg(count(lit(1)), coalesce(sum(octet_length(col(Columns.TEXT))), lit(0L))).first();
            for (String name : List.of("filter", "langid", "pii")) {
                if (extra.contains(name)) {
                    Stage s = name.equals("filter") ? filter : stage(cfg, name);
                    passes.add(time(name, "cleaned rows", () -> s.apply(cleaned, context).rows(), cleanSize.getLong(0),
                            cleanSize.getLong(1), 0, cores));
                }
            }
            print(passes, spark.sparkContext().master(), cores, documents, textBytes, inputBytes);
            if (out != null) {
                Files.createDirectories(out);
                Path file = out.resolve("bench-quality.json");
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(),
                        new Report(config.getPath(), spark.sparkContext().master(), cores, warmup, runs, passes));
                System.out.println("figures written to " + file);
            }
            return 0;
        } finally {
            spark.stop();
            JavaUtils.deleteRecursively(work.toFile());
        }
    }

    /** The config's stage of that name, or one built from its section (defaults if it has none). */
    private static Stage stage(CorpusConfig cfg, String name) {
        for (Stage s : cfg.stages()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return StageCatalog.stages().build(Settings.of(cfg.resolved(), "lmforge.corpus", ""), name);
    }

    private Pass time(String name, String over, Supplier<Dataset<Row>> pass, long documents,
                      long textBytes, long inputBytes, int cores) {
        for (int i = 0; i < warmup; i++) {
            consume(pass.get());
        }
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < Math.max(1, runs); i++) {
            long start = System.nanoTime();
            consume(pass.get());
            seconds.add((System.nanoTime() - start) / 1e9);
        }
        seconds.sort(Comparator.naturalOrder());
        return new Pass(name, over, documents, textBytes, inputBytes, seconds.get(0), seconds.get(seconds.size() / 2), cores);
    }

    /**
     * Computes every column of every row, as writing them would, without the writing: a hash of
     * all columns, folded with XOR (a sum could overflow under ANSI mode).
     */
    static long consume(Dataset<Row> rows) {
        List<Column> columns = new ArrayList<>();
        for (StructField f : rows.schema().fields()) {
            // Spark refuses to hash maps; their entries hash the same content.
            columns.add(f.dataType() instanceof MapType ? map_entries(col(f.name())) : col(f.name()));
        }
        Row r = rows.agg(count(lit(1)), bit_xor(xxhash64(columns.toArray(new Column[0])))).first();
        return r.getLong(0);
    }

    private static Dataset<Row> materialize(SparkSession spark, Dataset<Row> rows, Path dir) {
        rows.write().mode("overwrite").option("compression", "zstd").parquet(dir.toString());
        return spark.read().schema(rows.schema()).parquet(dir.toString());
    }

    private void print(List<Pass> passes, String master, int cores, long documents, long textBytes, long inputBytes) {
        System.out.printf("lmforge bench quality: %s, %s, %d cores, %d warm-up + best of %d run(s) per pass%n",
                config.getPath(), master, cores, warmup, Math.max(1, runs));
        System.out.printf("corpus: %.1f MB input as stored, %d documents kept at ingest, %.1f MB of their text%n",
                inputBytes / 1e6, documents, textBytes / 1e6);
        Pass ingest = passes.get(0);
        System.out.printf("%-13s %-24s %9s %9s %9s %10s %11s %9s %10s%n", "pass", "over", "docs", "text MB", "seconds",
                "text MB/s", "MB/s/core", "docs/s", "vs ingest");
        for (Pass p : passes) {
            System.out.printf("%-13s %-24s %9d %9.2f %9.2f %10.2f %11.2f %9.0f %10s%n", p.name(), p.over(), p.documents(),
                    p.textBytes() / 1e6, p.seconds(), p.textMbPerSecond(), p.textMbPerSecond() / cores,
                    p.documents() / p.seconds(), p == ingest ? "1.00" : String.format("%.2f", p.textMbPerSecond() / ingest.textMbPerSecond()));
        }
        System.out.printf("ingest input: %.2f MB/s as stored (%.2f MB/s per core)%n", inputBytes / 1e6 / ingest.seconds(),
                inputBytes / 1e6 / ingest.seconds() / cores);
        Pass cf = passes.stream().filter(p -> p.name().equals("clean+filter")).findFirst().orElseThrow();
        System.out.printf("clean+filter: %.2f MB/s per core vs ingest %.2f MB/s per core of the same text: ratio %.2f "
                        + "(clean+filter time is %.0f%% of ingest's)%n",
                cf.textMbPerSecond() / cores, ingest.textMbPerSecond() / cores,
                cf.textMbPerSecond() / ingest.textMbPerSecond(), 100 * cf.seconds() / ingest.seconds());
    }
}
