package io.lmforge.trainer.dist.spark;

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
 * comes from {@code spark.executor.extraClassPath}.
 */
class BarrierLauncherClusterTest {

    @Test
    void barrierStageAcrossTwoExecutorJvmsSurvivesAKilledExecutor(@TempDir Path dir) throws Exception {
        Path sparkHome = Files.createDirectories(dir.resolve("spark-home/jars"));
        Path discovery = dir.resolve("discover-gpu.sh");
        Files.writeString(discovery, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\"]}'\n");
        Files.setPosixFilePermissions(discovery, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path log = dir.resolve("driver.log");
        List<String> jvm = new ArrayList<>(List.of("-Xmx768m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        jvm.addAll(ChildJvm.sparkJvmFlags());
        Process driver = ChildJvm.start(ClusterDriverMain.class, jvm,
                Map.of("SPARK_HOME", sparkHome.getParent().toString(), "SPARK_SCALA_VERSION", "2.13",
                        "SPARK_LOCAL_IP", "127.0.0.1"), log, dir.toString(), discovery.toString());
        try {
            if (!driver.waitFor(150, TimeUnit.SECONDS)) {
                throw new AssertionError("the cluster test driver hung for 150 s:\n" + tail(log) + executorLogs(dir));
            }
            Path resultsFile = dir.resolve("results.properties");
            assertTrue(Files.exists(resultsFile), "driver wrote no results:\n" + tail(log));
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(resultsFile)) {
                p.load(r);
            }
            assertEquals("ok", p.getProperty("status"), p + "\n" + tail(log) + executorLogs(dir));
            System.out.println("multi-JVM cluster test saw: " + new java.util.TreeMap<>(p));

            // Job 1: two ranks in two different executor JVMs, none of them the driver.
            String driverPid = p.getProperty("driver.pid");
            assertNotEquals(p.getProperty("job1.rank0.pid"), p.getProperty("job1.rank1.pid"), "ranks share a JVM: " + p);
            assertNotEquals(driverPid, p.getProperty("job1.rank0.pid"));
            assertNotEquals(driverPid, p.getProperty("job1.rank1.pid"));
            for (int r = 0; r < 2; r++) {
                assertEquals("true", p.getProperty("job1.rank" + r + ".sumCorrect"), "all-reduce across JVMs, rank " + r);
                assertEquals("[1000.0, 1001.0]", p.getProperty("job1.rank" + r + ".gathered"));
                assertEquals("0", p.getProperty("job1.rank" + r + ".gpus"), "the task resource profile's GPU reached rank " + r);
            }

            // Job 2: rank 1's JVM was SIGKILLed on attempt 0; the stage failed and was retried.
            String killed = p.getProperty("job2.killedPid", "");
            assertTrue(killed.matches("\\d+"), "the victim was killed: " + killed);
            String failed = p.getProperty("job2.failedStages", "");
            assertTrue(failed.contains("attempt 0"), "stage attempt 0 failed: " + failed);
            String rank0Error = p.getProperty("job2.error-attempt0-rank0.txt", "");
            assertTrue(rank0Error.startsWith("rank 0: ") && rank0Error.contains("rank 1 (127.0.0.1:"),
                    "rank 0 failed naming the killed rank: " + rank0Error);
            for (int r = 0; r < 2; r++) {
                assertTrue(Integer.parseInt(p.getProperty("job2.rank" + r + ".attempt")) >= 1, "completed on a retry: " + p);
                assertEquals("true", p.getProperty("job2.rank" + r + ".sumCorrect"));
                assertNotEquals(killed, p.getProperty("job2.rank" + r + ".pid"), "the dead JVM did not come back");
            }
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
