package io.lmforge.trainer.dist.spark;

import io.lmforge.config.Settings;
import io.lmforge.trainer.TrainConfig;
import io.lmforge.trainer.dist.DistributedSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The driver of the multi-JVM test, in its own JVM: Spark's {@code local-cluster[2,1,1024]}
 * starts a standalone Master and two Workers in this JVM, and the Workers launch two executor
 * JVMs with the test classpath. Runs three jobs and writes what it saw to {@code results.properties}:
 * <ol>
 *   <li>a barrier stage of 2 ranks, one per executor, each asking one (fake) GPU through a
 *       stage-level task resource profile, with an all-reduce crossing the JVMs;</li>
 *   <li>data-parallel training (the trainer's own rank body, {@link DistributedTraining}) of 2
 *       ranks across the two executor JVMs, uninterrupted, into {@code run-a};</li>
 *   <li>the same training into {@code run-b}, with rank 1's executor JVM killed (SIGKILL) once
 *       the checkpoint of step 4 exists: the stage fails, the Master starts a new executor,
 *       Spark retries the stage, and both ranks resume from the last checkpoint and finish.</li>
 * </ol>
 * Args: work dir, GPU discovery script, shards dir, training config (HOCON) file.
 */
public final class ClusterDriverMain {

    /** The real training rank, which first publishes its JVM's pid, so the driver can kill it. */
    static final class PublishesPid implements RankMain<DistributedTraining.RankReport> {
        private final RankMain<DistributedTraining.RankReport> rank;
        private final String dir;

        PublishesPid(RankMain<DistributedTraining.RankReport> rank, String dir) {
            this.rank = rank;
            this.dir = dir;
        }

        @Override
        public DistributedTraining.RankReport run(RankContext ctx) throws Exception {
            Files.writeString(Path.of(dir, "attempt" + ctx.stageAttempt() + "-rank" + ctx.rank() + ".pid"),
                    Long.toString(ProcessHandle.current().pid()));
            return rank.run(ctx);
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String discovery = args[1];
        String shards = args[2];
        TrainConfig training = TrainConfig.load(new java.io.File(args[3]));
        String classPath = System.getProperty("java.class.path");
        SparkConf conf = new SparkConf()
                .setMaster("local-cluster[2,1,1024]")
                .setAppName("lmforge-cluster-test")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.executor.memory", "512m")
                .set("spark.executor.extraClassPath", classPath)
                .set("spark.executor.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dai.djl.offline=true")
                // one fake GPU per worker and executor, so the task resource profile has something to ask for
                .set("spark.worker.resource.gpu.amount", "1")
                .set("spark.worker.resource.gpu.discoveryScript", discovery)
                .set("spark.executor.resource.gpu.amount", "1")
                .set("spark.executor.resource.gpu.discoveryScript", discovery)
                .set("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s")
                .set("spark.stage.maxConsecutiveAttempts", "4");
        SparkContext sc = new SparkContext(conf);
        Properties out = new Properties();
        ConcurrentLinkedQueue<String> failedStages = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failedTasks = new ConcurrentLinkedQueue<>();
        sc.addSparkListener(new SparkListener() {
            @Override
            public void onStageCompleted(SparkListenerStageCompleted e) {
                if (e.stageInfo().failureReason().isDefined()) {
                    failedStages.add("stage " + e.stageInfo().stageId() + " attempt " + e.stageInfo().attemptNumber() + ": "
                            + e.stageInfo().failureReason().get());
                }
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd e) {
                if (e.reason() instanceof TaskFailedReason failed) {
                    failedTasks.add(failed.toErrorString());
                }
            }
        });
        try {
            awaitExecutors(sc, 2);
            DistributedSettings two = DistributedSettings.cpu(2).withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30));

            List<AllReduceProbe.Report> first = BarrierLauncher.run(sc, two.withGpusPerTask(1), new AllReduceProbe());
            record("job1", first, out);

            Path runA = dir.resolve("run-a");
            record("job2", DistributedTraining.run(sc, training, shards, runA, 0, false), out);

            Path runB = dir.resolve("run-b");
            Thread killer = new Thread(() -> killRank1AfterCheckpoint(dir, runB.resolve("checkpoints/step-00000004"), out),
                    "victim-killer");
            killer.setDaemon(true);
            killer.start();
            String runBPath = runB.toAbsolutePath().toString();
            record("job3", BarrierLauncher.run(sc, training.distributed(), new PublishesPid(
                    new DistributedTraining.TrainingRank(training, shards, runBPath, 0, false), dir.toString())), out);
            out.setProperty("job3.failedStages", String.join(" || ", failedStages));
            out.setProperty("job3.failedTasks", String.join(" || ", failedTasks));
            out.setProperty("driver.pid", Long.toString(ProcessHandle.current().pid()));
            out.setProperty("status", "ok");
        } catch (Throwable t) {
            out.setProperty("status", "failed: " + t);
            t.printStackTrace();
        } finally {
            try (var w = Files.newBufferedWriter(dir.resolve("results.properties"))) {
                out.store(w, null);
            }
            sc.stop();
        }
        System.exit(0);
    }

    private static void awaitExecutors(SparkContext sc, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (sc.statusTracker().getExecutorInfos().length < n + 1) { // the driver is listed too
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("executors did not register within 60 s");
            }
            Thread.sleep(100);
        }
    }

    private static void record(String job, List<?> reports, Properties out) {
        for (Object o : reports) {
            if (o instanceof AllReduceProbe.Report r) {
                String k = job + ".rank" + r.rank() + ".";
                out.setProperty(k + "attempt", Integer.toString(r.stageAttempt()));
                out.setProperty(k + "pid", Long.toString(r.pid()));
                out.setProperty(k + "gpus", String.join(",", r.gpus()));
                out.setProperty(k + "sumCorrect", Boolean.toString(r.sumCorrect()));
                out.setProperty(k + "gathered", java.util.Arrays.toString(r.gathered()));
            } else if (o instanceof DistributedTraining.RankReport r) {
                String k = job + ".rank" + r.rank() + ".";
                out.setProperty(k + "attempt", Integer.toString(r.stageAttempt()));
                out.setProperty(k + "pid", Long.toString(r.pid()));
                out.setProperty(k + "step", Long.toString(r.step()));
                out.setProperty(k + "resumedFrom", Long.toString(r.resumedFrom()));
                out.setProperty(k + "tokensPerSecond", Double.toString(r.tokensPerSecond()));
                out.setProperty(k + "communicationShare", Double.toString(r.communicationShare()));
            }
        }
    }

    /** Waits for the checkpoint, then SIGKILLs the executor JVM running rank 1 of the first attempt. */
    private static void killRank1AfterCheckpoint(Path dir, Path checkpoint, Properties out) {
        Path pidFile = dir.resolve("attempt0-rank1.pid");
        try {
            while (!Files.exists(pidFile) || !Files.isDirectory(checkpoint)) {
                Thread.sleep(10);
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            boolean killed = ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false);
            out.setProperty("job3.killedPid", pid + (killed ? "" : " (kill failed)"));
            out.setProperty("job3.killedAfter", checkpoint.getFileName().toString());
        } catch (IOException | InterruptedException e) {
            out.setProperty("job3.killedPid", "error: " + e);
        }
    }
}
