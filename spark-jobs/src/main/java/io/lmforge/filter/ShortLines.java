package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.size;

/**
 * FineWeb: fewer than 67% of lines may be 30 columns or shorter (menus, link lists). Measured in
 * display columns, where an East Asian wide character (Han, kana, Hangul, fullwidth forms) takes
 * two, as in a terminal: a Chinese sentence says in 15 characters what English says in 40, and
 * counted in characters most sayings of the Analects would be "short lines".
 */
record ShortLines(int maxChars, double maxShare) implements FilterStep {
    static final String SIGNAL = "short_line_share";
    /**
     * East Asian Wide and Fullwidth characters (Unicode's EastAsianWidth W and F), as ranges. The
     * ideographic planes 2 and 3 are written as the characters themselves: the RAPIDS regex
     * transpiler takes no {@code \\x{...}} escape above U+FFFF, and Java reads both the same.
     */
    static final String WIDE = "[\\x{1100}-\\x{115F}\\x{2E80}-\\x{303E}\\x{3041}-\\x{33FF}\\x{3400}-\\x{4DBF}"
            + "\\x{4E00}-\\x{9FFF}\\x{A000}-\\x{A4CF}\\x{AC00}-\\x{D7A3}\\x{F900}-\\x{FAFF}\\x{FE10}-\\x{FE19}"
            + "\\x{FE30}-\\x{FE6F}\\x{FF00}-\\x{FF60}\\x{FFE0}-\\x{FFE6}" + Character.toString(0x20000) + "-" + Character.toString(0x3FFFD) + "]";

    static ShortLines from(Settings s) {
        ShortLines out = new ShortLines(s.integer("max-chars"), s.decimal("max-share"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "short-lines";
    }

    /** Display columns of a line: its characters, plus one for each wide character. */
    static Column columns(Column line) {
        return length(line).multiply(2).minus(length(regexp_replace(line, WIDE, "")));
    }

    @Override
    public Map<String, Column> signals() {
        return Map.of(SIGNAL, Rules.ratio(size(filter(TextViews.lines(), l -> columns(l).leq(maxChars))),
                size(TextViews.lines())));
    }

    @Override
    public Object[] measure(ScannedText t) {
        return new Object[]{t.lineShare(l -> {
            int columns = 0;
            for (int i = 0; i < l.length(); ) {
                int c = l.codePointAt(i);
                columns += ScannedText.isWide(c) ? 2 : 1;
                i += Character.charCount(c);
            }
            return columns <= maxChars;
        })};
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.DoubleType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.above("short_lines", SIGNAL, maxShare));
    }
}
