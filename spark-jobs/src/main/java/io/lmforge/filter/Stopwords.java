package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.size;

/**
 * Gopher: at least two occurrences of {@code the, be, to, of, and, that, have, with}: running text
 * has function words, keyword lists, tables and code do not. The filter runs before language
 * identification, so the default list adds the commonest function words of the other languages
 * the pipeline is likely to meet (German, French, Spanish, Italian, Portuguese, Russian,
 * Indonesian; none of them an English word), and Chinese and Japanese function characters (each a
 * word, see {@link TextViews}). A corpus in other languages adds theirs in {@code words}.
 */
record Stopwords(int min, List<String> words) implements FilterStep {
    static final String SIGNAL = "stopword_count";
    /** reference.conf's {@code filter.stopwords.words}. */
    static final List<String> DEFAULT_WORDS = from(io.lmforge.corpus.CorpusSettings.of(
            com.typesafe.config.ConfigFactory.empty(), "filter.stopwords")).words();

    private static final java.util.Map<List<String>, java.util.Set<String>> LOWERED = new java.util.concurrent.ConcurrentHashMap<>();

    /** The words lower-cased as {@link #signals()} does, built once per JVM and list. */
    java.util.Set<String> lowered() {
        return LOWERED.computeIfAbsent(words, ws -> java.util.Set.copyOf(
                ws.stream().map(w -> w.toLowerCase(Locale.ROOT)).distinct().toList()));
    }

    static Stopwords from(Settings s) {
        Stopwords out = new Stopwords(s.integer("min"), s.strings("words"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "stopwords";
    }

    @Override
    public Map<String, Column> signals() {
        // IN over literals becomes a hash-set lookup (Spark's OptimizeIn); array_contains would scan the list.
        // LowerCase on the GPU for the words without σ or ς; Spark's lower for the rest (LowerCase says why).
        List<String> set = words.stream().map(w -> w.toLowerCase(Locale.ROOT)).distinct().toList();
        List<String> plain = set.stream().filter(LowerCase::sigmaFree).toList();
        Object[] sigma = set.stream().filter(w -> !LowerCase.sigmaFree(w)).toArray();
        return Map.of(SIGNAL, size(filter(TextViews.words(), w -> sigma.length == 0 ? LowerCase.of(w, plain).isin(plain.toArray())
                : LowerCase.of(w, plain).isin(plain.toArray()).or(lower(w).isin(sigma)))));
    }

    @Override
    public Object[] measure(ScannedText t) {
        java.util.Set<String> set = lowered();
        int n = 0;
        for (String w : t.words()) {
            if (set.contains(ScannedText.lower(w, t.icuLower()))) {
                n++;
            }
        }
        return new Object[]{n};
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.IntegerType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("few_stopwords", SIGNAL, min));
    }
}
