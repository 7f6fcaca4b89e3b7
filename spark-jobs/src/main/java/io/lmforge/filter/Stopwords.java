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
    static final List<String> DEFAULT_WORDS = List.of("the", "be", "to", "of", "and", "that", "have", "with",
            "der", "die", "und", "das", "ist", "nicht", "mit", "sich", "auf", "ein", "eine", "werden",
            "les", "et", "des", "est", "une", "dans", "pour", "pas", "sur", "qui",
            "el", "los", "que", "del", "las", "por", "una", "con", "para", "es",
            "il", "che", "della", "per", "non", "sono", "gli", "di", "è", "nel",
            "não", "uma", "os", "do", "da", "com", "ao", "em",
            "и", "в", "не", "на", "что", "с", "по", "это", "как", "для",
            "yang", "dan", "ini", "itu", "dengan", "untuk", "dari", "tidak", "ke", "atau",
            "的", "了", "是", "在", "和", "有", "不", "这", "我", "也", "就", "都",
            "の", "に", "は", "を", "が", "で", "て", "た", "と", "も");

    static Stopwords from(Settings s) {
        Stopwords out = new Stopwords(s.integer("min", 2), s.strings("words", DEFAULT_WORDS));
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
