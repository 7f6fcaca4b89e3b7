package io.lmforge.trainer.metrics;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The run's Prometheus endpoint ({@code http://HOST:PORT/metrics}), on its own registry so two
 * runs in one JVM (tests) do not collide. Gauges: {@code training_loss}, {@code learning_rate},
 * {@code tokens_per_sec}, {@code grad_norm}, {@code training_step}, {@code validation_loss} and
 * {@code validation_loss_by_domain{domain}}; with loss scaling {@code loss_scale}; in a data-parallel
 * run {@code rank_tokens_per_sec{rank}} and {@code communication_share{rank}}.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    private final HTTPServer server;
    private final Gauge loss;
    private final Gauge learningRate;
    private final Gauge tokensPerSec;
    private final Gauge gradNorm;
    private final Gauge step;
    private final Gauge validationLoss;
    private final Gauge validationByDomain;
    private final Gauge lossScale;
    private final Gauge rankTokensPerSec;
    private final Gauge communicationShare;

    public PrometheusEndpoint(String host, int port) {
        PrometheusRegistry registry = new PrometheusRegistry();
        loss = Gauge.builder().name("training_loss").help("training objective of the last step").register(registry);
        learningRate = Gauge.builder().name("learning_rate").help("learning rate of the last step").register(registry);
        tokensPerSec = Gauge.builder().name("tokens_per_sec").help("trained tokens per second, all ranks").register(registry);
        gradNorm = Gauge.builder().name("grad_norm").help("global gradient norm before clipping").register(registry);
        step = Gauge.builder().name("training_step").help("optimizer steps completed").register(registry);
        validationLoss = Gauge.builder().name("validation_loss").help("validation cross-entropy").register(registry);
        validationByDomain = Gauge.builder().name("validation_loss_by_domain").help("validation cross-entropy per domain")
                .labelNames("domain").register(registry);
        lossScale = Gauge.builder().name("loss_scale").help("dynamic loss scale of the last step (fp16)").register(registry);
        rankTokensPerSec = Gauge.builder().name("rank_tokens_per_sec").help("each rank's own trained tokens per second")
                .labelNames("rank").register(registry);
        communicationShare = Gauge.builder().name("communication_share")
                .help("share of each rank's step time spent in collectives (waiting included)").labelNames("rank")
                .register(registry);
        try {
            server = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve Prometheus metrics on " + host + ":" + port
                    + " (set metrics.prometheus-port to a free port, 0 for any, -1 to switch it off)", e);
        }
    }

    public int port() {
        return server.getPort();
    }

    public void step(StepReport r) {
        loss.set(r.loss());
        learningRate.set(r.learningRate());
        tokensPerSec.set(r.tokensPerSec());
        gradNorm.set(r.gradNorm());
        step.set(r.step());
        if (r.lossScale() > 0) {
            lossScale.set(r.lossScale());
        }
        if (r.ranks() != null) {
            for (int i = 0; i < r.ranks().ranks(); i++) {
                rankTokensPerSec.labelValues(Integer.toString(i)).set(r.ranks().tokensPerSec()[i]);
                communicationShare.labelValues(Integer.toString(i)).set(r.ranks().communicationShare()[i]);
            }
        }
    }

    public void eval(EvalReport r) {
        validationLoss.set(r.loss());
        r.domains().forEach((name, d) -> validationByDomain.labelValues(name).set(d.loss()));
    }

    @Override
    public void close() {
        server.close();
    }
}
