package io.lmforge.filter;

import org.apache.spark.sql.Column;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.try_divide;

/** Builders for the common rule shapes, so every detail reads "signal=value, limit". */
final class Rules {
    private Rules() {
    }

    /** Rejects when the signal is below {@code min}. */
    static FilterStep.Rule below(String reason, String signal, double min) {
        return new FilterStep.Rule(reason, col(signal).lt(min),
                format_string("%s=%s < min %s", lit(signal), col(signal), lit(trim(min))));
    }

    /** Rejects when the signal is above {@code max}. */
    static FilterStep.Rule above(String reason, String signal, double max) {
        return new FilterStep.Rule(reason, col(signal).gt(max),
                format_string("%s=%s > max %s", lit(signal), col(signal), lit(trim(max))));
    }

    /** Rejects when a boolean signal is true. */
    static FilterStep.Rule whenTrue(String reason, String signal) {
        return new FilterStep.Rule(reason, col(signal), lit(signal + "=true"));
    }

    /** {@code a / b} as a double rounded to 4 places, null when {@code b} is 0 (ANSI mode throws on /0). */
    static Column ratio(Column a, Column b) {
        return org.apache.spark.sql.functions.round(try_divide(a.cast("double"), b.cast("double")), 4);
    }

    /** A regex matching {@code s} literally, escaped char by char ({@code \\Q..\\E} is not RAPIDS-compatible). */
    static String literal(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if ("\\^$.|?*+()[]{}-".indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    private static String trim(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
