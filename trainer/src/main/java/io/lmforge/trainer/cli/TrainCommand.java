package io.lmforge.trainer.cli;

import io.lmforge.trainer.GradientSync;
import io.lmforge.trainer.TrainConfig;
import io.lmforge.trainer.Trainer;
import io.lmforge.trainer.data.ShardFormatException;
import io.lmforge.trainer.data.ShardManifest;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;

/** {@code lmforge train --config FILE --data DIR/shards --out RUN}: single-process training. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Trains the configured model on token shards; resumes from RUN/checkpoints when present.")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, description = "training config (HOCON), e.g. conf/train-tiny.conf")
    File config;

    @Option(names = "--data", required = true, description = "the shards directory: OUT/shards of 'lmforge corpus'")
    String data;

    @Option(names = "--out", required = true, description = "run directory: checkpoints, metrics.jsonl")
    Path out;

    @Option(names = "--max-steps", description = "override train.max-steps")
    Long maxSteps;

    @Option(names = "--stop-at", description = "stop after this step as if interrupted; run again to resume")
    long stopAt;

    @Option(names = "--fresh", description = "ignore existing checkpoints in --out (they are overwritten as training goes)")
    boolean fresh;

    @Option(names = "--threads", description = "override train.threads (libtorch intra-op threads; 1 is best on a busy shared machine)")
    Integer threads;

    @Option(names = "--prometheus-port", description = "override metrics.prometheus-port (0: any free port, -1: off)")
    Integer prometheusPort;

    @Override
    public Integer call() throws Exception {
        TrainConfig cfg = TrainConfig.load(config);
        cfg = override(cfg);
        ShardManifest shards;
        try {
            shards = ShardManifest.load(data, new Configuration());
        } catch (ShardFormatException | FileNotFoundException e) {
            System.err.println("lmforge: input error: " + e.getMessage());
            return 2;
        }
        Files.createDirectories(out);
        Files.copy(config.toPath(), out.resolve("train.conf"), StandardCopyOption.REPLACE_EXISTING);
        try {
            Trainer.Result r = new Trainer(cfg, shards, out, GradientSync.singleProcess(),
                    new Trainer.Options(stopAt, !fresh, System.out)).run();
            if (r.lastCheckpoint() != null) {
                System.out.println("last checkpoint: " + r.lastCheckpoint());
            }
            return 0;
        } catch (ShardFormatException e) {
            System.err.println("lmforge: input error: " + e.getMessage());
            return 2;
        }
    }

    private TrainConfig override(TrainConfig c) {
        TrainConfig.Run run = c.run();
        if (maxSteps != null || threads != null) {
            run = new TrainConfig.Run(run.seed(), maxSteps != null ? maxSteps : run.maxSteps(), run.microBatch(),
                    run.gradAccumulation(), run.contextLength(), run.labelSmoothing(), run.maskDocuments(), run.device(),
                    threads != null ? threads : run.threads());
        }
        TrainConfig.Metrics m = c.metrics();
        if (prometheusPort != null) {
            m = new TrainConfig.Metrics(m.logEvery(), prometheusPort, m.prometheusHost());
        }
        return new TrainConfig(c.model(), c.vocabSizeExplicit(), run, c.optimizer(), c.eval(), c.checkpoint(), m,
                c.distributed());
    }

    /** Runs the command without the rest of the CLI (child JVMs in tests; the trainer module alone). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainCommand()).execute(args));
    }
}
