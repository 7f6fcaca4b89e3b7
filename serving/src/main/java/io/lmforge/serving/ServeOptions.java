package io.lmforge.serving;

import java.time.Duration;

/**
 * How the server runs. Bounds: {@code maxBatch} sequences decode together (KV memory is at most
 * maxBatch × context slots), {@code maxQueue} more wait (a full queue answers 429), a request
 * body is at most {@code maxBodyBytes} (413), a request takes at most {@code requestTimeout}
 * (queueing included) and at most {@code maxConnections} requests are handled at once.
 * {@code lanes} scheduler threads share the batch ({@link Engine}; more than maxBatch are maxBatch).
 *
 * @param apiKey null or empty: no authentication; never printed by {@link #toString()}
 */
public record ServeOptions(String host, int port, String modelName, int maxBatch, int maxQueue, long maxBodyBytes,
                           Duration requestTimeout, int maxConnections, int defaultMaxTokens, Duration drainTimeout,
                           String apiKey, int lanes) {
    public ServeOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
        if (maxBatch < 1 || maxQueue < 0 || maxBodyBytes < 1 || maxConnections < 1 || defaultMaxTokens < 1 || lanes < 1) {
            throw new IllegalArgumentException("max batch, max body bytes, max connections, default max tokens and lanes "
                    + "must be >= 1 and max queue >= 0");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero() || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("the request timeout must be positive and the drain timeout >= 0");
        }
    }

    /** Loopback, port 8080, batch 16, queue 64, 1 MiB bodies, 120 s per request, 256 new tokens by default, one lane. */
    public static ServeOptions defaults(String modelName) {
        return new ServeOptions("127.0.0.1", 8080, modelName, 16, 64, 1 << 20, Duration.ofSeconds(120), 128, 256,
                Duration.ofSeconds(30), null, 1);
    }

    public ServeOptions withPort(int p) {
        return new ServeOptions(host, p, modelName, maxBatch, maxQueue, maxBodyBytes, requestTimeout, maxConnections,
                defaultMaxTokens, drainTimeout, apiKey, lanes);
    }

    public ServeOptions withBatch(int batch, int queue) {
        return new ServeOptions(host, port, modelName, batch, queue, maxBodyBytes, requestTimeout, maxConnections,
                defaultMaxTokens, drainTimeout, apiKey, lanes);
    }

    public ServeOptions withApiKey(String key) {
        return new ServeOptions(host, port, modelName, maxBatch, maxQueue, maxBodyBytes, requestTimeout, maxConnections,
                defaultMaxTokens, drainTimeout, key, lanes);
    }

    public ServeOptions withLanes(int n) {
        return new ServeOptions(host, port, modelName, maxBatch, maxQueue, maxBodyBytes, requestTimeout, maxConnections,
                defaultMaxTokens, drainTimeout, apiKey, n);
    }

    public ServeOptions withLimits(long bodyBytes, Duration timeout, int connections) {
        return new ServeOptions(host, port, modelName, maxBatch, maxQueue, bodyBytes, timeout, connections,
                defaultMaxTokens, drainTimeout, apiKey, lanes);
    }

    /**
     * libtorch intra-op threads when none are asked for: every core but one, shared among the
     * {@code lanes} scheduler threads (each lane's operators run on its own threads). The HTTP and gRPC
     * threads (streaming a token event per sequence per step) and the clients on the same host
     * need a core; when libtorch's threads take them all, its parallel operators wait at their
     * barriers for a thread that the scheduler has put off, and every step slows down (measured
     * on 2 cores, tiny preset: one thread served 1.25x faster one request at a time and 1.7x
     * faster with 16 clients than libtorch's default of one per core). The same advice as vLLM's
     * CPU backend, which reserves cores for its serving front end.
     */
    public static int defaultTorchThreads(int cores, int lanes) {
        return Math.max(1, (cores - 1) / lanes);
    }

    /**
     * Scheduler lanes when none are asked for: two where there are two cores or more. A decode
     * step costs mostly per engine call, not per row (tiny preset on 2 cores: a step of 8 rows
     * costs about what one of 16 costs), so two lanes of half the batch each, stepping on their
     * own, serve 1.2 to 1.3x the tokens/s of one lane at 16 and at 64 clients. Each lane reads
     * all the weights every step: for a large model whose decode is bound by memory bandwidth,
     * one lane with more libtorch threads ({@code --lanes 1 --threads N}) is the better choice.
     */
    public static int defaultLanes(int cores) {
        return Math.min(2, Math.max(1, cores));
    }

    public boolean authenticated() {
        return apiKey != null && !apiKey.isEmpty();
    }

    @Override
    public String toString() {
        return "ServeOptions[host=" + host + ", port=" + port + ", model=" + modelName + ", maxBatch=" + maxBatch
                + ", maxQueue=" + maxQueue + ", maxBodyBytes=" + maxBodyBytes + ", requestTimeout=" + requestTimeout
                + ", maxConnections=" + maxConnections + ", defaultMaxTokens=" + defaultMaxTokens + ", drainTimeout="
                + drainTimeout + ", lanes=" + lanes + ", apiKey=" + (authenticated() ? "(set)" : "(none)") + "]";
    }
}
