package io.lmforge.trainer.dist;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs N ranks as threads of this JVM, each with its own TCP ring collective on loopback. */
final class RingHarness {

    interface RankBody<T> {
        T run(Collective c) throws Exception;
    }

    /** What one rank ended with: a value or the exception it threw, and how long it took. */
    record Outcome<T>(T value, Throwable error, long millis) {
        T get() {
            if (error != null) {
                throw new AssertionError("rank failed: " + error, error);
            }
            return value;
        }
    }

    static CollectiveOptions fastOptions() {
        return CollectiveOptions.defaults().withTimeout(Duration.ofSeconds(20)).withConnectTimeout(Duration.ofSeconds(20));
    }

    static <T> List<T> run(int n, CollectiveOptions options, RankBody<T> body) {
        List<T> out = new ArrayList<>();
        for (Outcome<T> o : outcomes(n, options, body)) {
            out.add(o.get());
        }
        return out;
    }

    /** Runs every rank to its end (value or error); fails the test if one runs past 60 s. */
    static <T> List<Outcome<T>> outcomes(int n, CollectiveOptions options, RankBody<T> body) {
        InProcessRendezvous rv = new InProcessRendezvous(n, "test-" + UUID.randomUUID(), Duration.ofSeconds(30));
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Outcome<T>>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                Rendezvous member = rv.member(r);
                futures.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    try (Collective c = TcpRingCollective.connect(member, "127.0.0.1", options)) {
                        return new Outcome<>(body.run(c), null, (System.nanoTime() - t0) / 1_000_000);
                    } catch (Throwable e) {
                        return new Outcome<T>(null, e, (System.nanoTime() - t0) / 1_000_000);
                    }
                }));
            }
            List<Outcome<T>> out = new ArrayList<>();
            for (Future<Outcome<T>> f : futures) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } catch (TimeoutException e) {
            throw new AssertionError("a rank hung for 60 s", e);
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError(e);
        } finally {
            pool.shutdownNow();
        }
    }

    private RingHarness() {
    }
}
