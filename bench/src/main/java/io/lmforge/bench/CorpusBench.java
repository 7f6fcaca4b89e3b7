package io.lmforge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lmforge.bench.machine.Machine;
import io.lmforge.corpus.Columns;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.ingest.SourceConfig;
import io.lmforge.pipeline.CorpusConfig;
import io.lmforge.pipeline.CorpusJob;
import io.lmforge.pipeline.SourceAccount;
import io.lmforge.pipeline.SparkSessions;
import org.apache.spark.network.util.JavaUtils;
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
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.octet_length;
import static org.apache.spark.sql.functions.sum;

/**
 * {@code lmforge bench corpus --config FILE}: the whole corpus job, as {@code lmforge corpus} runs
 * it, timed end to end: MB of input (as stored) per second per core, and the share of each
 * segment the run's manifest times (ingest, the fused document stages, the writes, dedup, the
 * tokenizer, shards); what is left is the driver's (listing, accounting, report, publishing).
 * The Spark jobs of the run are listed by step, with their tasks' time and shuffle bytes, and the
 * process's CPU time is given beside the wall time.
 */
@Command(name = "corpus", mixinStandardHelpOptions = true,
        description = "The whole corpus job timed end to end: MB/s per core and the share of each segment.")
public final class CorpusBench implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "corpus config (e.g. conf/large.conf)")
    File config;

    @Option(names = "--out", description = "the run's output directory; default: a temporary one, removed after")
    Path out;

    @Option(names = "--master", description = "Spark master; default: the config's, or local[*]")
    String master;

    @Option(names = "--sources", split = ",", description = "run only these sources of the config (a slice)")
    List<String> only;

    @Option(names = "--stages", description = "also list each Spark stage's tasks, CPU time and shuffle bytes")
    boolean perStage;

    @Option(names = "--json", description = "write the figures to this file")
    Path json;

    /** One timed segment of the run, as its manifest names it. */
    record Segment(String name, double seconds, double share) {
    }

    /** What {@code --json} writes. */
    record Report(String config, List<String> sources, String master, int cores, String loadBefore, String loadAfter,
                  long files, long inputBytes, long records, long kept, long keptTextBytes, double seconds,
                  double mbPerSecondPerCore, double cpuSeconds, double mbPerCpuSecond, List<Segment> segments) {
    }

    @Override
    public Integer call() throws Exception {
        CorpusConfig cfg = slice(CorpusConfig.load(config));
        SparkSession spark = SparkSessions.create(master != null ? Optional.of(master) : cfg.master(), cfg.sparkConf());
        Path dir = out != null ? out : Files.createTempDirectory("lmforge-bench-corpus");
        try {
            int cores = spark.sparkContext().defaultParallelism();
            JobProfile profile = JobProfile.attach(spark, perStage);
            String loadBefore = Machine.loadAverage();
            long cpuStart = Machine.processCpuNanos();
            long start = System.nanoTime();
            CorpusJob.Result result = new CorpusJob(cfg, spark, new OutputLayout(dir.toString())).run();
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = (Machine.processCpuNanos() - cpuStart) / 1e9;
            String loadAfter = Machine.loadAverage();

            long files = 0, bytes = 0, records = 0, kept = 0;
            for (SourceAccount a : result.accounts()) {
                files += a.files();
                bytes += a.bytes();
                records += a.input();
                kept += a.kept();
            }
            long keptText = spark.read().parquet(dir.resolve(OutputLayout.DOCUMENTS).toString())
                    .agg(coalesce(sum(octet_length(col(Columns.TEXT))), lit(0L))).first().getLong(0);
            List<Segment> segments = segments(result.manifest(), seconds);
            double perCore = bytes / 1e6 / seconds / cores;

            System.out.printf("lmforge bench corpus: %s%s, %s, %d cores; load %s -> %s%n", config.getPath(),
                    only == null ? "" : " (sources " + String.join(",", only) + ")", spark.sparkContext().master(), cores,
                    loadBefore, loadAfter);
            System.out.printf("input: %d files, %.1f MB as stored, %d records; kept %d documents, %.1f MB of text%n",
                    files, bytes / 1e6, records, kept, keptText / 1e6);
            System.out.printf("end to end: %.1f s, %.2f MB/s, %.2f MB/s per core%n", seconds, bytes / 1e6 / seconds, perCore);
            System.out.printf("CPU: %.1f s of the process (%.2f of %d cores busy on average): %.2f MB per CPU second%n",
                    cpuSeconds, cpuSeconds / seconds, cores, bytes / 1e6 / cpuSeconds);
            System.out.printf("%-40s %9s %7s%n", "segment", "seconds", "share");
            for (Segment s : segments) {
                System.out.printf("%-40s %9.1f %6.1f%%%n", s.name(), s.seconds(), 100 * s.share());
            }
            System.out.println("Spark jobs by step:");
            System.out.print(profile.summary(seconds));
            if (json != null) {
                Path parent = json.toAbsolutePath().getParent();
                Files.createDirectories(parent);
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(),
                        new Report(config.getPath(), cfg.sources().stream().map(SourceConfig::name).toList(),
                                spark.sparkContext().master(), cores, loadBefore, loadAfter, files, bytes, records, kept,
                                keptText, seconds, perCore, cpuSeconds, bytes / 1e6 / cpuSeconds, segments));
                System.out.println("figures written to " + json);
            }
            return 0;
        } finally {
            spark.stop();
            if (out == null) {
                JavaUtils.deleteRecursively(dir.toFile());
            }
        }
    }

    /** The config with only the sources {@code --sources} names (all without it). */
    private CorpusConfig slice(CorpusConfig cfg) {
        if (only == null) {
            return cfg;
        }
        List<SourceConfig> kept = new ArrayList<>();
        for (String name : only) {
            kept.add(cfg.sources().stream().filter(s -> s.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--sources names '" + name + "', which "
                            + config + " does not define (it has " + cfg.sources().stream().map(SourceConfig::name).toList() + ")")));
        }
        return new CorpusConfig(cfg.runId(), cfg.master(), cfg.sparkConf(), cfg.ingest(), List.copyOf(kept), cfg.stages(),
                cfg.artifacts(), cfg.output(), cfg.refresh(), cfg.resolved());
    }

    /** The manifest's segments in run order, and the rest of the run's time as one more. */
    @SuppressWarnings("unchecked")
    static List<Segment> segments(Map<String, Object> manifest, double seconds) {
        Map<String, Double> by = new LinkedHashMap<>();
        for (Map<String, Object> s : (List<Map<String, Object>>) manifest.get("segments")) {
            by.merge(String.join("+", (List<String>) s.get("stages")), ((Number) s.get("seconds")).doubleValue(), Double::sum);
        }
        double timed = by.values().stream().mapToDouble(Double::doubleValue).sum();
        by.put("(driver: listing, accounting, report, publishing)", Math.max(0, seconds - timed));
        List<Segment> segments = new ArrayList<>();
        by.forEach((name, s) -> segments.add(new Segment(name, s, s / seconds)));
        return segments;
    }
}
