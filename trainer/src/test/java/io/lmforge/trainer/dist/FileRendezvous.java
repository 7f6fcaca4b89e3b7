package io.lmforge.trainer.dist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Rendezvous through a directory every rank can see (a local or shared filesystem), for ranks
 * started as plain processes without Spark. Each round, each rank publishes a file atomically
 * (write, then rename) and waits for the others'. The directory names the session: use a new one
 * per attempt.
 */
public final class FileRendezvous implements Rendezvous {
    private final Path dir;
    private final int rank;
    private final int worldSize;
    private final Duration timeout;
    private int round;

    public FileRendezvous(Path dir, int rank, int worldSize, Duration timeout) {
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " of " + worldSize);
        }
        this.dir = dir;
        this.rank = rank;
        this.worldSize = worldSize;
        this.timeout = timeout;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    @Override
    public String sessionId() {
        return dir.toAbsolutePath().toString();
    }

    @Override
    public List<String> allGather(String mine) {
        Path roundDir = dir.resolve("round-" + round++);
        try {
            Files.createDirectories(roundDir);
            Path tmp = roundDir.resolve(".rank-" + rank + ".tmp");
            Files.writeString(tmp, mine, StandardCharsets.UTF_8);
            Files.move(tmp, roundDir.resolve("rank-" + rank), StandardCopyOption.ATOMIC_MOVE);
            long deadline = System.nanoTime() + timeout.toNanos();
            List<String> out = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                Path f = roundDir.resolve("rank-" + r);
                while (!Files.exists(f)) {
                    if (System.nanoTime() > deadline) {
                        throw new CollectiveException(rank, "rank " + r + " did not arrive at rendezvous " + roundDir + " within "
                                + timeout.toSeconds() + " s", null);
                    }
                    Thread.sleep(10);
                }
                out.add(Files.readString(f, StandardCharsets.UTF_8));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("rendezvous in " + roundDir + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException(rank, "interrupted at rendezvous " + roundDir, e);
        }
    }
}
