package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.size;

/**
 * Gopher's repetition of whole lines or paragraphs: the share of units that repeat an earlier
 * one (at most 0.3) and the share of the units' characters in those repeats (at most 0.2).
 * One class, two steps: {@code duplicate-lines} and {@code duplicate-paragraphs}.
 */
record DuplicateUnits(String unit, double maxShare, double maxCharShare) implements FilterStep {

    static DuplicateUnits lines(Settings s) {
        return from("line", s);
    }

    static DuplicateUnits paragraphs(Settings s) {
        return from("paragraph", s);
    }

    private static DuplicateUnits from(String unit, Settings s) {
        DuplicateUnits out = new DuplicateUnits(unit, s.decimal("max-share"), s.decimal("max-char-share"));
        s.requireNoUnknownKeys();
        return out;
    }

    String shareSignal() {
        return "dup_" + unit + "_share";
    }

    String charSignal() {
        return "dup_" + unit + "_char_share";
    }

    @Override
    public String name() {
        return "duplicate-" + unit + "s";
    }

    @Override
    public Map<String, Column> signals() {
        Column units = unit.equals("line") ? TextViews.lines() : TextViews.paragraphs();
        Column distinct = array_distinct(units);
        Map<String, Column> out = new LinkedHashMap<>();
        out.put(shareSignal(), Rules.ratio(size(units).minus(size(distinct)), size(units)));
        // Characters of the (trimmed) units on both sides, so indentation and line breaks,
        // which cleaning keeps, weigh nothing.
        Column chars = length(array_join(units, ""));
        out.put(charSignal(), Rules.ratio(chars.minus(length(array_join(distinct, ""))), chars));
        return out;
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.above("duplicate_" + unit + "s", shareSignal(), maxShare),
                Rules.above("duplicate_" + unit + "_chars", charSignal(), maxCharShare));
    }
}
