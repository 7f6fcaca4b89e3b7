package io.lmforge.clean;

import io.lmforge.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CleanStage#blank} is {@code t IS NULL OR t RLIKE '^\s*$'} written so that the RAPIDS
 * Accelerator runs it and so that an ordinary text is decided at its first character: both must
 * agree on every string of white space, line terminators and letters up to four characters long.
 */
class BlankTextTest {

    private static final char[] ALPHABET = {' ', '\t', '\n', '\u000B', '\f', '\r', '\u0085', '\u2028', '\u2029', 'a', '\u00e9', '\u4e2d'};

    @Test
    void blankIsTheAnchoredRegexOnEveryShortString() {
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create((String) null));
        List<String> strings = new ArrayList<>(List.of(""));
        for (int length = 1; length <= 4; length++) {
            List<String> longer = new ArrayList<>();
            for (String s : strings) {
                if (s.length() == length - 1) {
                    for (char c : ALPHABET) {
                        longer.add(s + c);
                    }
                }
            }
            strings.addAll(longer);
        }
        strings.add("  a long text with a word in it \n\n");
        strings.add(" ".repeat(10_000) + "\u2029");
        for (String s : strings) {
            rows.add(RowFactory.create(s));
        }
        StructType schema = new StructType().add("t", DataTypes.StringType);
        List<Row> out = SparkTestSession.get().createDataFrame(rows, schema)
                .select(col("t"), CleanStage.blank(col("t")).as("blank"),
                        col("t").isNull().or(col("t").rlike("^\\s*$")).as("regex"))
                .collectAsList();
        int blank = 0;
        for (Row r : out) {
            assertEquals(r.getBoolean(2), r.getBoolean(1), () -> "blank(" + escaped(r.getString(0)) + ")");
            blank += r.getBoolean(1) ? 1 : 0;
        }
        assertEquals(rows.size(), out.size());
        // Both sides of the question are there: blank texts (white space, one final terminator) and not.
        assertTrue(blank > 1_000 && blank < out.size() - 10_000, "blank " + blank + " of " + out.size());
    }

    private static String escaped(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        s.chars().forEach(c -> b.append(String.format("\\u%04x", c)));
        return b.toString();
    }
}
