package io.lmforge.trainer.metrics;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code RUN/metrics.jsonl}: one JSON object per line, {@code "type": "train" | "eval" | "event"},
 * flushed per line so a crashed run keeps its log. On resume, lines after the resumed step are
 * dropped first, so the log reads as one run; a new run (resumed step -1) starts an empty log.
 */
public final class MetricsLog implements AutoCloseable {
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private final BufferedWriter out;

    public MetricsLog(Path file, long resumedStep) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (Files.exists(file)) {
                truncateAfter(file, resumedStep);
            }
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("opening " + file, e);
        }
    }

    /** @param expertLoadImbalance the busiest routed expert's load over the mean (NaN for a dense model) */
    public void step(StepReport r, double expertLoadImbalance) {
        Map<String, Object> m = record("train", r.step());
        m.put("loss", r.loss());
        m.put("cross_entropy", r.crossEntropy());
        m.put("balance_loss", r.balanceLoss());
        if (!Double.isNaN(r.distillKl())) {
            m.put("distill_kl", r.distillKl());
        }
        m.put("learning_rate", r.learningRate());
        m.put("grad_norm", r.gradNorm());
        m.put("tokens", r.tokensSeen());
        m.put("tokens_per_sec", r.tokensPerSec());
        m.put("elapsed_s", r.elapsedSeconds());
        if (!Double.isNaN(expertLoadImbalance)) {
            m.put("expert_load_max_over_mean", expertLoadImbalance);
        }
        if (r.lossScale() > 0) {
            m.put("loss_scale", r.lossScale());
        }
        if (r.ranks() != null) {
            m.put("communication_share", r.ranks().meanCommunicationShare());
            m.put("rank_tokens_per_sec", r.ranks().tokensPerSec());
            m.put("rank_communication_share", r.ranks().communicationShare());
        }
        if (r.skipped()) {
            m.put("skipped", true);
        }
        write(m);
    }

    public void eval(EvalReport r) {
        Map<String, Object> m = record("eval", r.step());
        m.put("val_loss", r.loss());
        m.put("val_perplexity", r.perplexity());
        m.put("val_tokens", r.tokens());
        Map<String, Object> domains = new LinkedHashMap<>();
        r.domains().forEach((name, d) -> domains.put(name,
                Map.of("loss", d.loss(), "perplexity", d.perplexity(), "tokens", d.tokens())));
        m.put("domains", domains);
        m.put("improved", r.improved());
        write(m);
    }

    public void event(long step, String event, Map<String, ?> details) {
        Map<String, Object> m = record("event", step);
        m.put("event", event);
        m.putAll(details);
        write(m);
    }

    private static Map<String, Object> record(String type, long step) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("step", step);
        m.put("time", Instant.now().toString());
        return m;
    }

    private synchronized void write(Map<String, Object> m) {
        try {
            out.write(GSON.toJson(m));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing metrics", e);
        }
    }

    private static void truncateAfter(Path file, long step) throws IOException {
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            try {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                if (o.get("step").getAsLong() <= step) {
                    kept.add(line);
                }
            } catch (RuntimeException e) {
                // a line cut short by a crash: drop it
            }
        }
        Files.write(file, kept, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
