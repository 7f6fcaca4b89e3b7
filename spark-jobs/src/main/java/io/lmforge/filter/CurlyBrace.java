package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;

import java.util.List;
import java.util.Map;

/**
 * C4: a prose page with a curly brace is usually code or a template. Source code documents never
 * meet this rule (code rules apply to them instead).
 */
record CurlyBrace() implements FilterStep {
    static final String SIGNAL = "has_curly_brace";

    static CurlyBrace from(Settings s) {
        s.requireNoUnknownKeys();
        return new CurlyBrace();
    }

    @Override
    public String name() {
        return "curly-brace";
    }

    @Override
    public Map<String, Column> signals() {
        return Map.of(SIGNAL, TextViews.text().contains("{"));
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.whenTrue("curly_brace", SIGNAL));
    }
}
