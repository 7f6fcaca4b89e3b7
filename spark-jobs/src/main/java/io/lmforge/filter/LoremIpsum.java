package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.lower;

/** C4: a page where "lorem ipsum" appears is placeholder text. */
record LoremIpsum() implements FilterStep {
    static final String SIGNAL = "has_lorem_ipsum";

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
        return Map.of(SIGNAL, lower(TextViews.text()).contains("lorem ipsum"));
    }

    @Override
    public Object[] measure(ScannedText t) {
        return new Object[]{t.lowerContains("lorem ipsum")};
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
