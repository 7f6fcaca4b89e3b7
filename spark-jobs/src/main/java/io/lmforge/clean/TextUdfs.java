package io.lmforge.clean;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.jsoup.parser.Parser;

import java.text.Normalizer;

import static org.apache.spark.sql.functions.udf;

/**
 * The two cleaning rules Spark SQL has no built-in for. Both are Java UDFs, so the RAPIDS
 * Accelerator runs them on the CPU; {@link CleanStage} calls them only on rows that need them
 * (non-ASCII text, text with an entity-like sequence), which on English web text is a minority.
 */
final class TextUdfs {
    /** NFKC: Unicode's compatibility composition, from the JDK (no SQL function exists). */
    private static final UserDefinedFunction NFKC = udf(
            (org.apache.spark.sql.api.java.UDF1<String, String>) TextUdfs::nfkc, DataTypes.StringType);

    /**
     * Every HTML5 named entity (2,000+) and numeric references, decoded by jsoup; a SQL
     * {@code replace} chain could only cover a handful, and none can turn {@code &#NNN;} into a character.
     */
    private static final UserDefinedFunction UNESCAPE = udf(
            (org.apache.spark.sql.api.java.UDF1<String, String>) TextUdfs::unescape, DataTypes.StringType);

    private TextUdfs() {
    }

    static Column nfkc(Column text) {
        return NFKC.apply(text);
    }

    static Column unescapeEntities(Column text) {
        return UNESCAPE.apply(text);
    }

    static String nfkc(String s) {
        return s == null ? null : Normalizer.normalize(s, Normalizer.Form.NFKC);
    }

    static String unescape(String s) {
        return s == null ? null : Parser.unescapeEntities(s, false);
    }
}
