package io.lmforge.trainer.dist.spark;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.trainer.TrainConfig;
import io.lmforge.trainer.Trainer;
import io.lmforge.trainer.dist.CollectiveGradientSync;
import io.lmforge.trainer.dist.DistributedSettings;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;

/**
 * Data-parallel training as a Spark job: {@code distributed.ranks} copies of the {@link Trainer},
 * one per task of a barrier stage ({@link BarrierLauncher}), each with a gradient sync over the
 * stage's collective:
 *
 * <pre>
 *   rendezvous (BarrierTaskContext.allGather) → Collective (TCP ring, or NCCL)
 *   → Trainer(rank, worldSize): reads samples rank, rank + W, … of each epoch; all-reduces gradients every step
 *   → rank 0 writes checkpoints, metrics.jsonl and serves Prometheus, with every rank's throughput
 * </pre>
 *
 * When a rank fails (its executor dies, a collective times out), Spark cancels the others and
 * reruns the whole stage; every rank of the new attempt resumes from the last checkpoint. The run
 * directory must therefore be on a filesystem every executor sees (local disk in local mode).
 */
public final class DistributedTraining {

    private DistributedTraining() {
    }

    /**
     * What a rank reports back to the driver.
     *
     * @param stageAttempt       the barrier stage attempt that completed (0 unless Spark retried)
     * @param resumedFrom        the checkpoint step this attempt started from, -1 for none
     * @param tokensPerSecond    this rank's trained tokens per second over this attempt's steps
     * @param communicationShare this rank's share of those steps spent in collectives
     */
    public record RankReport(int rank, int worldSize, int stageAttempt, String executorId, String host, long pid,
                             List<String> gpus, long step, long tokensSeen, double lastLoss, double validationLoss,
                             long resumedFrom, double tokensPerSecond, double communicationShare, String lastCheckpoint)
            implements Serializable {
    }

    /**
     * Runs {@code config.distributed().ranks()} ranks on a Spark context: the one this JVM already
     * runs (tests, notebooks), else a new one with spark-submit's settings, {@code master} if given,
     * or {@code local[ranks]} (one task slot per rank). A context this call created is stopped.
     */
    public static List<RankReport> runOnSpark(TrainConfig config, String data, Path runDir, String master, long stopAt,
                                              boolean fresh) {
        int ranks = config.distributed().ranks();
        SparkConf conf = new SparkConf().setAppName("lmforge train");
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[" + ranks + "]");
        }
        long before = System.currentTimeMillis();
        SparkContext sc = SparkContext.getOrCreate(conf);
        boolean ours = sc.startTime() >= before;
        try {
            return run(sc, config, data, runDir, stopAt, fresh);
        } finally {
            if (ours) {
                sc.stop();
            }
        }
    }

    /**
     * Trains on {@code config.distributed().ranks()} ranks and returns their reports in rank order.
     *
     * @param data    the shards directory (any Hadoop filesystem the executors reach)
     * @param runDir  the run directory, on a filesystem every executor sees
     * @param stopAt  stop after this step as if interrupted (0: run to max-steps)
     * @param fresh   start over, ignoring existing checkpoints (a retried stage still resumes)
     */
    public static List<RankReport> run(SparkContext sc, TrainConfig config, String data, Path runDir, long stopAt,
                                       boolean fresh) {
        DistributedSettings d = config.distributed();
        if (d.backend() == DistributedSettings.Backend.NCCL && !"gpu".equals(config.run().device())) {
            throw new InvalidConfigException("distributed.backend = nccl reduces gradients in GPU memory: set train.device = gpu");
        }
        ClusterPreflight.check(sc.getConf(), sc.isLocal(), d.ranks(), runDir.toString());
        return BarrierLauncher.run(sc, d, new TrainingRank(config, data, runDir.toAbsolutePath().toString(), stopAt, fresh));
    }

    /** One rank: the trainer with this rank's share of the data and a sync over the stage's collective. */
    static final class TrainingRank implements RankMain<RankReport> {
        private final TrainConfig config;
        private final String data;
        private final String runDir;
        private final long stopAt;
        private final boolean fresh;

        TrainingRank(TrainConfig config, String data, String runDir, long stopAt, boolean fresh) {
            this.config = config;
            this.data = data;
            this.runDir = runDir;
            this.stopAt = stopAt;
            this.fresh = fresh;
        }

        @Override
        public RankReport run(RankContext ctx) throws Exception {
            GradientSync sync;
            if (config.distributed().backend() == DistributedSettings.Backend.NCCL) {
                // Before DJL starts: DJL must load the libtorch whose tensors NCCL reduces through bytedeco.
                io.lmforge.trainer.dist.nccl.SharedLibtorch.prepare();
                sync = io.lmforge.trainer.dist.nccl.NcclGradientSync.over(ctx.collective());
            } else {
                sync = new CollectiveGradientSync(ctx.collective(), config.distributed().bucketBytes());
            }
            ShardManifest shards = ShardManifest.load(data, new Configuration());
            // A retried stage resumes from the last checkpoint, even when the first attempt started afresh.
            boolean resume = !fresh || ctx.stageAttempt() > 0;
            PrintStream console = ctx.isChief() ? System.out : new PrintStream(OutputStream.nullOutputStream());
            Trainer.Result r = new Trainer(config, shards, Path.of(runDir), sync,
                    new Trainer.Options(stopAt, resume, console, ctx.cudaDevice())).run();
            return new RankReport(ctx.rank(), ctx.worldSize(), ctx.stageAttempt(), ctx.executorId(), host(),
                    ProcessHandle.current().pid(), ctx.gpus(), r.step(), r.tokensSeen(), r.lastLoss(),
                    r.lastEval() == null ? Double.NaN : r.lastEval().loss(), r.resumedFrom(), r.tokensPerSecond(),
                    r.communicationShare(), r.lastCheckpoint() == null ? null : r.lastCheckpoint().toString());
        }

        private static String host() {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                return "?";
            }
        }
    }
}
