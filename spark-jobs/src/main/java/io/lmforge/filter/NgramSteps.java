package io.lmforge.filter;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;

/**
 * Gopher's n-gram repetition limits, by n: {@code top-ngrams} (the most frequent 2-, 3-, 4-gram
 * may cover at most 20%, 18%, 16% of the characters) and {@code duplicate-ngrams} (repeated
 * 5- to 10-grams may cover at most 15% down to 10%). Configured as {@code limits { 2 = 0.2, ... }}.
 */
record NgramSteps(boolean top, Map<Integer, Double> limits) implements FilterStep {
    static NgramSteps top(Settings s) {
        return from(true, s);
    }

    static NgramSteps duplicate(Settings s) {
        return from(false, s);
    }

    /** {@code limits} replaces the reference's map whole. */
    private static NgramSteps from(boolean top, Settings s) {
        Map<Integer, Double> limits = new TreeMap<>();
        {
            for (Map.Entry<String, Double> e : s.numberMap("limits").entrySet()) {
                int n;
                try {
                    n = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new InvalidConfigException(s.name("limits") + "." + e.getKey() + ": keys must be n-gram sizes (2, 3, ...)");
                }
                if (n < 1 || n > 50) {
                    throw new InvalidConfigException(s.name("limits") + "." + n + ": n must be between 1 and 50");
                }
                limits.put(n, s.inRange("limits." + n, e.getValue(), 0, 1));
            }
        }
        s.requireNoUnknownKeys();
        return new NgramSteps(top, limits);
    }

    String signal(int n) {
        return (top ? "top_" : "dup_") + n + "gram_char_share";
    }

    @Override
    public String name() {
        return top ? "top-ngrams" : "duplicate-ngrams";
    }

    /** All n of the step in one pass over the words. */
    private String sharesColumn() {
        return top ? "_top_ngram_shares" : "_dup_ngram_shares";
    }

    @Override
    public Map<String, Column> shared() {
        return Map.of(sharesColumn(), NgramRepetition.shares(TextViews.words(),
                limits.keySet().stream().mapToInt(Integer::intValue).toArray(), top));
    }

    @Override
    public Map<String, Column> signals() {
        Map<String, Column> out = new LinkedHashMap<>();
        int i = 0;
        for (int n : limits.keySet()) {
            out.put(signal(n), element_at(col(sharesColumn()), ++i));
        }
        return out;
    }

    @Override
    public Object[] measure(ScannedText t) {
        NgramRepetition.Grams grams = t.ngramWords();
        Object[] out = new Object[limits.size()];
        int i = 0;
        for (int n : limits.keySet()) {
            out[i++] = NgramRepetition.measure(grams, n, top);
        }
        return out;
    }

    @Override
    public DataType[] signalTypes() {
        DataType[] out = new DataType[limits.size()];
        java.util.Arrays.fill(out, DataTypes.DoubleType);
        return out;
    }

    @Override
    public List<Rule> rules() {
        return limits.entrySet().stream()
                .map(e -> Rules.above((top ? "top_" : "duplicate_") + e.getKey() + "grams", signal(e.getKey()), e.getValue()))
                .toList();
    }
}
