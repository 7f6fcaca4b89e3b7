package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

/**
 * Gopher: mean word length between 3 and 10 characters. Measured on the words that are not
 * CJK characters, and not at all (null) on documents where CJK characters are at least
 * {@code max-cjk-share} of the words: a Han character is a word of length 1 by construction.
 */
record MeanWordLength(double min, double max, double maxCjkShare) implements FilterStep {
    static final String SIGNAL = "mean_word_length";

    static MeanWordLength from(Settings s) {
        MeanWordLength out = new MeanWordLength(s.decimal("min"), s.decimal("max"),
                s.inRange("max-cjk-share", s.decimal("max-cjk-share"), 0, 1));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "mean-word-length";
    }

    @Override
    public Map<String, Column> signals() {
        Column words = size(TextViews.words());
        Column latinWords = words.minus(TextViews.cjkChars());
        Column latinChars = length(array_join(TextViews.words(), "")).minus(TextViews.cjkChars());
        Column mostlyCjk = TextViews.cjkChars().geq(words.multiply(maxCjkShare));
        return Map.of(SIGNAL, when(latinWords.gt(0).and(mostlyCjk.unary_$bang()), Rules.ratio(latinChars, latinWords)));
    }

    @Override
    public Object[] measure(ScannedText t) {
        int words = t.words().count();
        int cjk = t.cjkChars();
        int latinWords = words - cjk;
        long latinChars = t.wordCodePoints() - cjk;
        boolean mostlyCjk = cjk >= words * maxCjkShare;
        return new Object[]{latinWords > 0 && !mostlyCjk ? ScannedText.ratio(latinChars, latinWords) : null};
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.DoubleType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("short_mean_word_length", SIGNAL, min),
                Rules.above("long_mean_word_length", SIGNAL, max));
    }
}
