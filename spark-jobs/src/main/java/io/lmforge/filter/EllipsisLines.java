package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;

import java.util.List;
import java.util.Map;

/** Gopher: at most 30% of lines may end in an ellipsis ({@code ...} or {@code …}). */
record EllipsisLines(double maxShare) implements FilterStep {
    static final String SIGNAL = "ellipsis_line_share";

    static EllipsisLines from(Settings s) {
        EllipsisLines out = new EllipsisLines(s.decimal("max-share"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "ellipsis-lines";
    }

    @Override
    public Map<String, Column> signals() {
        return Map.of(SIGNAL, LineShare.matching("(\\.\\.\\.|\\x{2026})$"));
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.above("ellipsis_lines", SIGNAL, maxShare));
    }
}
