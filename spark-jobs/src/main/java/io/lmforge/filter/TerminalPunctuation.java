package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;

import java.util.List;
import java.util.Map;

/**
 * C4 keeps only lines that end in terminal punctuation; FineWeb turned that into a document
 * rule: at least 12% of lines must end in it. Chinese and Japanese full stops and closing
 * quotes count too (fullwidth {@code ！？} are ASCII after NFKC).
 */
record TerminalPunctuation(double minShare) implements FilterStep {
    static final String SIGNAL = "terminal_punct_line_share";

    static TerminalPunctuation from(Settings s) {
        TerminalPunctuation out = new TerminalPunctuation(s.decimal("min-share"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "terminal-punct";
    }

    @Override
    public Map<String, Column> signals() {
        return Map.of(SIGNAL, LineShare.matching("[.!?\"'\\x{201D}\\x{2019}\\x{3002}\\x{FF01}\\x{FF1F}\\x{300D}\\x{300F}]$"));
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("no_terminal_punct", SIGNAL, minShare));
    }
}
