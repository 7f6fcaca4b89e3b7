package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;

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
        Object[] set = words.stream().map(w -> w.toLowerCase(Locale.ROOT)).distinct().toArray();
        return Map.of(SIGNAL, size(filter(TextViews.words(), w -> lower(w).isin(set))));
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("few_stopwords", SIGNAL, min));
    }
}
