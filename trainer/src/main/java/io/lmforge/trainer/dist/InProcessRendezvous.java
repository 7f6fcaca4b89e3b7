package io.lmforge.trainer.dist;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Rendezvous for ranks that are threads of one JVM (benchmarks, tests). */
public final class InProcessRendezvous {
    private final int worldSize;
    private final String sessionId;
    private final Duration timeout;
    private final List<Round> rounds = new ArrayList<>();

    private static final class Round {
        final String[] values;
        final CountDownLatch arrived;

        Round(int n) {
            values = new String[n];
            arrived = new CountDownLatch(n);
        }
    }

    public InProcessRendezvous(int worldSize, String sessionId, Duration timeout) {
        this.worldSize = worldSize;
        this.sessionId = sessionId;
        this.timeout = timeout;
    }

    /** The rendezvous as rank {@code rank} sees it. */
    public Rendezvous member(int rank) {
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " of " + worldSize);
        }
        return new Rendezvous() {
            private int round;

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
                return sessionId;
            }

            @Override
            public List<String> allGather(String mine) {
                Round r = round(round++);
                r.values[rank] = mine;
                r.arrived.countDown();
                try {
                    if (!r.arrived.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        List<Integer> missing = new ArrayList<>();
                        for (int i = 0; i < worldSize; i++) {
                            if (r.values[i] == null) {
                                missing.add(i);
                            }
                        }
                        throw new CollectiveException(rank, "ranks " + missing + " did not arrive at rendezvous '" + sessionId
                                + "' within " + timeout.toSeconds() + " s", null);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CollectiveException(rank, "interrupted at rendezvous", e);
                }
                return Arrays.asList(r.values.clone());
            }
        };
    }

    private synchronized Round round(int index) {
        while (rounds.size() <= index) {
            rounds.add(new Round(worldSize));
        }
        return rounds.get(index);
    }
}
