package io.lmforge.trainer.dist.spark;

import com.google.gson.JsonObject;
import io.lmforge.trainer.TestShards;
import io.lmforge.trainer.TrainerTest;
import io.lmforge.trainer.dist.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real multi-JVM Spark cluster started from the test classpath, without a Spark distribution:
 * the driver runs in a child JVM with {@code local-cluster[2,1,1024]} (Master and Workers in the
 * driver JVM, executors in two more JVMs). SPARK_HOME points at an empty folder with a
 * {@code jars/} directory, which is all the Workers' executor launcher needs when the classpath
 * comes from {@code spark.executor.extraClassPath}. See {@link ClusterDriverMain} for the jobs.
 */
class BarrierLauncherClusterIT {
    static final String TRAINING = """
            model { preset = tiny, hidden-size = 32, layers = 2, heads = 2, intermediate-size = 64, max-positions = 64
                    moe { routed-experts = 4, top-k = 2, shared-experts = 1, expert-intermediate-size = 16 } }
            train { seed = 7, max-steps = 30, micro-batch = 2, grad-accumulation = 2, threads = 1 }
            optimizer { lr = 3e-3, warmup-steps = 4 }
            eval { every = 10, max-sequences = 8 }
            checkpoint { every = 4, keep = 3 }
            metrics { log-every = 1, prometheus-port = -1 }
            distributed { ranks = 2, timeout = 30s, connect-timeout = 30s }
            """;

    @Test
    void trainingAcrossTwoExecutorJvmsSurvivesAKilledExecutorAndEndsAsAnUninterruptedRun(@TempDir Path dir)
            throws Exception {
        Path sparkHome = Files.createDirectories(dir.resolve("spark-home/jars"));
        Path discovery = dir.resolve("discover-gpu.sh");
        Files.writeString(discovery, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\"]}'\n");
        Files.setPosixFilePermissions(discovery, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path shards = TestShards.write(dir.resolve("shards"), 16, 64, 3, 12, 8, 11);
        Path config = dir.resolve("train.conf");
        Files.writeString(config, TRAINING);
        Path log = dir.resolve("driver.log");
        List<String> jvm = new ArrayList<>(List.of("-Xmx768m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Dai.djl.offline=true"));
        jvm.addAll(ChildJvm.sparkJvmFlags());
        Process driver = ChildJvm.start(ClusterDriverMain.class, jvm,
                Map.of("SPARK_HOME", sparkHome.getParent().toString(), "SPARK_SCALA_VERSION", "2.13",
                        "SPARK_LOCAL_IP", "127.0.0.1"), log, dir.toString(), discovery.toString(), shards.toString(),
                config.toString());
        try {
            if (!driver.waitFor(240, TimeUnit.SECONDS)) {
                throw new AssertionError("the cluster test driver hung for 240 s:\n" + tail(log) + executorLogs(dir));
            }
            Path resultsFile = dir.resolve("results.properties");
            assertTrue(Files.exists(resultsFile), "driver wrote no results:\n" + tail(log));
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(resultsFile)) {
                p.load(r);
            }
            assertEquals("ok", p.getProperty("status"), p + "\n" + tail(log) + executorLogs(dir));
            System.out.println("multi-JVM cluster test saw: " + new java.util.TreeMap<>(p));
            String driverPid = p.getProperty("driver.pid");

            // Job 1: two ranks in two different executor JVMs, none of them the driver, with the GPU profile.
            assertNotEquals(p.getProperty("job1.rank0.pid"), p.getProperty("job1.rank1.pid"), "ranks share a JVM: " + p);
            for (int r = 0; r < 2; r++) {
                assertNotEquals(driverPid, p.getProperty("job1.rank" + r + ".pid"));
                assertEquals("true", p.getProperty("job1.rank" + r + ".sumCorrect"), "all-reduce across JVMs, rank " + r);
                assertEquals("[1000.0, 1001.0]", p.getProperty("job1.rank" + r + ".gathered"));
                assertEquals("0", p.getProperty("job1.rank" + r + ".gpus"), "the task resource profile's GPU reached rank " + r);
            }

            // Job 2: training across the two executor JVMs, to the end.
            assertNotEquals(p.getProperty("job2.rank0.pid"), p.getProperty("job2.rank1.pid"), "ranks share a JVM: " + p);
            for (int r = 0; r < 2; r++) {
                assertNotEquals(driverPid, p.getProperty("job2.rank" + r + ".pid"));
                assertEquals("30", p.getProperty("job2.rank" + r + ".step"));
                assertEquals("0", p.getProperty("job2.rank" + r + ".attempt"));
                assertTrue(Double.parseDouble(p.getProperty("job2.rank" + r + ".tokensPerSecond")) > 0);
            }
            Path runA = dir.resolve("run-a");
            List<JsonObject> stepsA = DistributedTrainingIT.steps(runA);
            assertEquals(30, stepsA.size());
            assertTrue(stepsA.get(29).get("loss").getAsDouble() < stepsA.get(0).get("loss").getAsDouble() - 0.3,
                    "the two-JVM run learns");

            // Job 3: rank 1's JVM was SIGKILLed after the checkpoint of step 4; the stage failed and was retried.
            String killed = p.getProperty("job3.killedPid", "");
            assertTrue(killed.matches("\\d+"), "the victim was killed: " + killed);
            assertTrue(p.getProperty("job3.failedStages", "").contains("attempt 0"), "stage attempt 0 failed: " + p);
            // The surviving rank failed at once, naming the dead peer (no rank waits for a timeout).
            String tasks = p.getProperty("job3.failedTasks", "");
            assertTrue(tasks.matches("(?s).*rank 0: rank 1 \\(127\\.0\\.0\\.1:\\d+\\).*"), "rank 0's error names rank 1: " + tasks);
            long resumedFrom = Long.parseLong(p.getProperty("job3.rank0.resumedFrom"));
            assertTrue(resumedFrom >= 4 && resumedFrom < 30 && resumedFrom % 4 == 0, "resumed from a checkpoint: " + p);
            for (int r = 0; r < 2; r++) {
                assertTrue(Integer.parseInt(p.getProperty("job3.rank" + r + ".attempt")) >= 1, "completed on a retry: " + p);
                assertEquals(Long.toString(resumedFrom), p.getProperty("job3.rank" + r + ".resumedFrom"), "same checkpoint");
                assertEquals("30", p.getProperty("job3.rank" + r + ".step"));
                assertNotEquals(killed, p.getProperty("job3.rank" + r + ".pid"), "the dead JVM did not come back");
            }
            Path runB = dir.resolve("run-b");
            List<JsonObject> stepsB = DistributedTrainingIT.steps(runB);
            assertEquals(java.util.stream.IntStream.rangeClosed(1, 30).boxed().toList(),
                    stepsB.stream().map(o -> o.get("step").getAsInt()).toList(), "the log reads as one run");
            // Resume is exact, so the interrupted run ends with the very bits of the uninterrupted one.
            TrainerTest.assertSameTensors(runA, runB, 30);
        } finally {
            driver.destroy();
            if (!driver.waitFor(20, TimeUnit.SECONDS)) {
                driver.destroyForcibly();
            }
        }
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(no log)";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }

    private static String executorLogs(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals("stderr")).toList()) {
                sb.append("\n--- ").append(f).append('\n').append(tail(f));
            }
        }
        return sb.toString();
    }
}
