package io.lmforge.tokenizer;

import org.apache.spark.SparkEnv;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The threads that encode documents one call each for every task of this JVM: one per executor
 * core, taking documents first come, first served. A task hands its batch over and waits, so while
 * several tasks run the cores take turns on their documents, and when one task is left (the end
 * of a pass of unevenly sized tasks) every core works on its documents instead of one. The
 * threads block, never spin, when there is nothing to encode.
 */
final class EncodeThreads {
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\d+|\\*)(?:,\\d+)?])?");

    private EncodeThreads() {
    }

    /** Built on first use: on an executor, or on the driver in local mode. */
    private static final class Holder {
        static final ExecutorService POOL = pool(executorCores());
    }

    private static ExecutorService pool(int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "lmforge-encode-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);   // no threads left behind in a driver that encoded once
        return pool;
    }

    /** The results of {@code encode} on each text, in order; the calling thread waits. */
    static int[][] each(String[] texts, Function<String, int[]> encode) {
        List<Future<int[]>> futures = new ArrayList<>(texts.length);
        for (String text : texts) {
            futures.add(Holder.POOL.submit(() -> encode.apply(text)));
        }
        int[][] out = new int[texts.length][];
        try {
            for (int i = 0; i < out.length; i++) {
                out[i] = futures.get(i).get();
            }
            return out;
        } catch (InterruptedException e) {
            // A killed task: leave its queued documents to no one.
            futures.forEach(f -> f.cancel(false));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while encoding documents", e);
        } catch (ExecutionException e) {
            futures.forEach(f -> f.cancel(false));
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Cores of this executor: in local mode (tasks run in the driver) the master's thread count,
     * else {@code spark.executor.cores}, else the machine's processors.
     */
    static int executorCores() {
        int available = Runtime.getRuntime().availableProcessors();
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return available;
        }
        boolean local = "driver".equals(env.executorId());   // SparkContext.DRIVER_IDENTIFIER
        return cores(local ? env.conf().get("spark.master", "local[*]") : null,
                env.conf().getInt("spark.executor.cores", available), available);
    }

    /** {@link #executorCores}: {@code localMaster} is the master where tasks run in this JVM, else null. */
    static int cores(String localMaster, int executorCores, int available) {
        Matcher m = localMaster == null ? null : LOCAL.matcher(localMaster);
        if (m != null && m.matches()) {
            return m.group(1) == null ? 1 : m.group(1).equals("*") ? available : Math.max(1, Integer.parseInt(m.group(1)));
        }
        return Math.max(1, executorCores);
    }
}
