package io.lmforge.filter;

import io.lmforge.corpus.Columns;
import org.apache.spark.sql.Column;

import static org.apache.spark.sql.functions.array_remove;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.trim;

/**
 * The views of a text that several steps measure: words, lines, paragraphs, and the count of
 * CJK characters. {@link FilterStage} computes each once per document as a temporary column.
 *
 * <p>Words: whitespace-separated tokens with leading and trailing punctuation stripped (pure
 * punctuation is not a word, as in Gopher); each Han, hiragana or katakana character is a word of
 * its own, so Chinese and Japanese are measured in characters and never fail a word-count rule
 * for having no spaces. All with built-ins and RAPIDS-compatible regexes.
 */
public final class TextViews {
    static final String WORDS = "_words";
    static final String LINES = "_lines";
    static final String PARAGRAPHS = "_paragraphs";
    static final String CJK_CHARS = "_cjk_chars";

    /** Han (with extension A and compatibility ideographs), hiragana and katakana. */
    public static final String CJK = "[\\x{3040}-\\x{30FF}\\x{3400}-\\x{4DBF}\\x{4E00}-\\x{9FFF}\\x{F900}-\\x{FAFF}]";

    /**
     * Letters of the major scripts, spelled as ranges because Unicode property classes
     * ({@code \p{L}}) are not supported by the RAPIDS regex transpiler.
     */
    public static final String LETTER = "[A-Za-z\\x{00C0}-\\x{00D6}\\x{00D8}-\\x{00F6}\\x{00F8}-\\x{024F}"
            + "\\x{0370}-\\x{03FF}\\x{0400}-\\x{052F}\\x{0531}-\\x{0587}\\x{05D0}-\\x{05EA}\\x{0620}-\\x{064A}"
            + "\\x{0671}-\\x{06D3}\\x{0900}-\\x{0DFF}\\x{0E01}-\\x{0E30}\\x{10A0}-\\x{10FF}\\x{1100}-\\x{11FF}"
            + "\\x{1E00}-\\x{1FFF}\\x{3040}-\\x{30FF}\\x{3400}-\\x{4DBF}\\x{4E00}-\\x{9FFF}\\x{AC00}-\\x{D7AF}"
            + "\\x{F900}-\\x{FAFF}]";

    /** Punctuation stripped from word edges: ASCII, general, CJK and fullwidth. */
    static final String PUNCT = "[" + io.lmforge.clean.CleanStage.ASCII_PUNCT + "\\x{00A1}\\x{00AB}\\x{00BB}\\x{00BF}\\x{2010}-\\x{2027}\\x{2030}-\\x{205E}"
            + "\\x{3000}-\\x{303F}\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF20}]";

    private TextViews() {
    }

    public static Column words() {
        return col(WORDS);
    }

    public static Column lines() {
        return col(LINES);
    }

    public static Column paragraphs() {
        return col(PARAGRAPHS);
    }

    public static Column cjkChars() {
        return col(CJK_CHARS);
    }

    public static Column text() {
        return col(Columns.TEXT);
    }

    static Column wordsOf(Column text) {
        Column spaced = regexp_replace(text, CJK, " $0 ");
        // Two passes where one regex would do: cuDF (the RAPIDS Accelerator) rejects a repetition that
        // can match nothing (P*) inside a choice. The words are the same: either way each
        // white-space-separated token loses its leading and trailing punctuation.
        Column edges = regexp_replace(spaced, "^" + PUNCT + "+|" + PUNCT + "+$", " ");
        Column stripped = regexp_replace(edges, PUNCT + "*\\s+" + PUNCT + "*", " ");
        return array_remove(split(trim(stripped), "\\s+", -1), "");
    }

    static Column linesOf(Column text) {
        return array_remove(transform(split(text, "\\n", -1), l -> trim(l)), "");
    }

    static Column paragraphsOf(Column text) {
        return array_remove(transform(split(text, "\\n[ \\t]*\\n", -1), p -> trim(p)), "");
    }

    static Column cjkCharsOf(Column text) {
        return length(text).minus(length(regexp_replace(text, CJK, "")));
    }

    /** Occurrences of a literal substring, with built-ins only. */
    static Column occurrences(Column text, String needle) {
        return length(text).minus(length(org.apache.spark.sql.functions.replace(text,
                org.apache.spark.sql.functions.lit(needle)))).divide(needle.length()).cast("int");
    }
}
