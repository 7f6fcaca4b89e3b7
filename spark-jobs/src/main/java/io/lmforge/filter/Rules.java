package io.lmforge.filter;

import org.apache.spark.sql.Column;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

/** Builders for the common rule shapes, so every detail reads "signal=value, limit". */
final class Rules {
    private Rules() {
    }

    /** Rejects when the signal is below {@code min}. */
    static FilterStep.Rule below(String reason, String signal, double min) {
        return new FilterStep.Rule(reason, col(signal).lt(min),
                detail(signal, " < min " + trim(min)));
    }

    /** Rejects when the signal is above {@code max}. */
    static FilterStep.Rule above(String reason, String signal, double max) {
        return new FilterStep.Rule(reason, col(signal).gt(max),
                detail(signal, " > max " + trim(max)));
    }

    /**
     * "signal=value" and the limit, as {@code format_string("%s=%s ...")} wrote it (a number's
     * {@code %s} and its cast to string are the same text), but with a concat the RAPIDS
     * Accelerator runs on a GPU. Only read where the rule fails, so the value is never null there.
     */
    private static Column detail(String signal, String limit) {
        return concat(lit(signal + "="), col(signal).cast("string"), lit(limit));
    }

    /** Rejects when a boolean signal is true. */
    static FilterStep.Rule whenTrue(String reason, String signal) {
        return new FilterStep.Rule(reason, col(signal), lit(signal + "=true"));
    }

    /**
     * {@code round(try_divide(a, b), 4)}: {@code a / b} as a double rounded to 4 places, null when
     * {@code b} is 0 (ANSI mode throws on /0). Written so the RAPIDS Accelerator runs it on a GPU,
     * with the same result: it has no try_divide, so this divides by null instead of 0; its double
     * round may differ from Spark's, which rounds the double's shortest decimal form half up, so
     * this rounds that decimal form (a cast to decimal reads the same form) and reads it back.
     * Scale 18 holds every digit of a ratio of 4 places or more, and 20 integer digits any count.
     */
    static Column ratio(Column a, Column b) {
        Column divisor = b.cast("double");
        Column quotient = a.cast("double").divide(when(divisor.notEqual(0), divisor));
        return org.apache.spark.sql.functions.round(quotient.cast("decimal(38,18)"), 4).cast("double");
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

    static String trim(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
