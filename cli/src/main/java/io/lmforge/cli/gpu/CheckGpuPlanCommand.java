package io.lmforge.cli.gpu;

import io.lmforge.cli.ConfigFiles;
import io.lmforge.corpus.CorpusSettings;
import io.lmforge.pipeline.CorpusConfig;
import io.lmforge.pipeline.SparkSessions;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.MutableURLClassLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.Reader;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code lmforge check-gpu-plan}: which parts of the document stages the RAPIDS Accelerator would
 * leave on the CPU, found on a machine without a GPU (docs/rapids.md).
 */
@Command(name = "check-gpu-plan", mixinStandardHelpOptions = true,
        description = "Runs ingest and the document stages of a corpus config on the CPU with the RAPIDS "
                + "Accelerator in explain-only mode and reports, per stage, every operator and expression "
                + "that would not run on a GPU, with the plugin's reason. Needs the rapids build (mvn -Prapids).")
public final class CheckGpuPlanCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, description = "HOCON corpus config (a local file or any Hadoop path)")
    String config;

    @Option(names = "--json", description = "print the report as JSON instead of a table")
    boolean json;

    @Option(names = "--explain", description = "print the plugin's own NOT_ON_GPU text for each stage after the table")
    boolean explain;

    @Option(names = "--work", description = "where each stage's output is written between stages "
            + "(default: a temporary directory, removed at the end)")
    String work;

    @Option(names = "--width", defaultValue = "160",
            description = "cut each node's text in the table to this many characters; 0: never (default ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--rapids-conf", defaultValue = "conf/rapids.properties",
            description = "the RAPIDS settings a cluster run uses (scripts/submit --rapids); its spark.rapids.sql.* "
                    + "lines apply here (default ${DEFAULT-VALUE})")
    Path rapidsConf;

    @Option(names = "--master", description = "Spark master; default: the config's spark.master or local[*]")
    String master;

    @Override
    public Integer call() throws Exception {
        RapidsExplain rapids;
        try {
            rapids = RapidsExplain.load();
        } catch (RapidsExplain.RapidsMissingException e) {
            spec.commandLine().getErr().println("lmforge check-gpu-plan: " + e.getMessage());
            return 2;
        }
        CorpusConfig cfg = CorpusConfig.from(ConfigFiles.read(config, CorpusSettings.NAMESPACE));
        Properties settings = new Properties();
        if (!Files.isRegularFile(rapidsConf)) {
            spec.commandLine().getErr().println("lmforge check-gpu-plan: --rapids-conf " + rapidsConf + ": no such file");
            return 2;
        }
        try (Reader in = Files.newBufferedReader(rapidsConf)) {
            settings.load(in);
        }
        Path temporary = work == null ? Files.createTempDirectory("lmforge-gpu-plan") : null;
        String dir = work != null ? work : temporary.toUri().toString();
        Optional<String> chosenMaster = master != null ? Optional.of(master) : cfg.master();
        // The plugin adds its Spark-version directory (spark401/ in the jar) to the context class
        // loader, which must be Spark's MutableURLClassLoader, as under spark-submit; java -cp
        // gives the application class loader, which it cannot extend.
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(new MutableURLClassLoader(new URL[0], previous));
        SparkSession spark = SparkSessions.create(chosenMaster, GpuPlanCheck.sessionConf(cfg, settings));
        try {
            GpuPlanReport report = new GpuPlanReport(new GpuPlanCheck(cfg, spark, rapids, dir).run());
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(report.json());
            } else {
                report.printTable(out, width);
                if (explain) {
                    for (GpuPlanReport.StagePlan stage : report.stages()) {
                        out.printf("%n== %s: the plugin's explain text%n%s%n", stage.stage(), stage.explain());
                    }
                }
            }
            out.flush();
            return 0;
        } finally {
            spark.stop();
            Thread.currentThread().setContextClassLoader(previous);
            if (temporary != null) {
                try (java.util.stream.Stream<Path> paths = Files.walk(temporary)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
