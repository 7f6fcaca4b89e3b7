package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.size;

/** Gopher: between 50 and 100,000 words (CJK characters count as words, see {@link TextViews}). */
record WordCount(long min, long max) implements FilterStep {
    static final String SIGNAL = "word_count";

    static WordCount from(Settings s) {
        WordCount out = new WordCount(s.longValue("min"), s.longValue("max"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "word-count";
    }

    @Override
    public Map<String, Column> signals() {
        return Map.of(SIGNAL, size(TextViews.words()));
    }

    @Override
    public Object[] measure(ScannedText t) {
        return new Object[]{t.words().count()};
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.IntegerType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("too_few_words", SIGNAL, min), Rules.above("too_many_words", SIGNAL, max));
    }
}
