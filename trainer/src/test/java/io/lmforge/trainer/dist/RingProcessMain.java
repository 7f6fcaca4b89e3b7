package io.lmforge.trainer.dist;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

/**
 * One rank as its own process: rendezvous through a directory, then {@code iterations}
 * all-reduces of its deterministic input, writing the first result to {@code out-RANK.bin} and a
 * {@code ready-RANK} marker. Exits 3 with the collective's message when a peer fails it.
 */
public final class RingProcessMain {

    static float[] input(int rank, int count) {
        Random rnd = new Random(1000 + rank);
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
        }
        return x;
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = Path.of(args[0]);
        int world = Integer.parseInt(args[1]);
        int rank = Integer.parseInt(args[2]);
        int count = Integer.parseInt(args[3]);
        int iterations = Integer.parseInt(args[4]);
        long pauseMillis = Long.parseLong(args[5]);
        Duration timeout = Duration.ofMillis(Long.parseLong(args[6]));
        CollectiveOptions options = CollectiveOptions.defaults().withTimeout(timeout).withConnectTimeout(Duration.ofSeconds(30))
                .withSegmentBytes(8192);
        Rendezvous rv = new FileRendezvous(dir.resolve("rendezvous"), rank, world, Duration.ofSeconds(30));
        try (Collective c = TcpRingCollective.connect(rv, "127.0.0.1", options)) {
            float[] x = input(rank, count);
            for (int it = 0; it < iterations; it++) {
                float[] v = x.clone();
                c.allReduce(v, ReduceOp.SUM);
                if (it == 0) {
                    ByteBuffer bytes = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
                    bytes.asFloatBuffer().put(v);
                    Files.write(dir.resolve("out-" + rank + ".bin"), bytes.array());
                    Files.writeString(dir.resolve("ready-" + rank), Long.toString(ProcessHandle.current().pid()));
                }
                Thread.sleep(pauseMillis);
            }
        } catch (CollectiveException e) {
            System.err.println("FAILED: " + e.getMessage());
            System.exit(3);
        }
        System.exit(0);
    }
}
