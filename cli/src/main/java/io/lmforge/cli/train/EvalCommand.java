package io.lmforge.cli.train;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.GsonBuilder;
import io.lmforge.cli.CheckpointArgs;
import io.lmforge.cli.QuantizeOption;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.eval.Bootstrap;
import io.lmforge.model.eval.DocumentEval;
import io.lmforge.model.eval.JsonLines;
import io.lmforge.model.eval.LogLikelihood;
import io.lmforge.model.eval.LossReport;
import io.lmforge.model.eval.MultipleChoice;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.eval.ShardEval;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lmforge eval --checkpoint C [--checkpoint B] (--data SHARDS | --text FILE.jsonl | --task FILE.jsonl)}:
 * loss, perplexity and bits per byte of tokenized shards or raw documents, overall and per domain;
 * or multiple-choice accuracy. With two checkpoints, both are scored on the same units and the
 * difference (second − first) gets a paired bootstrap interval. See docs/evaluation.md.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluates checkpoints: loss, perplexity, bits per byte per domain; multiple-choice accuracy; A/B.")
public final class EvalCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true,
            description = "a run directory or RUN/checkpoints/step-N; twice to compare two (A/B: second minus first)")
    List<Path> checkpoints = new ArrayList<>();

    @Option(names = "--data", description = "tokenized shards (a corpus run's shards directory, with manifest.json)")
    String data;

    @Option(names = "--split", description = "the shards' split to score (default: val)")
    String split = ShardManifest.VAL;

    @Option(names = "--text", description = "JSON lines of raw documents {\"text\": ..., \"domain\": ...}, tokenized "
            + "with each checkpoint's own tokenizer")
    Path text;

    @Option(names = "--task", description = "JSON lines of multiple-choice questions {\"context\", \"choices\": [...], \"answer\": i}")
    Path task;

    @Option(names = "--max-samples", description = "shards: score the first N samples only; 0: all (default: 0)")
    long maxSamples;

    @Option(names = "--mask-documents", description = "shards: attention inside each packed document (as train.mask-documents)")
    boolean maskDocuments;

    @Option(names = "--context", description = "raw documents: predicted tokens per window (default: the model's max positions)")
    int context = Integer.MAX_VALUE;

    @Option(names = "--batch-size", description = "sequences per forward pass (default: 8)")
    int batchSize = 8;

    @Option(names = "--bootstrap", description = "bootstrap resamples for the 95% intervals (default: 1000)")
    int resamples = Bootstrap.DEFAULT_RESAMPLES;

    @Option(names = "--seed", description = "bootstrap seed (default: 1)")
    long seed = 1;

    @Option(names = "--json", description = "print the report as JSON instead of a table")
    boolean json;

    @Option(names = "--threads", description = "libtorch intra-op threads (default: libtorch's)")
    Integer threads;

    @CommandLine.Mixin
    QuantizeOption quantize;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int inputs = (data != null ? 1 : 0) + (text != null ? 1 : 0) + (task != null ? 1 : 0);
        if (inputs != 1) {
            err.println("lmforge: give exactly one of --data, --text, --task");
            return 2;
        }
        if (checkpoints.size() > 2) {
            err.println("lmforge: --checkpoint at most twice (A/B)");
            return 2;
        }
        if (batchSize < 1 || resamples < 1 || context < 1) {
            err.println("lmforge: --batch-size, --bootstrap and --context must be at least 1");
            return 2;
        }
        Path file = text != null ? text : task;
        if (file != null && !Files.isRegularFile(file)) {
            err.println("lmforge: input error: file not found: " + file);
            return 2;
        }
        Engine.getInstance();
        if (threads != null) {
            JniUtils.setNumThreads(threads);
        }
        Bootstrap bootstrap = new Bootstrap(resamples, seed);
        ShardManifest manifest = null;
        if (data != null) {
            try {
                manifest = ShardManifest.load(data, new Configuration());
            } catch (IOException | RuntimeException e) {
                err.println("lmforge: input error: " + e.getMessage());
                return 2;
            }
        }
        JsonLines.Result<DocumentEval.Document> documents = text != null ? DocumentEval.read(text) : null;
        JsonLines.Result<MultipleChoice.Item> questions = task != null ? MultipleChoice.read(task) : null;
        List<String> errors = documents != null ? documents.errors() : questions != null ? questions.errors() : List.of();
        for (String e : errors) {
            err.println("lmforge: " + e + "; skipped");
        }

        List<Path> resolved = new ArrayList<>();
        List<LossReport> reports = new ArrayList<>();
        List<List<MultipleChoice.Scored>> answers = new ArrayList<>();
        for (Path checkpoint : checkpoints) {
            try (CheckpointModel model = CheckpointArgs.load(checkpoint, quantize.quantization())) {
                err.println("checkpoint: " + model.directory());
                resolved.add(model.directory());
                LogLikelihood ll = new LogLikelihood(model.model(), model.manager(), batchSize);
                int bos = model.specialTokens().getOrDefault("bos", 0);
                if (manifest != null) {
                    String sha = CheckpointFiles.readConfig(model.directory()).tokenizerSha256();
                    if (!sha.isEmpty() && !manifest.tokenizerSha256().isEmpty() && !sha.equals(manifest.tokenizerSha256())) {
                        err.println("lmforge: input error: " + data + " was tokenized with the tokenizer of SHA-256 "
                                + manifest.tokenizerSha256() + ", " + model.directory() + " was trained with " + sha
                                + " (compare models of different tokenizers on --text, in bits per byte)");
                        return 2;
                    }
                    reports.add(new LossReport(ShardEval.score(manifest, split, model.tokenizer(), ll, maxSamples,
                            maskDocuments, new Configuration())));
                } else if (documents != null) {
                    reports.add(new LossReport(DocumentEval.score(documents.records(), model.tokenizer(), bos, ll, context)));
                } else {
                    answers.add(MultipleChoice.score(questions.records(), model.tokenizer(), bos, ll));
                }
            }
        }

        Map<String, Object> report = new LinkedHashMap<>();
        if (!answers.isEmpty()) {
            choiceReport(report, resolved, answers, bootstrap, out);
        } else {
            lossReport(report, resolved, reports, bootstrap, manifest != null, out);
        }
        if (!errors.isEmpty()) {
            report.put("broken_lines", errors.size());
            report.put("errors", errors);
            err.printf("lmforge: skipped %d broken line%s of %s%n", errors.size(), errors.size() == 1 ? "" : "s", file);
        }
        if (json) {
            out.println(new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(report));
        }
        out.flush();
        return errors.isEmpty() ? 0 : 1;
    }

    private void lossReport(Map<String, Object> report, List<Path> names, List<LossReport> reports, Bootstrap bootstrap,
                            boolean sameTokenizer, PrintWriter out) {
        if (reports.size() == 1) {
            report.put("checkpoint", names.get(0).toString());
            report.putAll(reports.get(0).toJson(bootstrap));
        } else {
            LossReport a = reports.get(0);
            LossReport b = reports.get(1);
            report.put("a", withName(names.get(0), a.toJson(bootstrap)));
            report.put("b", withName(names.get(1), b.toJson(bootstrap)));
            Map<String, Object> diff = new LinkedHashMap<>();
            diff.put("bits_per_byte", b.overall().bitsPerByte() - a.overall().bitsPerByte());
            diff.put("bits_per_byte_ci95", a.bitsPerByteDifference(b, bootstrap).toArray());
            if (sameTokenizer) {
                diff.put("loss", b.overall().loss() - a.overall().loss());
                diff.put("loss_ci95", a.lossDifference(b, bootstrap).toArray());
            }
            Map<String, Object> domains = new LinkedHashMap<>();
            a.domains().forEach((d, fa) -> {
                LossReport.Figures fb = b.domains().get(d);
                if (fb != null) {
                    domains.put(d, Map.of("bits_per_byte", fb.bitsPerByte() - fa.bitsPerByte()));
                }
            });
            diff.put("domains", domains);
            report.put("difference", diff);
        }
        if (json) {
            return;
        }
        for (int i = 0; i < reports.size(); i++) {
            LossReport r = reports.get(i);
            Bootstrap.Interval ci = r.bitsPerByteInterval(bootstrap);
            out.printf("%s%s%n", reports.size() > 1 ? (i == 0 ? "A: " : "B: ") : "", names.get(i));
            out.printf("%-20s %8s %10s %10s %8s %10s %8s%n", "domain", "units", "tokens", "bytes", "loss", "perplexity", "bpb");
            row(out, "all", r.overall());
            r.domains().forEach((d, f) -> row(out, d, f));
            out.printf("bits per byte 95%% interval: [%.4f, %.4f]%n%n", ci.low(), ci.high());
        }
        if (reports.size() == 2) {
            @SuppressWarnings("unchecked")
            Map<String, Object> diff = (Map<String, Object>) report.get("difference");
            double[] ci = (double[]) diff.get("bits_per_byte_ci95");
            out.printf("B - A bits per byte: %+.4f  95%% paired interval [%+.4f, %+.4f]%n",
                    (double) diff.get("bits_per_byte"), ci[0], ci[1]);
            if (diff.containsKey("loss")) {
                double[] lc = (double[]) diff.get("loss_ci95");
                out.printf("B - A loss:          %+.4f  95%% paired interval [%+.4f, %+.4f]%n",
                        (double) diff.get("loss"), lc[0], lc[1]);
            }
        }
    }

    private static void row(PrintWriter out, String name, LossReport.Figures f) {
        out.printf(Locale.ROOT, "%-20s %8d %10d %10d %8.4f %10.3f %8.4f%n", name, f.units(), f.tokens(), f.bytes(), f.loss(),
                f.perplexity(), f.bitsPerByte());
    }

    private void choiceReport(Map<String, Object> report, List<Path> names, List<List<MultipleChoice.Scored>> answers,
                              Bootstrap bootstrap, PrintWriter out) {
        List<Map<String, Object>> each = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
            each.add(withName(names.get(i), MultipleChoice.report(answers.get(i), bootstrap)));
        }
        if (answers.size() == 1) {
            report.putAll(each.get(0));
        } else {
            report.put("a", each.get(0));
            report.put("b", each.get(1));
            double[] a = MultipleChoice.correct(answers.get(0), false);
            double[] b = MultipleChoice.correct(answers.get(1), false);
            double[] ones = new double[a.length];
            java.util.Arrays.fill(ones, 1);
            Map<String, Object> diff = new LinkedHashMap<>();
            diff.put("accuracy", MultipleChoice.mean(b) - MultipleChoice.mean(a));
            diff.put("accuracy_ci95", bootstrap.pairedDifference(a, ones, b, ones, 1).toArray());
            double[] an = MultipleChoice.correct(answers.get(0), true);
            double[] bn = MultipleChoice.correct(answers.get(1), true);
            diff.put("accuracy_per_byte", MultipleChoice.mean(bn) - MultipleChoice.mean(an));
            diff.put("accuracy_per_byte_ci95", bootstrap.pairedDifference(an, ones, bn, ones, 1).toArray());
            report.put("difference", diff);
        }
        if (json) {
            return;
        }
        out.printf("%-3s %-50s %9s %8s %18s %9s %18s%n", "", "checkpoint", "questions", "accuracy", "95% interval",
                "per byte", "95% interval");
        for (int i = 0; i < each.size(); i++) {
            Map<String, Object> m = each.get(i);
            double[] ci = (double[]) m.get("accuracy_ci95");
            double[] cn = (double[]) m.get("accuracy_per_byte_ci95");
            out.printf(Locale.ROOT, "%-3s %-50s %9d %8.4f [%7.4f, %7.4f] %9.4f [%7.4f, %7.4f]%n",
                    each.size() > 1 ? (i == 0 ? "A" : "B") : "", m.get("checkpoint"), (int) m.get("questions"),
                    (double) m.get("accuracy"), ci[0], ci[1], (double) m.get("accuracy_per_byte"), cn[0], cn[1]);
        }
        if (each.size() == 2) {
            @SuppressWarnings("unchecked")
            Map<String, Object> diff = (Map<String, Object>) report.get("difference");
            double[] ci = (double[]) diff.get("accuracy_ci95");
            out.printf(Locale.ROOT, "B - A accuracy: %+.4f  95%% paired interval [%+.4f, %+.4f]%n",
                    (double) diff.get("accuracy"), ci[0], ci[1]);
        }
    }

    private static Map<String, Object> withName(Path name, Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("checkpoint", name.toString());
        out.putAll(m);
        return out;
    }
}
