package io.lmforge.trainer.metrics;

import io.lmforge.model.ModelConfig;
import io.lmforge.model.ModelSize;
import io.lmforge.trainer.data.ShardSplit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a run reports: the JSONL log, the Prometheus endpoint and the console. Only rank 0
 * writes the log and serves metrics; other ranks stay quiet.
 */
public final class TrainingMetrics implements AutoCloseable {
    private final MetricsLog log;
    private final PrometheusEndpoint prometheus;
    private final ConsoleProgress console;
    private final Settings settings;
    private final Path runDir;
    private double unigram = Double.NaN;

    /**
     * What the reports need of the run's config. A record of its own rather than the config itself
     * so that this package stays below the training loop's package instead of depending back on it.
     *
     * @param globalBatch    sequences per optimizer step over all ranks
     * @param prometheusPort the port to serve metrics on (0: any free one), or -1 for none
     */
    public record Settings(int microBatch, int gradAccumulation, long globalBatch, boolean fp16, boolean lossScaling,
                           String prometheusHost, int prometheusPort) {
    }

    private TrainingMetrics(Settings settings, Path runDir, MetricsLog log, PrometheusEndpoint prometheus,
                            ConsoleProgress console) {
        this.settings = settings;
        this.runDir = runDir;
        this.log = log;
        this.prometheus = prometheus;
        this.console = console;
    }

    /** @param resumedStep the checkpoint step this run continues from, -1 for a new run (the log starts empty) */
    public static TrainingMetrics open(Settings settings, Path runDir, boolean leader, long resumedStep, PrintStream out) {
        if (!leader) {
            return new TrainingMetrics(settings, runDir, null, null, null);
        }
        MetricsLog log = new MetricsLog(runDir.resolve("metrics.jsonl"), resumedStep);
        int port = settings.prometheusPort();
        PrometheusEndpoint prometheus = port >= 0 ? new PrometheusEndpoint(settings.prometheusHost(), port) : null;
        return new TrainingMetrics(settings, runDir, log, prometheus, new ConsoleProgress(out));
    }

    /** The Prometheus port actually bound (useful with port 0), or -1. */
    public int prometheusPort() {
        return prometheus == null ? -1 : prometheus.port();
    }

    public void started(long step, ModelConfig model, int context, ShardSplit train, ShardSplit val, int worldSize,
                        long resumedFrom, ai.djl.Device device) {
        if (log == null) {
            return;
        }
        ModelSize size = ModelSize.of(model);
        console.message(size.describe(context).stripTrailing());
        String arithmetic = (settings.fp16() ? "fp16 compute, fp32 master weights" : "fp32")
                + (settings.lossScaling() ? ", dynamic loss scaling" : "");
        console.message(String.format("data: %,d train samples, %,d val samples of %d tokens; %d rank(s) on %s (%s); "
                        + "global batch %d × %d × %d = %d sequences%s%s",
                train.samples(), val.samples(), context, worldSize, device, arithmetic, settings.microBatch(),
                settings.gradAccumulation(), worldSize, settings.globalBatch(),
                resumedFrom >= 0 ? "; resuming at step " + resumedFrom : "",
                prometheus != null ? "; metrics on :" + prometheus.port() + "/metrics" : ""));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("model", model.toMap());
        d.put("parameters", size.total());
        d.put("active_parameters", size.active());
        d.put("training_flops_per_token", size.trainingFlopsPerToken(context));
        d.put("context_length", context);
        d.put("train_samples", train.samples());
        d.put("val_samples", val.samples());
        d.put("world_size", worldSize);
        d.put("global_batch_sequences", settings.globalBatch());
        d.put("precision", settings.fp16() ? "fp16" : "fp32");
        d.put("loss_scaling", settings.lossScaling());
        d.put("device", device.toString());
        d.put("resumed_from", resumedFrom);
        log.event(step, "start", d);
    }

    /**
     * @param expertCounts tokens per routed expert in each layer's last forward (null rows for
     *                     dense layers), summarised as the busiest expert's load over the mean:
     *                     1.0 is perfect balance, routed-experts / top-k is collapse onto one
     */
    public void step(StepReport r, int[][] expertCounts) {
        if (log == null) {
            return;
        }
        log.step(r, expertLoadImbalance(expertCounts));
        if (prometheus != null) {
            prometheus.step(r);
        }
        console.step(r);
    }

    static double expertLoadImbalance(int[][] counts) {
        double worst = Double.NaN;
        for (int[] layer : counts == null ? new int[0][] : counts) {
            if (layer == null || layer.length == 0) {
                continue;
            }
            long total = 0;
            int max = 0;
            for (int c : layer) {
                total += c;
                max = Math.max(max, c);
            }
            if (total > 0) {
                double ratio = max / ((double) total / layer.length);
                worst = Double.isNaN(worst) ? ratio : Math.max(worst, ratio);
            }
        }
        return worst;
    }

    public void eval(EvalReport r) {
        if (log == null) {
            return;
        }
        log.eval(r);
        if (prometheus != null) {
            prometheus.eval(r);
        }
        console.eval(r, unigram);
        writeReport(r.step());
    }

    /** {@code RUN/report.html}, from the log so far; a report that cannot be written costs a warning, never the run. */
    private void writeReport(long step) {
        try {
            TrainingReport.write(runDir);
        } catch (IOException | RuntimeException e) {
            String message = "could not write " + runDir.resolve(TrainingReport.FILE) + ": " + e;
            log.event(step, "warning", Map.of("message", message));
            console.message("warning: " + message);
        }
    }

    /** The context-free baseline the validation loss is compared with. */
    public void unigramEntropy(long step, io.lmforge.trainer.data.UnigramEntropy h) {
        if (log == null) {
            return;
        }
        unigram = h.nats();
        log.event(step, "unigram_entropy", Map.of("nats", h.nats(), "tokens", h.tokens(), "whole_split", h.wholeSplit()));
        console.message(String.format("unigram entropy of the training tokens: %.4f nats (perplexity %.1f) over %,d tokens%s",
                h.nats(), Math.exp(h.nats()), h.tokens(), h.wholeSplit() ? "" : " (the first blocks)"));
    }

    public void warning(long step, String message) {
        if (log != null) {
            log.event(step, "warning", Map.of("message", message));
            console.message("warning: " + message);
        }
    }

    public void event(long step, String event, Map<String, ?> details) {
        if (log != null) {
            log.event(step, event, details);
        }
    }

    public void finished(long step, long tokens, double loss, EvalReport eval, long badRows) {
        if (log == null) {
            return;
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("tokens", tokens);
        d.put("loss", loss);
        if (eval != null) {
            d.put("val_loss", eval.loss());
        }
        d.put("bad_rows_skipped", badRows);
        log.event(step, "finish", d);
        console.message(String.format("finished at step %d: %,d tokens, loss %.4f%s%s", step, tokens, loss,
                eval != null ? String.format(", val loss %.4f (ppl %.2f)", eval.loss(), eval.perplexity()) : "",
                badRows > 0 ? ", " + badRows + " bad shard rows skipped" : ""));
        writeReport(step);
    }

    @Override
    public void close() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (log != null) {
            log.close();
        }
    }
}
