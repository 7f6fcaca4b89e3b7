package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;

import java.util.List;
import java.util.Map;

/** FineWeb: fewer than 67% of lines may be 30 characters or shorter (menus, link lists). */
record ShortLines(int maxChars, double maxShare) implements FilterStep {
    static final String SIGNAL = "short_line_share";

    static ShortLines from(Settings s) {
        ShortLines out = new ShortLines(s.integer("max-chars", 30), s.decimal("max-share", 0.67));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "short-lines";
    }

    @Override
    public Map<String, Column> signals() {
        return Map.of(SIGNAL, LineShare.matching("^.{1," + maxChars + "}$"));
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.above("short_lines", SIGNAL, maxShare));
    }
}
