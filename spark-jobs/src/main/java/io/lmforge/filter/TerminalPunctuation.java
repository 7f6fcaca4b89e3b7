package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Map;

/**
 * C4 keeps only lines that end in terminal punctuation; FineWeb turned that into a document
 * rule: at least 12% of lines must end in it. Chinese and Japanese full stops and closing
 * quotes count too (fullwidth {@code ！？} are ASCII after NFKC).
 */
record TerminalPunctuation(double minShare) implements FilterStep {
    static final String SIGNAL = "terminal_punct_line_share";

    /** The signal's character class, for the {@code jvm} engine. */
    static final String TERMINAL = ".!?\"'\u201D\u2019\u3002\uFF01\uFF1F\u300D\u300F";

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
    public Object[] measure(ScannedText t) {
        return new Object[]{t.lineShare(l -> ScannedText.endsWithCharIn(l, TERMINAL))};
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.DoubleType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("no_terminal_punct", SIGNAL, minShare));
    }
}
