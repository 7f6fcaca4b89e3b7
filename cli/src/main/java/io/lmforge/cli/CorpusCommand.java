package io.lmforge.cli;

import io.lmforge.corpus.CorpusSettings;
import io.lmforge.pipeline.CorpusConfig;
import io.lmforge.pipeline.CorpusJob;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.pipeline.LeaseHeldException;
import io.lmforge.pipeline.Refresh;
import io.lmforge.pipeline.ResumeRefusedException;
import io.lmforge.pipeline.SourceAccount;
import io.lmforge.pipeline.SparkSessions;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "corpus", mixinStandardHelpOptions = true,
        description = "Runs the corpus pipeline: ingest, clean, filter, dedup, mix, tokenize.")
final class CorpusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true,
            description = "HOCON config: a local file, or a path on any Hadoop filesystem (hdfs://, s3a://)")
    String config;

    @Option(names = "--out", description = "output directory (any Hadoop filesystem); or --root with --refresh")
    String out;

    @Option(names = "--root", description = "with --refresh: the root of versioned runs (ROOT/runs/<run-id>/, ROOT/latest)")
    String root;

    @Option(names = "--refresh", description = "a versioned refresh under --root: reads only input files no earlier "
            + "run read, dedups against every earlier run, moves ROOT/latest on success (docs/refresh.md)")
    boolean refresh;

    @Option(names = "--resume", description = "resume the unfinished run in --out: steps it finished with the same "
            + "config and inputs are reused, the rest run again; refuses (exit 2) when the config or the inputs changed")
    boolean resume;

    @Option(names = "--restart", description = "with --resume: start over when the config or the inputs changed; "
            + "alone: start over (what a run without --resume always does)")
    boolean restart;

    @Option(names = "--master", description = "Spark master; default: the config's spark.master, "
            + "spark-submit's, or local[*]")
    String master;

    @Override
    public Integer call() throws Exception {
        if (out == null && !refresh) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Missing required option: '--out=<out>' (or --root=<root> --refresh)");
        }
        if (refresh != (root != null) || (refresh && out != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give --out=<out>, or --root=<root> with --refresh (not both)");
        }
        if (refresh && (resume || restart)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--resume and --restart apply to --out runs; the next refresh removes a failed one");
        }
        CorpusConfig cfg = CorpusConfig.from(ConfigFiles.read(config, CorpusSettings.NAMESPACE));
        Optional<String> chosenMaster = master != null ? Optional.of(master) : cfg.master();
        SparkSession spark = SparkSessions.create(chosenMaster, cfg.sparkConf());
        try {
            if (refresh) {
                Refresh.Outcome outcome;
                try {
                    outcome = new Refresh(cfg, spark, root).run();
                } catch (LeaseHeldException e) {
                    System.err.println("lmforge corpus: " + e.getMessage());
                    return 3;
                }
                System.out.println(outcome.message());
                outcome.result().ifPresent(CorpusCommand::print);
                return 0;
            }
            CorpusJob.Resume mode = !resume ? CorpusJob.Resume.NO
                    : restart ? CorpusJob.Resume.OR_RESTART : CorpusJob.Resume.YES;
            CorpusJob.Result result;
            try {
                result = new CorpusJob(cfg, spark, new OutputLayout(out), mode).run();
            } catch (ResumeRefusedException e) {
                System.err.println("lmforge corpus: " + e.getMessage());
                return 2;
            }
            System.out.printf("run %s complete: %s/manifest.json%n", result.runId(), out);
            print(result);
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static void print(CorpusJob.Result result) {
        System.out.printf("%-16s %8s %12s %10s %10s %10s %12s%n",
                "source", "files", "input", "kept", "rejected", "quarantined", "balanced");
        for (SourceAccount a : result.accounts()) {
            System.out.printf("%-16s %8d %12d %10d %10d %10d %12s%n", a.source(), a.files(), a.input(),
                    a.kept(), a.rejected(), a.quarantined(), a.balanced());
        }
    }
}
