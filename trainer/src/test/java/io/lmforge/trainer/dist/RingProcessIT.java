package io.lmforge.trainer.dist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ranks as separate JVMs on loopback: the real process boundary, a real SIGKILL and SIGSTOP. */
class RingProcessIT {
    private static final int COUNT = 50_003;

    private static List<Process> startRanks(Path dir, int n, int iterations, long pauseMillis, long timeoutMillis)
            throws IOException {
        List<Process> ranks = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            ranks.add(ChildJvm.start(RingProcessMain.class, List.of("-Xmx96m", "-XX:TieredStopAtLevel=1"), Map.of(),
                    dir.resolve("rank-" + r + ".log"), dir.toString(), Integer.toString(n), Integer.toString(r),
                    Integer.toString(COUNT), Integer.toString(iterations), Long.toString(pauseMillis), Long.toString(timeoutMillis)));
        }
        return ranks;
    }

    private static void awaitReady(Path dir, int n, List<Process> ranks) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        for (int r = 0; r < n; r++) {
            while (!Files.exists(dir.resolve("ready-" + r))) {
                if (System.nanoTime() > deadline || !ranks.get(r).isAlive()) {
                    throw new AssertionError("rank " + r + " never got ready: " + Files.readString(dir.resolve("rank-" + r + ".log")));
                }
                Thread.sleep(20);
            }
        }
    }

    private static int exitWithin(Process p, int seconds) throws InterruptedException {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("a rank hung: still running after " + seconds + " s");
        }
        return p.exitValue();
    }

    private static float[] result(Path dir, int rank) throws IOException {
        float[] v = new float[COUNT];
        ByteBuffer.wrap(Files.readAllBytes(dir.resolve("out-" + rank + ".bin"))).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    @Test
    void fourProcessesAgreeBitForBitWithTheReference(@TempDir Path dir) throws Exception {
        int n = 4;
        List<Process> ranks = startRanks(dir, n, 3, 0, 20_000);
        for (int r = 0; r < n; r++) {
            assertEquals(0, exitWithin(ranks.get(r), 60), Files.readString(dir.resolve("rank-" + r + ".log")));
        }
        float[][] x = new float[n][];
        for (int r = 0; r < n; r++) {
            x[r] = RingProcessMain.input(r, COUNT);
        }
        float[] expected = TcpRingCollectiveTest.ringOrderSum(x, false);
        for (int r = 0; r < n; r++) {
            assertArrayEquals(expected, result(dir, r), "rank " + r);
        }
    }

    @Test
    void killingOneProcessFailsTheOthersPromptlyNamingIt(@TempDir Path dir) throws Exception {
        int n = 3;
        List<Process> ranks = startRanks(dir, n, 100_000, 10, 30_000);
        try {
            awaitReady(dir, n, ranks);
            ranks.get(1).destroyForcibly(); // SIGKILL mid-training: no goodbye, the kernel closes its sockets
            long t0 = System.nanoTime();
            assertEquals(3, exitWithin(ranks.get(2), 20));
            assertEquals(3, exitWithin(ranks.get(0), 20));
            assertTrue((System.nanoTime() - t0) / 1e9 < 15, "failed by the dead connection, not the 30 s timeout");
            String rank2 = Files.readString(dir.resolve("rank-2.log"));
            assertTrue(rank2.contains("FAILED: rank 2: rank 1 (127.0.0.1:") && rank2.contains("closed the connection")
                    || rank2.contains("FAILED: rank 2: lost the connection to rank 1 (127.0.0.1:"), rank2);
            assertTrue(Files.readString(dir.resolve("rank-0.log")).contains("FAILED: rank 0: "));
        } finally {
            ranks.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void aFrozenProcessTimesOutItsPeer(@TempDir Path dir) throws Exception {
        int n = 2;
        List<Process> ranks = startRanks(dir, n, 100_000, 10, 2_000);
        try {
            awaitReady(dir, n, ranks);
            assertArrayEquals(TcpRingCollectiveTest.ringOrderSum(new float[][]{RingProcessMain.input(0, COUNT),
                    RingProcessMain.input(1, COUNT)}, false), result(dir, 0));
            ChildJvm.signal(ranks.get(1).pid(), "STOP"); // alive, sockets open, silent: only the timeout can tell
            assertEquals(3, exitWithin(ranks.get(0), 20));
            String rank0 = Files.readString(dir.resolve("rank-0.log"));
            assertTrue(rank0.contains("FAILED: rank 0: timed out after 2 s without data from rank 1 (127.0.0.1:")
                    || rank0.contains("FAILED: rank 0: timed out after 2 s without progress sending to rank 1 (127.0.0.1:"), rank0);
        } finally {
            ranks.forEach(Process::destroyForcibly);
        }
    }
}
