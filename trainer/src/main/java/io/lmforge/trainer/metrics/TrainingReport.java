package io.lmforge.trainer.metrics;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lmforge.report.Chart;
import io.lmforge.report.Charts;
import io.lmforge.report.ReportPage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code RUN/report.html}, drawn from {@code RUN/metrics.jsonl} (so a resumed run's report shows
 * the whole run): training and validation loss, validation loss per domain, learning rate,
 * gradient norm, tokens per second and, for data-parallel runs, every rank's pace and its share of
 * a step spent in communication. Rewritten at each evaluation and when the run ends.
 */
public final class TrainingReport {
    public static final String FILE = "report.html";
    private static final int HEIGHT = 300;

    private TrainingReport() {
    }

    /** Reads {@code RUN/metrics.jsonl} and writes {@code RUN/report.html} through a temporary file. */
    public static void write(Path runDir) throws IOException {
        render(runDir.getFileName().toString(), Files.readAllLines(runDir.resolve("metrics.jsonl"), StandardCharsets.UTF_8))
                .writeTo(runDir.resolve(FILE));
    }

    static ReportPage render(String runName, List<String> lines) {
        Log log = Log.parse(lines);
        ReportPage page = new ReportPage("Training run " + runName);
        JsonObject start = log.events.get("start");
        if (start != null) {
            page.subtitle("started " + text(start, "time") + (start.has("resumed_from") && start.get("resumed_from").getAsLong() >= 0
                    ? ", resumed from step " + start.get("resumed_from").getAsLong() : ""));
        }
        JsonObject finish = log.events.get("finish");
        page.subtitle(finish != null ? "finished at step " + finish.get("step").getAsLong() + ", " + text(finish, "time")
                : "running: last step " + (log.train.isEmpty() ? "none yet" : (long) log.train.get(log.train.size() - 1).step));

        page.section("summary", "Summary");
        List<List<Object>> facts = new ArrayList<>();
        if (start != null) {
            for (String key : List.of("parameters", "active_parameters", "context_length", "train_samples", "val_samples",
                    "world_size", "global_batch_sequences", "precision", "device")) {
                if (start.has(key)) {
                    facts.add(List.of(key.replace('_', ' '), value(start.get(key))));
                }
            }
        }
        if (!log.train.isEmpty()) {
            Step last = log.train.get(log.train.size() - 1);
            facts.add(List.of("tokens trained", (long) last.get("tokens")));
            facts.add(List.of("last training loss", last.get("loss")));
        }
        if (!log.evals.isEmpty()) {
            Step best = log.evals.stream().min((a, b) -> Double.compare(a.get("val_loss"), b.get("val_loss"))).orElseThrow();
            facts.add(List.of("best validation loss", best.get("val_loss")));
            facts.add(List.of("best validation step", (long) best.step));
        }
        page.table(List.of("", "value"), facts);

        page.section("loss", "Loss");
        Map<String, List<double[]>> loss = new LinkedHashMap<>();
        loss.put("training loss", log.trainSeries("loss"));
        if (log.train.stream().anyMatch(s -> s.get("balance_loss") > 0)) {
            loss.put("training cross-entropy", log.trainSeries("cross_entropy"));
        }
        loss.put("validation loss", log.evalSeries("val_loss"));
        page.chart(new Chart("loss", "Training and validation loss (nats per token)", Charts.lines(loss, "step", "loss"), HEIGHT));
        page.chart(new Chart("val-loss-by-domain", "Validation loss per domain",
                Charts.lines(log.domainLoss(), "step", "loss"), HEIGHT));

        page.section("optimizer", "Optimizer");
        page.chart(new Chart("learning-rate", "Learning rate",
                Charts.lines(Map.of("learning rate", log.trainSeries("learning_rate")), "step", "lr"), HEIGHT));
        page.chart(new Chart("grad-norm", "Gradient norm (before clipping)",
                Charts.lines(Map.of("gradient norm", log.trainSeries("grad_norm")), "step", "norm"), HEIGHT));

        page.section("throughput", "Throughput");
        page.chart(new Chart("tokens-per-second", "Trained tokens per second, all ranks",
                Charts.lines(Map.of("tokens/s", log.trainSeries("tokens_per_sec")), "step", "tokens/s"), HEIGHT));
        if (log.ranks > 0) {
            page.chart(new Chart("rank-tokens-per-second", "Tokens per second of each rank",
                    Charts.lines(log.rankSeries("rank_tokens_per_sec"), "step", "tokens/s"), HEIGHT));
            Map<String, List<double[]>> share = log.rankSeries("rank_communication_share");
            share.put("mean", log.trainSeries("communication_share"));
            page.chart(new Chart("communication-share", "Share of a step spent in communication",
                    Charts.lines(share, "step", "share"), HEIGHT));
            page.paragraph("A rank that waits for the others shows a high communication share; a straggler shows a low "
                    + "one and a lower rate.");
        }

        if (!log.evals.isEmpty()) {
            page.section("evaluations", "Evaluations");
            List<List<Object>> rows = new ArrayList<>();
            for (Step e : log.evals) {
                rows.add(List.of((long) e.step, e.get("val_loss"), e.get("val_perplexity"), e.improved ? "yes" : ""));
            }
            page.table(List.of("step", "validation loss", "perplexity", "improved"), rows);
        }
        return page;
    }

    private static String text(JsonObject o, String key) {
        return o.has(key) ? o.get(key).getAsString() : "";
    }

    private static Object value(JsonElement e) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double d = e.getAsDouble();
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
        }
        return e.isJsonPrimitive() ? e.getAsString() : e.toString();
    }

    /** One train or eval line: its step and numeric fields. */
    private record Step(double step, JsonObject fields, boolean improved) {
        double get(String key) {
            JsonElement e = fields.get(key);
            return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() ? e.getAsDouble() : Double.NaN;
        }
    }

    /** The log's lines by type; a line that does not parse (cut short by a crash) is left out. */
    private static final class Log {
        final List<Step> train = new ArrayList<>();
        final List<Step> evals = new ArrayList<>();
        final Map<String, JsonObject> events = new LinkedHashMap<>();
        int ranks;

        static Log parse(List<String> lines) {
            Log log = new Log();
            for (String line : lines) {
                JsonObject o;
                try {
                    o = JsonParser.parseString(line).getAsJsonObject();
                } catch (RuntimeException e) {
                    continue;
                }
                if (!o.has("type") || !o.has("step")) {
                    continue;
                }
                double step = o.get("step").getAsDouble();
                switch (o.get("type").getAsString()) {
                    case "train" -> {
                        log.train.add(new Step(step, o, false));
                        if (o.has("rank_tokens_per_sec")) {
                            log.ranks = Math.max(log.ranks, o.getAsJsonArray("rank_tokens_per_sec").size());
                        }
                    }
                    case "eval" -> log.evals.add(new Step(step, o, o.has("improved") && o.get("improved").getAsBoolean()));
                    case "event" -> log.events.put(o.get("event").getAsString(), o);
                    default -> { }
                }
            }
            return log;
        }

        List<double[]> trainSeries(String key) {
            return series(train, key);
        }

        List<double[]> evalSeries(String key) {
            return series(evals, key);
        }

        private static List<double[]> series(List<Step> steps, String key) {
            List<double[]> out = new ArrayList<>(steps.size());
            for (Step s : steps) {
                out.add(new double[]{s.step, s.get(key)});
            }
            return out;
        }

        Map<String, List<double[]>> domainLoss() {
            Map<String, List<double[]>> out = new TreeMap<>();
            for (Step e : evals) {
                JsonObject domains = e.fields.getAsJsonObject("domains");
                if (domains == null) {
                    continue;
                }
                for (Map.Entry<String, JsonElement> d : domains.entrySet()) {
                    JsonElement loss = d.getValue().getAsJsonObject().get("loss");
                    out.computeIfAbsent(d.getKey(), k -> new ArrayList<>())
                            .add(new double[]{e.step, loss.isJsonPrimitive() ? loss.getAsDouble() : Double.NaN});
                }
            }
            return out;
        }

        Map<String, List<double[]>> rankSeries(String key) {
            Map<String, List<double[]>> out = new LinkedHashMap<>();
            for (int r = 0; r < ranks; r++) {
                out.put("rank " + r, new ArrayList<>());
            }
            for (Step s : train) {
                JsonArray values = s.fields.getAsJsonArray(key);
                for (int r = 0; values != null && r < values.size() && r < ranks; r++) {
                    out.get("rank " + r).add(new double[]{s.step, values.get(r).getAsDouble()});
                }
            }
            return out;
        }
    }
}
