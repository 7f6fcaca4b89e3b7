package io.lmforge.trainer.dist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpRingCollectiveTest {
    /** Small segments so that even the test sizes cross many segment boundaries. */
    private static final CollectiveOptions SMALL_SEGMENTS = RingHarness.fastOptions().withSegmentBytes(4096);

    /** Values spanning many magnitudes and both signs, so that a different summation order shows. */
    static float[][] inputs(int n, int count, long seed) {
        Random rnd = new Random(seed);
        float[][] x = new float[n][count];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < count; i++) {
                x[r][i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
            }
        }
        return x;
    }

    /** The documented order: chunk c is summed over ranks c, c+1, ..., c-1 (mod n) in fp32. */
    static float[] ringOrderSum(float[][] x, boolean mean) {
        int n = x.length;
        int count = x[0].length;
        float[] out = new float[count];
        for (int c = 0; c < n; c++) {
            for (int i = (int) ((long) c * count / n); i < (int) ((long) (c + 1) * count / n); i++) {
                float acc = x[c][i];
                for (int k = 1; k < n; k++) {
                    acc = acc + x[(c + k) % n][i];
                }
                out[i] = mean ? acc / n : acc;
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void allReduceSumIsTheFixedOrderFp32SumOnEveryRank(int n) {
        for (int count : new int[]{0, 1, n - 1, 7, 1000, 250_003}) {
            float[][] x = inputs(n, count, 42 + count);
            List<float[]> results = RingHarness.run(n, SMALL_SEGMENTS, c -> {
                float[] mine = x[c.rank()].clone();
                c.allReduce(mine, ReduceOp.SUM);
                return mine;
            });
            float[] expected = ringOrderSum(x, false);
            for (int r = 0; r < n; r++) {
                assertArrayEquals(expected, results.get(r), "rank " + r + ", " + count + " floats: not bit-identical to the reference order");
            }
            for (int i = 0; i < count; i++) {
                double exact = 0;
                double magnitude = 0;
                for (float[] row : x) {
                    exact += row[i];
                    magnitude += Math.abs(row[i]);
                }
                assertEquals(exact, expected[i], magnitude * n * 1e-7, "element " + i);
            }
        }
    }

    @Test
    void statsCountOperationsTimeAndTheRingsTraffic() {
        int n = 4;
        int floats = 100_000;
        List<CollectiveStats> stats = RingHarness.run(n, SMALL_SEGMENTS, c -> {
            CollectiveStats before = c.stats();
            c.allReduce(new float[floats], ReduceOp.MEAN);
            return c.stats().since(before);
        });
        for (CollectiveStats s : stats) {
            assertEquals(1, s.operations());
            assertTrue(s.nanos() > 0);
            // each rank sends 2(n-1)/n of the buffer, plus a 32-byte header
            assertEquals(2L * (n - 1) * floats * 4 / n + 32, s.bytesSent(), 8, "bytes sent " + s);
        }
    }

    @Test
    void withTwoRanksEveryElementIsExactlyTheSerialSum() {
        float[][] x = inputs(2, 100_001, 7);
        List<float[]> results = RingHarness.run(2, SMALL_SEGMENTS, c -> {
            float[] mine = x[c.rank()].clone();
            c.allReduce(mine, ReduceOp.SUM);
            return mine;
        });
        float[] serial = new float[x[0].length];
        for (int i = 0; i < serial.length; i++) {
            serial[i] = x[0][i] + x[1][i];
        }
        assertArrayEquals(serial, results.get(0));
        assertArrayEquals(serial, results.get(1));
    }

    @Test
    void meanIsTheSumDividedByTheWorldSizeInFp32AndIndependentOfSegmenting() {
        int n = 3;
        float[][] x = inputs(n, 77_777, 3);
        float[] expected = ringOrderSum(x, true);
        for (CollectiveOptions opts : List.of(SMALL_SEGMENTS, RingHarness.fastOptions().withSegmentBytes(12_288),
                RingHarness.fastOptions())) {
            List<float[]> results = RingHarness.run(n, opts, c -> {
                // direct buffer path, at a non-zero position
                ByteBuffer buf = ByteBuffer.allocateDirect(8 + x[0].length * 4).order(ByteOrder.nativeOrder());
                buf.position(8);
                buf.slice().order(ByteOrder.nativeOrder()).asFloatBuffer().put(x[c.rank()]);
                c.allReduce(buf, ReduceOp.MEAN);
                assertEquals(8, buf.position(), "the buffer's position is left alone");
                float[] out = new float[x[0].length];
                buf.slice().order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
                return out;
            });
            for (float[] r : results) {
                assertArrayEquals(expected, r, "segments of " + opts.segmentBytes() + " bytes");
            }
        }
    }

    @Test
    void maxMinBroadcastAllGatherAndBarrier() {
        int n = 4;
        float[][] x = inputs(n, 5000, 11);
        List<String> done = RingHarness.run(n, SMALL_SEGMENTS, c -> {
            float[] max = x[c.rank()].clone();
            c.allReduce(max, ReduceOp.MAX);
            float[] min = x[c.rank()].clone();
            c.allReduce(min, ReduceOp.MIN);
            for (int i = 0; i < max.length; i++) {
                float hi = Float.NEGATIVE_INFINITY;
                float lo = Float.POSITIVE_INFINITY;
                for (float[] row : x) {
                    hi = Math.max(hi, row[i]);
                    lo = Math.min(lo, row[i]);
                }
                assertEquals(hi, max[i]);
                assertEquals(lo, min[i]);
            }
            for (int root = 0; root < n; root++) {
                float[] v = c.rank() == root ? x[root].clone() : new float[x[0].length];
                c.broadcast(v, root);
                assertArrayEquals(x[root], v, "broadcast from " + root);
            }
            byte[] mine = ("rank " + c.rank() + "!".repeat(c.rank() * 1000)).getBytes(StandardCharsets.UTF_8);
            List<byte[]> all = c.allGather(mine);
            for (int r = 0; r < n; r++) {
                assertEquals("rank " + r + "!".repeat(r * 1000), new String(all.get(r), StandardCharsets.UTF_8));
            }
            double[] throughputs = c.allGather(100.0 + c.rank());
            assertArrayEquals(new double[]{100, 101, 102, 103}, throughputs);
            c.barrier();
            return "ok";
        });
        assertEquals(List.of("ok", "ok", "ok", "ok"), done);
    }

    @Test
    void ranksCallingDifferentCollectivesFailNamingBoth() {
        List<RingHarness.Outcome<Object>> out = RingHarness.outcomes(2, SMALL_SEGMENTS, c -> {
            if (c.rank() == 0) {
                c.allReduce(new float[1000], ReduceOp.MEAN);
            } else {
                c.broadcast(new float[10], 1);
            }
            return null;
        });
        assertNotNull(out.get(0).error(), "rank 0 fails");
        assertNotNull(out.get(1).error(), "rank 1 fails");
        // Whichever rank reads the other's header first names both calls; the other may only see
        // its peer close the connection, depending on timing.
        String both = out.get(0).error().getMessage() + "\n" + out.get(1).error().getMessage();
        assertTrue(both.contains("this rank called"), both);
        assertTrue(both.contains("broadcast #2 of 40 bytes from rank 1"), both);
        assertTrue(both.contains("all-reduce #2 of 1000 floats (MEAN)"), both);
    }

    @Test
    void aRankThatNeverStartsFailsItsNeighboursWithinTheConnectTimeout() throws IOException {
        // Rank 1's address is a port that was free a moment ago: nobody listens there, and
        // nobody will connect to rank 0.
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        CollectiveOptions opts = RingHarness.fastOptions().withConnectTimeout(Duration.ofMillis(1500));
        try (ServerSocketChannel server = TcpRingCollective.listen(opts)) {
            List<PeerAddress> addresses = List.of(new PeerAddress("127.0.0.1", server.socket().getLocalPort()),
                    new PeerAddress("127.0.0.1", deadPort));
            long t0 = System.nanoTime();
            CollectiveException e = assertThrows(CollectiveException.class,
                    () -> TcpRingCollective.connect(0, addresses, server, "s", opts));
            assertTrue(e.getMessage().startsWith("rank 0: could not connect to rank 1 at 127.0.0.1:" + deadPort + " within 1.5 s"),
                    e.getMessage());
            assertEquals(1, e.peerRank());
            assertTrue((System.nanoTime() - t0) / 1e9 < 10);
        }
    }

    @Test
    void aNeighbourThatNeverDialsInIsNamed() throws IOException {
        CollectiveOptions opts = RingHarness.fastOptions().withConnectTimeout(Duration.ofMillis(1500));
        // "Rank 1" listens (so rank 0 can dial it) but never dials rank 0.
        try (ServerSocketChannel server = TcpRingCollective.listen(opts);
             ServerSocketChannel silent = TcpRingCollective.listen(opts)) {
            List<PeerAddress> addresses = List.of(new PeerAddress("127.0.0.1", server.socket().getLocalPort()),
                    new PeerAddress("127.0.0.1", silent.socket().getLocalPort()));
            CollectiveException e = assertThrows(CollectiveException.class,
                    () -> TcpRingCollective.connect(0, addresses, server, "s", opts));
            assertTrue(e.getMessage().startsWith("rank 0: rank 1 (127.0.0.1:" + silent.socket().getLocalPort()
                    + ") did not connect within 1.5 s"), e.getMessage());
        }
    }

    @Test
    void aPeerThatDiesMidOperationFailsTheOthersPromptlyAndTheRingStaysBroken() {
        int n = 3;
        List<RingHarness.Outcome<Object>> out = RingHarness.outcomes(n, SMALL_SEGMENTS, c -> {
            float[] v = new float[200_000];
            c.allReduce(v, ReduceOp.SUM);
            if (c.rank() == 1) {
                c.close(); // as if the process died: its sockets close
                return null;
            }
            try {
                c.allReduce(v, ReduceOp.SUM);
                throw new AssertionError("all-reduce succeeded without rank 1");
            } catch (CollectiveException e) {
                CollectiveException again = assertThrows(CollectiveException.class, c::barrier);
                assertTrue(again.getMessage().contains("unusable after an earlier failure"), again.getMessage());
                throw e;
            }
        });
        String rank2 = out.get(2).error().getMessage();
        assertTrue(rank2.startsWith("rank 2: rank 1 (127.0.0.1:") && rank2.contains("closed the connection while this rank was"),
                rank2);
        assertInstanceOf(CollectiveException.class, out.get(0).error());
        assertTrue(out.get(0).millis() < 15_000 && out.get(2).millis() < 15_000, "failed promptly, not by the 20 s timeout");
    }

    @Test
    void aSilentPeerTimesOutWithAClearError() {
        CollectiveOptions opts = SMALL_SEGMENTS.withTimeout(Duration.ofMillis(1200));
        List<RingHarness.Outcome<Object>> out = RingHarness.outcomes(2, opts, c -> {
            if (c.rank() == 1) {
                Thread.sleep(2500); // alive, connected, but not calling the collective
                return null;
            }
            c.allReduce(new float[10], ReduceOp.MEAN);
            return null;
        });
        String msg = out.get(0).error().getMessage();
        assertTrue(msg.startsWith("rank 0: timed out after 1.2 s without data from rank 1 (127.0.0.1:"), msg);
        assertTrue(msg.contains("while waiting for the header of all-reduce #2 of 10 floats (MEAN)"), msg);
    }

    @Test
    void cancellationAbortsAWaitingRank() {
        AtomicBoolean cancel = new AtomicBoolean();
        CollectiveOptions opts = SMALL_SEGMENTS.withCancelled(cancel::get);
        List<RingHarness.Outcome<Object>> out = RingHarness.outcomes(2, opts, c -> {
            if (c.rank() == 1) {
                Thread.sleep(300);
                cancel.set(true);
                Thread.sleep(1000); // stays connected: only the cancellation can end rank 0's wait
                return null;
            }
            c.barrier();
            return null;
        });
        assertTrue(out.get(0).error().getMessage().contains("cancelled (the task was killed)"), out.get(0).error().getMessage());
    }

    @Test
    void rejectsBuffersItCannotReduce() {
        List<String> out = RingHarness.run(2, SMALL_SEGMENTS, c -> {
            List<String> errors = new ArrayList<>();
            errors.add(assertThrows(IllegalArgumentException.class,
                    () -> c.allReduce(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN.equals(ByteOrder.nativeOrder())
                            ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN), ReduceOp.SUM)).getMessage());
            errors.add(assertThrows(IllegalArgumentException.class,
                    () -> c.allReduce(ByteBuffer.allocate(6).order(ByteOrder.nativeOrder()), ReduceOp.SUM)).getMessage());
            c.barrier(); // rejected calls did not break the ring
            return String.join(" | ", errors);
        });
        assertTrue(out.get(0).contains("native byte order") && out.get(0).contains("not whole floats"), out.get(0));
    }
}
