package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.size;

/**
 * C4's curly-brace rule, as a density: a prose page with more than {@code max-ratio} opening
 * braces per word is code, a stylesheet or a template that leaked into the text. C4 drops a page
 * at its first brace ({@code max-ratio = 0} does that); on real text this drops Python's tutorial
 * (a dict literal in an example) and a whole book for one "{EPITAPH}" cross-reference, while
 * JavaScript and CSS extracted as text run at 0.03 to 0.15 braces per word and tutorials with code
 * examples below 0.006. Source code documents never meet this rule (code rules apply to them).
 */
record CurlyBrace(double maxRatio) implements FilterStep {
    static final String SIGNAL = "curly_brace_word_ratio";

    static CurlyBrace from(Settings s) {
        CurlyBrace out = new CurlyBrace(s.inRange("max-ratio", s.decimal("max-ratio"), 0, Double.MAX_VALUE));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "curly-brace";
    }

    @Override
    public Map<String, Column> signals() {
        return Map.of(SIGNAL, Rules.ratio(TextViews.occurrences(TextViews.text(), "{"), size(TextViews.words())));
    }

    @Override
    public Object[] measure(ScannedText t) {
        return new Object[]{ScannedText.ratio(ScannedText.occurrences(t.text, "{"), t.words().count())};
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.DoubleType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.above("curly_brace", SIGNAL, maxRatio));
    }
}
