package io.lmforge.model.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.lmforge.model.generate.TextTokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multiple-choice tasks, one question a line: {@code {"context": "...", "choices": ["...", ...], "answer": i}}.
 * Each choice is scored by its log-likelihood given the context, log p(choice | &lt;bos&gt; context)
 * (the context and the choice are tokenized apart, so every choice is conditioned on the same
 * tokens), and by that log-likelihood per UTF-8 byte of the choice (which does not favour short
 * choices). The answer is the highest-scoring choice; accuracy is the share of questions whose
 * answer is right, under either score.
 */
public final class MultipleChoice {
    /** A question of a task file; {@code line} is its line number. */
    public record Item(int line, String context, List<String> choices, int answer) {
    }

    /** A question's scores: log-likelihood (nats) and per byte, per choice. */
    public record Scored(Item item, double[] logLikelihood, double[] perByte) {
        public int predicted() {
            return argmax(logLikelihood);
        }

        public int predictedPerByte() {
            return argmax(perByte);
        }

        public boolean correct() {
            return predicted() == item.answer();
        }

        public boolean correctPerByte() {
            return predictedPerByte() == item.answer();
        }
    }

    private MultipleChoice() {
    }

    /** The questions of a task file; a broken line or an answer out of range is an error naming the file and line. */
    public static JsonLines.Result<Item> read(Path file) throws IOException {
        return JsonLines.read(file, MultipleChoice::parse);
    }

    private static Item parse(JsonObject json, int line) {
        String context = JsonLines.string(json, "context");
        JsonElement c = json.get("choices");
        if (c == null || !c.isJsonArray() || c.getAsJsonArray().size() < 2) {
            throw new IllegalArgumentException("\"choices\" must be an array of at least 2 strings");
        }
        List<String> choices = new ArrayList<>();
        for (JsonElement e : (JsonArray) c) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().isEmpty()) {
                throw new IllegalArgumentException("\"choices\" must hold non-empty strings, got " + e);
            }
            choices.add(e.getAsString());
        }
        JsonElement a = json.get("answer");
        if (a == null || !a.isJsonPrimitive() || !a.getAsJsonPrimitive().isNumber()
                || a.getAsDouble() != Math.rint(a.getAsDouble())) {
            throw new IllegalArgumentException("\"answer\" must be an integer index into \"choices\", got " + a);
        }
        int answer = a.getAsInt();
        if (answer < 0 || answer >= choices.size()) {
            throw new IllegalArgumentException("answer " + answer + " is out of range (" + choices.size() + " choices: 0 to "
                    + (choices.size() - 1) + ")");
        }
        return new Item(line, context, List.copyOf(choices), answer);
    }

    /** Scores every choice of every question. */
    public static List<Scored> score(List<Item> items, TextTokenizer tokenizer, int bos, LogLikelihood model) {
        List<int[]> sequences = new ArrayList<>();
        List<Integer> continuation = new ArrayList<>();
        for (Item item : items) {
            int[] context = tokenizer.encode(item.context());
            for (String choice : item.choices()) {
                int[] cont = tokenizer.encode(choice);
                int[] seq = new int[1 + context.length + cont.length];
                seq[0] = bos;
                System.arraycopy(context, 0, seq, 1, context.length);
                System.arraycopy(cont, 0, seq, 1 + context.length, cont.length);
                if (seq.length > model.maxSequence()) {
                    if (cont.length >= model.maxSequence()) {
                        throw new IllegalArgumentException("line " + item.line() + ": a choice of " + cont.length
                                + " tokens does not fit the model's context");
                    }
                    seq = Arrays.copyOfRange(seq, seq.length - model.maxSequence(), seq.length);  // keep the context's end
                }
                sequences.add(seq);
                continuation.add(cont.length);
            }
        }
        List<double[]> scored = model.score(sequences);
        List<Scored> out = new ArrayList<>(items.size());
        int k = 0;
        for (Item item : items) {
            int n = item.choices().size();
            double[] ll = new double[n];
            double[] perByte = new double[n];
            for (int c = 0; c < n; c++, k++) {
                double[] lp = scored.get(k);
                for (int t = lp.length - continuation.get(k); t < lp.length; t++) {
                    ll[c] += lp[t];
                }
                perByte[c] = ll[c] / item.choices().get(c).getBytes(StandardCharsets.UTF_8).length;
            }
            out.add(new Scored(item, ll, perByte));
        }
        return out;
    }

    /** Accuracy (and per byte) with 95% bootstrap intervals. */
    public static Map<String, Object> report(List<Scored> scored, Bootstrap bootstrap) {
        double[] right = correct(scored, false);
        double[] rightPerByte = correct(scored, true);
        double[] ones = new double[scored.size()];
        Arrays.fill(ones, 1);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("questions", scored.size());
        m.put("accuracy", mean(right));
        m.put("accuracy_ci95", bootstrap.ratio(right, ones, 1).toArray());
        m.put("accuracy_per_byte", mean(rightPerByte));
        m.put("accuracy_per_byte_ci95", bootstrap.ratio(rightPerByte, ones, 1).toArray());
        return m;
    }

    /** 1 where the question was answered right, else 0. */
    public static double[] correct(List<Scored> scored, boolean perByte) {
        return scored.stream().mapToDouble(s -> (perByte ? s.correctPerByte() : s.correct()) ? 1 : 0).toArray();
    }

    public static double mean(double[] x) {
        return x.length == 0 ? Double.NaN : Arrays.stream(x).sum() / x.length;
    }

    private static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
