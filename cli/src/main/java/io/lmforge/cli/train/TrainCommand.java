package io.lmforge.cli.train;

import io.lmforge.trainer.dist.GradientSync;
import io.lmforge.trainer.TrainConfig;
import io.lmforge.trainer.Trainer;
import io.lmforge.shards.ShardFormatException;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.dist.spark.DistributedTraining;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code lmforge train --config FILE --data DIR/shards --out RUN [--distributed N]}: one process,
 * or N data-parallel ranks in a Spark barrier stage (embedded {@code local[N]}, or the cluster's
 * under spark-submit).
 */
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

    @Option(names = "--micro-batch", description = "override train.micro-batch (sequences per forward pass, per rank)")
    Integer microBatch;

    @Option(names = "--stop-at", description = "stop after this step as if interrupted; run again to resume")
    long stopAt;

    @Option(names = "--fresh", description = "ignore existing checkpoints in --out (they are overwritten as training goes)")
    boolean fresh;

    @Option(names = "--threads", description = "override train.threads (libtorch intra-op threads; 1 is best on a busy shared machine)")
    Integer threads;

    @Option(names = "--prometheus-port", description = "override metrics.prometheus-port (0: any free port, -1: off)")
    Integer prometheusPort;

    @Option(names = "--distributed", paramLabel = "N", description = "data-parallel training on N ranks, the tasks of a "
            + "Spark barrier stage (overrides distributed.ranks; a config with ranks > 1 is distributed without it)")
    Integer distributed;

    @Option(names = "--init-from", description = "start a new run from the weights of a checkpoint (or a run's best), or of "
            + "a Hugging Face directory written by 'lmforge export --format hf'; its tokenizer must be the shards' "
            + "(ignored when the run resumes from its own checkpoint); with LoRA: the base checkpoint or run, required "
            + "also when resuming")
    java.nio.file.Path initFrom;

    @Option(names = "--freeze", paramLabel = "SPEC", description = "override train.freeze: none, embeddings, layers:N, "
            + "embeddings,layers:N or fraction:F (frozen parameters get no gradient and no optimizer state)")
    String freeze;

    @Option(names = "--teacher", paramLabel = "CKPT", description = "override distill.teacher: distil from this checkpoint "
            + "or run directory (same tokenizer and vocabulary)")
    String teacher;

    @Option(names = "--distill-alpha", paramLabel = "A", description = "override distill.alpha: loss = (1 - A) CE + "
            + "A T^2 KL(teacher_T || student_T)")
    Double distillAlpha;

    @Option(names = "--distill-temperature", paramLabel = "T", description = "override distill.temperature")
    Double distillTemperature;

    @Option(names = "--lora-rank", description = "train LoRA adapters of this rank on the --init-from checkpoint, "
            + "its weights frozen (overrides lora.rank; see docs/training.md)")
    Integer loraRank;

    @Option(names = "--lora-alpha", description = "override lora.alpha (the adapters are scaled by alpha / rank)")
    Double loraAlpha;

    @Option(names = "--lora-targets", split = ",", description = "override lora.targets: projections among q,k,v,o,gate,up,down")
    List<String> loraTargets;

    @Option(names = "--lora-dropout", description = "override lora.dropout")
    Double loraDropout;

    @Option(names = "--master", description = "Spark master for a distributed run; default: spark-submit's, else local[N]")
    String master;

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
        if (distributed != null || cfg.distributed().ranks() > 1) {
            if (initFrom != null || cfg.lora().enabled()) {
                System.err.println("lmforge: --init-from and LoRA are for single-process runs; start one, then resume it distributed");
                return 2;
            }
            return trainDistributed(cfg);
        }
        try {
            Trainer.Result r = new Trainer(cfg, shards, out, GradientSync.singleProcess(),
                    new Trainer.Options(stopAt, !fresh, System.out, 0, initFrom == null ? null : initFrom.toString())).run();
            if (r.lastCheckpoint() != null) {
                System.out.println("last checkpoint: " + r.lastCheckpoint());
            }
            return 0;
        } catch (ShardFormatException e) {
            System.err.println("lmforge: input error: " + e.getMessage());
            return 2;
        }
    }

    private int trainDistributed(TrainConfig cfg) {
        List<DistributedTraining.RankReport> reports = DistributedTraining.runOnSpark(cfg, data, out, master, stopAt, fresh);
        System.out.printf("%-5s %-9s %-24s %8s %8s %12s %14s %14s%n", "rank", "executor", "host", "pid", "attempt",
                "steps", "tokens/s", "communication");
        for (DistributedTraining.RankReport r : reports) {
            System.out.printf("%-5d %-9s %-24s %8d %8d %12d %,14.0f %13.1f%%%n", r.rank(), r.executorId(), r.host(),
                    r.pid(), r.stageAttempt(), r.step(), r.tokensPerSecond(), 100 * r.communicationShare());
        }
        DistributedTraining.RankReport chief = reports.get(0);
        if (chief.resumedFrom() >= 0) {
            System.out.printf("stage attempt %d resumed from the checkpoint of step %d%n", chief.stageAttempt(),
                    chief.resumedFrom());
        }
        if (chief.lastCheckpoint() != null) {
            System.out.println("last checkpoint: " + chief.lastCheckpoint());
        }
        return 0;
    }

    private TrainConfig override(TrainConfig c) {
        TrainConfig.Run run = c.run();
        if (maxSteps != null) {
            run = run.withMaxSteps(maxSteps);
        }
        if (threads != null) {
            run = run.withThreads(threads);
        }
        if (microBatch != null) {
            run = run.withMicroBatch(microBatch);
        }
        TrainConfig.Metrics m = c.metrics();
        if (prometheusPort != null) {
            m = new TrainConfig.Metrics(m.logEvery(), prometheusPort, m.prometheusHost());
        }
        return FineTuneOptions.apply(new TrainConfig(c.model(), c.vocabSizeExplicit(), run, c.optimizer(), c.eval(),
                c.checkpoint(), m, distributed != null ? c.distributed().withRanks(distributed) : c.distributed(),
                c.freeze(), c.distill(), c.lora().with(loraRank, loraAlpha, loraTargets, loraDropout)),
                freeze, teacher, distillAlpha, distillTemperature);
    }

    /** Runs the command without the rest of the CLI (child JVMs in tests; the trainer module alone). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainCommand()).execute(args));
    }
}
