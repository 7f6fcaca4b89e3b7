package io.lmforge.cli;

import io.lmforge.corpus.CorpusSettings;
import io.lmforge.pipeline.CorpusConfig;
import io.lmforge.pipeline.CorpusJob;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.pipeline.SourceAccount;
import io.lmforge.pipeline.SparkSessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "corpus", mixinStandardHelpOptions = true,
        description = "Runs the corpus pipeline: ingest, clean, filter, dedup, mix, tokenize.")
final class CorpusCommand implements Callable<Integer> {

    @Option(names = "--config", required = true,
            description = "HOCON config: a local file, or a path on any Hadoop filesystem (hdfs://, s3a://)")
    String config;

    @Option(names = "--out", required = true, description = "output directory (any Hadoop filesystem)")
    String out;

    @Option(names = "--master", description = "Spark master; default: the config's spark.master, "
            + "spark-submit's, or local[*]")
    String master;

    @Override
    public Integer call() throws Exception {
        CorpusConfig cfg = CorpusConfig.from(ConfigFiles.read(config, CorpusSettings.NAMESPACE));
        Optional<String> chosenMaster = master != null ? Optional.of(master) : cfg.master();
        SparkSession spark = SparkSessions.create(chosenMaster, cfg.sparkConf());
        try {
            CorpusJob.Result result = new CorpusJob(cfg, spark, new OutputLayout(out)).run();
            System.out.printf("run %s complete: %s/manifest.json%n", result.runId(), out);
            System.out.printf("%-16s %8s %12s %10s %10s %10s %12s%n",
                    "source", "files", "input", "kept", "rejected", "quarantined", "balanced");
            for (SourceAccount a : result.accounts()) {
                System.out.printf("%-16s %8d %12d %10d %10d %10d %12s%n", a.source(), a.files(), a.input(),
                        a.kept(), a.rejected(), a.quarantined(), a.balanced());
            }
            return 0;
        } finally {
            spark.stop();
        }
    }
}
