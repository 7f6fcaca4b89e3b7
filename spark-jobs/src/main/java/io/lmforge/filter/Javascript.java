package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;

import java.util.List;
import java.util.Map;

/**
 * C4 drops every line that mentions "javascript" (cookie and "enable JavaScript" notices). The
 * filter stage rejects documents and does not rewrite text, so this is the document form: a
 * page is rejected when more than {@code max-share} of its lines mention it, i.e. when such
 * notices are most of what it says. A JavaScript tutorial, which C4 would gut, is kept.
 */
record Javascript(double maxShare) implements FilterStep {
    static final String SIGNAL = "javascript_line_share";

    static Javascript from(Settings s) {
        Javascript out = new Javascript(s.decimal("max-share"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "javascript";
    }

    @Override
    public Map<String, Column> signals() {
        return Map.of(SIGNAL, LineShare.matching("[Jj][Aa][Vv][Aa][Ss][Cc][Rr][Ii][Pp][Tt]"));
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.above("javascript_lines", SIGNAL, maxShare));
    }
}
