package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.size;

/** Gopher: at least 80% of words contain a letter (of any script, see {@link TextViews#LETTER}). */
record AlphaWords(double minShare) implements FilterStep {
    static final String SIGNAL = "alpha_word_share";

    static AlphaWords from(Settings s) {
        AlphaWords out = new AlphaWords(s.decimal("min-share"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "alpha-words";
    }

    @Override
    public Map<String, Column> signals() {
        return Map.of(SIGNAL, Rules.ratio(size(filter(TextViews.words(), w -> w.rlike(TextViews.LETTER))),
                size(TextViews.words())));
    }

    @Override
    public Object[] measure(ScannedText t) {
        Words words = t.words();
        char[] c = words.chars;
        int n = 0;
        for (int w = 0; w < words.count(); w++) {
            for (int i = words.start(w); i < words.end(w); i++) {
                if (ScannedText.isLetter(c[i])) {
                    n++;
                    break;
                }
            }
        }
        return new Object[]{ScannedText.ratio(n, words.count())};
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.DoubleType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("few_alpha_words", SIGNAL, minShare));
    }
}
