package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.size;

/** Gopher: at most 0.1 hash symbols per word, and at most 0.1 ellipses per word. */
record SymbolRatio(double maxHash, double maxEllipsis) implements FilterStep {
    static final String HASH = "hash_word_ratio";
    static final String ELLIPSIS = "ellipsis_word_ratio";

    static SymbolRatio from(Settings s) {
        SymbolRatio out = new SymbolRatio(s.decimal("max-hash"), s.decimal("max-ellipsis"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "symbol-ratio";
    }

    @Override
    public Map<String, Column> signals() {
        Column words = size(TextViews.words());
        Column text = TextViews.text();
        Map<String, Column> out = new LinkedHashMap<>();
        out.put(HASH, Rules.ratio(TextViews.occurrences(text, "#"), words));
        out.put(ELLIPSIS, Rules.ratio(TextViews.occurrences(text, "...").plus(TextViews.occurrences(text, "\u2026")), words));
        return out;
    }

    @Override
    public Object[] measure(ScannedText t) {
        int words = t.words().count();
        return new Object[]{ScannedText.ratio(ScannedText.occurrences(t.text, "#"), words),
                ScannedText.ratio(ScannedText.occurrences(t.text, "...") + ScannedText.occurrences(t.text, "\u2026"), words)};
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.DoubleType, DataTypes.DoubleType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.above("too_many_hashes", HASH, maxHash),
                Rules.above("too_many_ellipses", ELLIPSIS, maxEllipsis));
    }
}
