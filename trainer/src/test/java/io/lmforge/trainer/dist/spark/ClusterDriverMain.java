package io.lmforge.trainer.dist.spark;

import io.lmforge.trainer.dist.Collective;
import io.lmforge.trainer.dist.CollectiveException;
import io.lmforge.trainer.dist.DistributedSettings;
import io.lmforge.trainer.dist.ReduceOp;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The driver of the multi-JVM test, in its own JVM: Spark's {@code local-cluster[2,1,1024]}
 * starts a standalone Master and two Workers in this JVM, and the Workers launch two executor
 * JVMs with the test classpath. Runs two jobs and writes what it saw to {@code results.properties}:
 * <ol>
 *   <li>a barrier stage of 2 ranks, one per executor, each asking one (fake) GPU through a
 *       stage-level task resource profile, with an all-reduce crossing the JVMs;</li>
 *   <li>the same with rank 1's executor JVM killed (SIGKILL) mid-collective: the stage fails,
 *       Spark starts a new executor and retries the stage, which completes.</li>
 * </ol>
 * Args: work dir, GPU discovery script.
 */
public final class ClusterDriverMain {

    /** Loops all-reduces; on the first attempt, rank 1 publishes its pid so the driver can kill its JVM. */
    static final class KilledMidCollective implements RankMain<AllReduceProbe.Report> {
        private final String dir;

        KilledMidCollective(String dir) {
            this.dir = dir;
        }

        @Override
        public AllReduceProbe.Report run(RankContext ctx) throws Exception {
            Collective c = ctx.collective();
            try {
                for (int i = 0; i < 1500; i++) {
                    float[] v = new float[50_000];
                    java.util.Arrays.fill(v, ctx.rank() + 1);
                    c.allReduce(v, ReduceOp.MEAN);
                    if (ctx.stageAttempt() == 0) {
                        if (ctx.rank() == 1 && i == 5) {
                            Files.writeString(Path.of(dir, "victim.pid"), Long.toString(ProcessHandle.current().pid()));
                        }
                        Thread.sleep(20); // the driver kills rank 1's JVM meanwhile
                    } else if (i == 10) {
                        break;
                    }
                }
            } catch (CollectiveException e) {
                Files.writeString(Path.of(dir, "error-attempt" + ctx.stageAttempt() + "-rank" + ctx.rank() + ".txt"),
                        e.getMessage());
                throw e;
            }
            return AllReduceProbe.probe(ctx);
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String discovery = args[1];
        String classPath = System.getProperty("java.class.path");
        SparkConf conf = new SparkConf()
                .setMaster("local-cluster[2,1,1024]")
                .setAppName("lmforge-cluster-test")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.executor.memory", "512m")
                .set("spark.executor.extraClassPath", classPath)
                .set("spark.executor.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
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
        sc.addSparkListener(new SparkListener() {
            @Override
            public void onStageCompleted(SparkListenerStageCompleted e) {
                if (e.stageInfo().failureReason().isDefined()) {
                    failedStages.add("stage " + e.stageInfo().stageId() + " attempt " + e.stageInfo().attemptNumber() + ": "
                            + e.stageInfo().failureReason().get());
                }
            }
        });
        try {
            awaitExecutors(sc, 2);
            DistributedSettings two = DistributedSettings.cpu(2).withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30));

            List<AllReduceProbe.Report> first = BarrierLauncher.run(sc, two.withGpusPerTask(1), new AllReduceProbe());
            record("job1", first, out);

            Thread killer = new Thread(() -> killVictim(dir, out), "victim-killer");
            killer.setDaemon(true);
            killer.start();
            List<AllReduceProbe.Report> second = BarrierLauncher.run(sc, two, new KilledMidCollective(dir.toString()));
            record("job2", second, out);
            out.setProperty("job2.failedStages", String.join(" || ", failedStages));
            for (String f : new String[]{"error-attempt0-rank0.txt", "error-attempt0-rank1.txt"}) {
                Path p = dir.resolve(f);
                if (Files.exists(p)) {
                    out.setProperty("job2." + f, Files.readString(p));
                }
            }
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

    private static void record(String job, List<AllReduceProbe.Report> reports, Properties out) {
        for (AllReduceProbe.Report r : reports) {
            String k = job + ".rank" + r.rank() + ".";
            out.setProperty(k + "attempt", Integer.toString(r.stageAttempt()));
            out.setProperty(k + "executor", r.executorId());
            out.setProperty(k + "pid", Long.toString(r.pid()));
            out.setProperty(k + "gpus", String.join(",", r.gpus()));
            out.setProperty(k + "sumCorrect", Boolean.toString(r.sumCorrect()));
            out.setProperty(k + "gathered", java.util.Arrays.toString(r.gathered()));
        }
    }

    private static void killVictim(Path dir, Properties out) {
        Path pidFile = dir.resolve("victim.pid");
        try {
            while (!Files.exists(pidFile)) {
                Thread.sleep(20);
            }
            Thread.sleep(50);
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            boolean killed = ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false);
            out.setProperty("job2.killedPid", pid + (killed ? "" : " (kill failed)"));
        } catch (IOException | InterruptedException e) {
            out.setProperty("job2.killedPid", "error: " + e);
        }
    }

}
