package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.transform;

/**
 * StarCoder's code rules: a source file with a line over 1,000 characters, or a mean line over
 * 100, is data or minified output rather than code a person wrote.
 */
record CodeLineLength(int maxLine, double maxMean) implements FilterStep {
    static final String MAX = "code_max_line_length";
    static final String MEAN = "code_mean_line_length";

    static CodeLineLength from(Settings s) {
        CodeLineLength out = new CodeLineLength(s.integer("max-line"), s.decimal("max-mean"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "code-line-length";
    }

    @Override
    public Target target() {
        return Target.CODE;
    }

    @Override
    public Map<String, Column> signals() {
        Column lines = split(TextViews.text(), "\\n", -1);
        Map<String, Column> out = new LinkedHashMap<>();
        out.put(MAX, array_max(transform(lines, l -> length(l))));
        out.put(MEAN, Rules.ratio(length(TextViews.text()).minus(size(lines)).plus(1), size(lines)));
        return out;
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.above("code_long_line", MAX, maxLine), Rules.above("code_long_mean_line", MEAN, maxMean));
    }
}
