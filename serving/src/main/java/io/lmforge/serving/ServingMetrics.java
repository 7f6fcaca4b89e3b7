package io.lmforge.serving;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The server's Prometheus metrics, in a registry of its own (several servers may share a JVM). */
public final class ServingMetrics {
    private static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};

    final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter requests = Counter.builder().name("lmforge_serving_requests_total")
            .help("HTTP requests by endpoint and status code").labelNames("endpoint", "status").register(registry);
    final Gauge queueDepth = Gauge.builder().name("lmforge_serving_queue_depth")
            .help("requests waiting for a place in the running batch").register(registry);
    final Gauge runningBatch = Gauge.builder().name("lmforge_serving_running_batch_size")
            .help("sequences in the running batch (decoding together)").register(registry);
    final Histogram timeToFirstToken = Histogram.builder().name("lmforge_serving_time_to_first_token_seconds")
            .help("from a request's arrival to its first new token").classicOnly().classicUpperBounds(LATENCY_BUCKETS)
            .register(registry);
    final Histogram latency = Histogram.builder().name("lmforge_serving_request_duration_seconds")
            .help("from a generation request's arrival to its last byte, by endpoint").labelNames("endpoint")
            .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
    final Counter generatedTokens = Counter.builder().name("lmforge_serving_generated_tokens_total")
            .help("new tokens generated").register(registry);
    final Counter promptTokens = Counter.builder().name("lmforge_serving_prompt_tokens_total")
            .help("prompt tokens prefilled").register(registry);
    final Counter decodeSteps = Counter.builder().name("lmforge_serving_decode_steps_total")
            .help("batched decode forward passes").register(registry);
    final Counter disconnects = Counter.builder().name("lmforge_serving_client_disconnects_total")
            .help("streams whose client went away before the end (their slots freed)").register(registry);

    public PrometheusRegistry registry() {
        return registry;
    }
}
