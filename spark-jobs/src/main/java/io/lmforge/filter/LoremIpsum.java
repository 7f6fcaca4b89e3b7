package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Map;

/** C4: a page where "lorem ipsum" appears is placeholder text. */
record LoremIpsum() implements FilterStep {
    static final String SIGNAL = "has_lorem_ipsum";
    private static final String NEEDLE = "lorem ipsum";

    static LoremIpsum from(Settings s) {
        s.requireNoUnknownKeys();
        return new LoremIpsum();
    }

    @Override
    public String name() {
        return "lorem-ipsum";
    }

    @Override
    public Map<String, Column> signals() {
        // The needle has no σ or ς: LowerCase finds it where lower does (and runs on the GPU).
        return Map.of(SIGNAL, LowerCase.of(TextViews.text(), List.of(NEEDLE)).contains(NEEDLE));
    }

    @Override
    public Object[] measure(ScannedText t) {
        return new Object[]{t.lowerContains(NEEDLE)};
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.BooleanType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.whenTrue("lorem_ipsum", SIGNAL));
    }
}
