package io.lmforge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lmforge.corpus.Columns;
import io.lmforge.pipeline.CorpusConfig;
import io.lmforge.pipeline.SparkSessions;
import io.lmforge.ingest.Ingest;
import io.lmforge.ingest.SourceConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.octet_length;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * {@code lmforge bench ingest --config FILE}: how fast the readers turn the config's sources into
 * rows, per source and all together: input MB/s (bytes as stored, compressed or not), records/s,
 * and MB/s per core. Only ingest runs (the rows are counted, not written), so the figures are the
 * readers' and the parsing libraries' (jwarc, jsoup, parquet-mr, StAX), not Parquet writing's.
 * Each measurement is the best of {@code --runs} runs; the first run also warms the JIT.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Ingest throughput (MB/s, records/s; per source, total and per core) on a config's sources.")
public final class IngestBench implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "corpus config whose sources are read")
    File config;

    @Option(names = "--out", description = "directory for bench-ingest.json with the figures")
    Path out;

    @Option(names = "--master", description = "Spark master; default: the config's, or local[*]")
    String master;

    @Option(names = "--runs", defaultValue = "2", description = "runs per measurement; the best is reported (default 2)")
    int runs;

    /** One measurement: what was read and how long the best run took. */
    record Figures(String source, String format, long files, long bytes, long records, long kept, long rejected,
                   long quarantined, long textBytes, double seconds, int cores) {
        double mbPerSecond() {
            return bytes / 1e6 / seconds;
        }

        double recordsPerSecond() {
            return records / seconds;
        }
    }

    @Override
    public Integer call() throws Exception {
        CorpusConfig cfg = CorpusConfig.load(config);
        SparkSession spark = SparkSessions.create(master != null ? Optional.of(master) : cfg.master(), cfg.sparkConf());
        try {
            Configuration hadoop = spark.sparkContext().hadoopConfiguration();
            int cores = spark.sparkContext().defaultParallelism();
            List<Figures> figures = new ArrayList<>();
            for (SourceConfig source : cfg.sources()) {
                figures.add(measure(spark, cfg, List.of(source), source.name(), source.format().toString(), cores, hadoop));
            }
            if (cfg.sources().size() > 1) {
                figures.add(measure(spark, cfg, cfg.sources(), "total", "", cores, hadoop));
            }
            print(figures, spark.sparkContext().master());
            if (out != null) {
                Files.createDirectories(out);
                Map<String, Object> report = new LinkedHashMap<>();
                report.put("config", config.getPath());
                report.put("master", spark.sparkContext().master());
                report.put("cores", cores);
                report.put("runs", runs);
                report.put("figures", figures);
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValue(out.resolve("bench-ingest.json").toFile(), report);
                System.out.println("figures written to " + out.resolve("bench-ingest.json"));
            }
            return 0;
        } finally {
            spark.stop();
        }
    }

    private Figures measure(SparkSession spark, CorpusConfig cfg, List<SourceConfig> sources, String name, String format,
                            int cores, Configuration hadoop) throws Exception {
        Ingest.Plan plan = Ingest.plan(sources, hadoop);
        long files = plan.filesAndBytesBySource().values().stream().mapToLong(v -> v[0]).sum();
        long bytes = plan.filesAndBytesBySource().values().stream().mapToLong(v -> v[1]).sum();
        Column quarantined = col(Columns.QUARANTINE).isNotNull();
        Column rejected = col(Columns.REJECTION).isNotNull();
        Column kept = quarantined.or(rejected).unary_$bang();
        double best = Double.MAX_VALUE;
        Row counts = null;
        for (int run = 0; run < Math.max(1, runs); run++) {
            long start = System.nanoTime();
            counts = Ingest.read(spark, plan, cfg.ingest())
                    .agg(count(lit(1)), sum(when(kept, 1).otherwise(0)), sum(when(rejected, 1).otherwise(0)),
                            sum(when(quarantined, 1).otherwise(0)),
                            coalesce(sum(when(kept, octet_length(col(Columns.TEXT))).otherwise(0)), lit(0L)))
                    .first();
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        return new Figures(name, format, files, bytes, counts.getLong(0), counts.getLong(1), counts.getLong(2),
                counts.getLong(3), counts.getLong(4), best, cores);
    }

    private void print(List<Figures> figures, String master) {
        System.out.printf("lmforge bench ingest: %s, %d cores, best of %d run(s)%n", master,
                figures.get(0).cores(), Math.max(1, runs));
        System.out.printf("%-10s %-9s %6s %9s %8s %8s %8s %8s %8s %8s %10s %8s %9s %11s%n", "source", "format", "files",
                "input MB", "records", "kept", "rejected", "quarant.", "text MB", "seconds", "records/s", "MB/s",
                "MB/s/core", "rec/s/core");
        for (Figures f : figures) {
            System.out.printf("%-10s %-9s %6d %9.1f %8d %8d %8d %8d %8.1f %8.2f %10.0f %8.1f %9.1f %11.0f%n", f.source(),
                    f.format(), f.files(), f.bytes() / 1e6, f.records(), f.kept(), f.rejected(), f.quarantined(),
                    f.textBytes() / 1e6, f.seconds(), f.recordsPerSecond(), f.mbPerSecond(), f.mbPerSecond() / f.cores(),
                    f.recordsPerSecond() / f.cores());
        }
    }
}
