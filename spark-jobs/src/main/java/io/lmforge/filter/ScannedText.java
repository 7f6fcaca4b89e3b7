package io.lmforge.filter;

import org.apache.spark.sql.catalyst.util.CollationAwareUTF8String;
import org.apache.spark.unsafe.types.UTF8String;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code jvm} engine's views of one document ({@link FilterStage}): the same words, lines,
 * paragraphs, CJK count and n-gram words as {@link TextViews}' SQL expressions, each computed at
 * most once per document, on first use, by a hand-written scan of the text instead of regexes
 * and interpreted higher-order functions. Every view reproduces its SQL definition exactly:
 *
 * <ul>
 * <li>words: CJK characters spaced out, punctuation ({@link TextViews#PUNCT}) stripped where it
 * touches whitespace ({@code \s}: space, tab, LF, VT, FF, CR) or the ends of the text, then the
 * non-empty tokens between whitespace runs;</li>
 * <li>lines, paragraphs: split on LF (on LF, blanks, LF), Spark's {@code trim} (spaces only), empty
 * ones dropped;</li>
 * <li>lengths in code points, as Spark's {@code length};</li>
 * <li>lower case as Spark's {@code lower} (ICU's or the JDK's case mapping, as
 * {@code spark.sql.icu.caseMappings.enabled} says).</li>
 * </ul>
 * {@code FilterEnginesTest} runs both engines on real text in eleven languages and requires the
 * same signals and decisions.
 */
final class ScannedText {
    private static final String[] NONE = new String[0];

    final String text;
    private final boolean icuLower;
    private Words words;
    private long wordCodePoints = -1;
    private String[] lines;
    private String[] paragraphs;
    private String lower;
    private NgramRepetition.Grams ngramWords;

    ScannedText(String text, boolean icuLower) {
        this.text = text;
        this.icuLower = icuLower;
    }

    // ---- character classes, as TextViews' regexes spell them -------------------------------

    /** TextViews.CJK: Han (with extension A and compatibility ideographs), hiragana, katakana. */
    static boolean isCjk(char c) {
        return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF)
                || (c >= 0xF900 && c <= 0xFAFF);
    }

    /** Java regex {@code \s} without UNICODE_CHARACTER_CLASS. */
    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /** TextViews.PUNCT. */
    static boolean isPunct(char c) {
        if (c < 0x80) {
            return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
        }
        return c == 0x00A1 || c == 0x00AB || c == 0x00BB || c == 0x00BF || (c >= 0x2010 && c <= 0x2027)
                || (c >= 0x2030 && c <= 0x205E) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF01 && c <= 0xFF0F)
                || (c >= 0xFF1A && c <= 0xFF20);
    }

    /** TextViews.LETTER. */
    static boolean isLetter(char c) {
        if (c < 0x80) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        }
        return (c >= 0x00C0 && c <= 0x00D6) || (c >= 0x00D8 && c <= 0x00F6) || (c >= 0x00F8 && c <= 0x024F)
                || (c >= 0x0370 && c <= 0x03FF) || (c >= 0x0400 && c <= 0x052F) || (c >= 0x0531 && c <= 0x0587)
                || (c >= 0x05D0 && c <= 0x05EA) || (c >= 0x0620 && c <= 0x064A) || (c >= 0x0671 && c <= 0x06D3)
                || (c >= 0x0900 && c <= 0x0DFF) || (c >= 0x0E01 && c <= 0x0E30) || (c >= 0x10A0 && c <= 0x10FF)
                || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x1E00 && c <= 0x1FFF) || (c >= 0x3040 && c <= 0x30FF)
                || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF)
                || (c >= 0xF900 && c <= 0xFAFF);
    }

    /** ShortLines.WIDE, by code point. */
    static boolean isWide(int c) {
        return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF)
                || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF)
                || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE10 && c <= 0xFE19)
                || (c >= 0xFE30 && c <= 0xFE6F) || (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6)
                || (c >= 0x20000 && c <= 0x3FFFD);
    }

    /** What ends a line for Java regex's {@code $} (without UNIX_LINES). */
    static boolean isLineTerminator(char c) {
        return c == '\n' || c == '\r' || c == 0x0085 || c == 0x2028 || c == 0x2029;
    }

    /** Java regex {@code $} (no MULTILINE) at {@code i} of {@code s}: the end, or before a final line terminator. */
    static boolean endAnchor(CharSequence s, int i) {
        int n = s.length();
        if (i == n) {
            return true;
        }
        if (i == n - 1) {
            return isLineTerminator(s.charAt(i));
        }
        return i == n - 2 && s.charAt(i) == '\r' && s.charAt(i + 1) == '\n';
    }

    /** Java regex {@code find} of {@code [set]$} in s: the char before the end anchor is in the set. */
    static boolean endsWithCharIn(String s, String set) {
        int n = s.length();
        for (int i = n; i >= Math.max(0, n - 2); i--) {
            if (i > 0 && endAnchor(s, i) && set.indexOf(s.charAt(i - 1)) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Java regex {@code find} of {@code (literal)$}. */
    static boolean endsWithBeforeAnchor(String s, String literal) {
        int n = s.length();
        for (int i = n; i >= Math.max(0, n - 2); i--) {
            if (endAnchor(s, i) && s.startsWith(literal, i - literal.length())) {
                return true;
            }
        }
        return false;
    }

    // ---- views ---------------------------------------------------------------------------

    /** TextViews.wordsOf, as ranges of one char array. */
    Words words() {
        if (words == null) {
            words = Words.of(text);
        }
        return words;
    }

    /** Code points of all words: length(array_join(words, "")). */
    long wordCodePoints() {
        if (wordCodePoints < 0) {
            wordCodePoints = words().codePoints();
        }
        return wordCodePoints;
    }

    /** TextViews.cjkCharsOf: counted by the word scan, which spaces them out. */
    int cjkChars() {
        return words().cjkChars();
    }

    /** TextViews.linesOf: split on LF, trimmed of spaces, empty ones dropped. */
    String[] lines() {
        if (lines == null) {
            List<String> out = new ArrayList<>();
            int start = 0;
            for (int i = 0; i <= text.length(); i++) {
                if (i == text.length() || text.charAt(i) == '\n') {
                    addTrimmed(text, start, i, out);
                    start = i + 1;
                }
            }
            lines = out.toArray(NONE);
        }
        return lines;
    }

    /** TextViews.paragraphsOf: split on {@code \n[ \t]*\n}, trimmed of spaces, empty ones dropped. */
    String[] paragraphs() {
        if (paragraphs == null) {
            List<String> out = new ArrayList<>();
            int start = 0;
            int n = text.length();
            int i = 0;
            while (i < n) {
                if (text.charAt(i) == '\n') {
                    int k = i + 1;
                    while (k < n && (text.charAt(k) == ' ' || text.charAt(k) == '\t')) {
                        k++;
                    }
                    if (k < n && text.charAt(k) == '\n') {
                        addTrimmed(text, start, i, out);
                        start = k + 1;
                        i = k + 1;
                        continue;
                    }
                }
                i++;
            }
            addTrimmed(text, start, n, out);
            paragraphs = out.toArray(NONE);
        }
        return paragraphs;
    }

    /** Spark's trim: spaces (U+0020) only. */
    private static void addTrimmed(String s, int start, int end, List<String> out) {
        while (start < end && s.charAt(start) == ' ') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == ' ') {
            end--;
        }
        if (end > start) {
            out.add(s.substring(start, end));
        }
    }

    boolean icuLower() {
        return icuLower;
    }

    /** Spark's {@code lower(text)}. */
    String lower() {
        if (lower == null) {
            lower = lower(text, icuLower);
        }
        return lower;
    }

    /**
     * {@code lower(text).contains(needle)} for a lower-case ASCII needle, without lower-casing the
     * text: in the root locale the only characters beyond ASCII whose lower case has ASCII in it
     * are U+0130 (to {@code i} and a combining dot) and the Kelvin sign (to {@code k})
     * ({@code WordsTest} checks every code point with both case mappings), so elsewhere an ASCII
     * match ignoring case is the same test. Texts with either, and the locales whose case mapping
     * of {@code I} differs (Spark maps by the default locale), take the full {@code lower}.
     */
    boolean lowerContains(String needle) {
        if (text.indexOf('\u0130') >= 0 || text.indexOf('\u212A') >= 0 || LowerCase.contextualLocale()) {
            return lower().contains(needle);
        }
        char first = needle.charAt(0);
        char upper = first >= 'a' && first <= 'z' ? (char) (first - 32) : first;
        return asciiMatchFrom(needle, first) || (upper != first && asciiMatchFrom(needle, upper));
    }

    /** Whether the needle, ignoring ASCII case, starts at an occurrence of {@code first} (found by the vectorized indexOf). */
    private boolean asciiMatchFrom(String needle, char first) {
        int m = needle.length();
        for (int i = text.indexOf(first); i >= 0 && i + m <= text.length(); i = text.indexOf(first, i + 1)) {
            int k = 1;
            while (k < m && asciiLower(text.charAt(i + k)) == needle.charAt(k)) {
                k++;
            }
            if (k == m) {
                return true;
            }
        }
        return false;
    }

    private static char asciiLower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    /** Spark's {@code lower} of one string: ASCII directly, the rest as Spark maps it. */
    static String lower(String s, boolean icu) {
        boolean ascii = true;
        boolean upper = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                ascii = false;
                break;
            }
            upper |= c >= 'A' && c <= 'Z';
        }
        if (ascii) {
            if (!upper) {
                return s;
            }
            char[] out = s.toCharArray();
            for (int i = 0; i < out.length; i++) {
                if (out[i] >= 'A' && out[i] <= 'Z') {
                    out[i] += 32;
                }
            }
            return new String(out);
        }
        if (s.length() > 24) {
            UTF8String u = UTF8String.fromString(s);
            return (icu ? CollationAwareUTF8String.toLowerCase(u) : u.toLowerCase()).toString();
        }
        // Words repeat: a per-thread cache of the mapping (bounded, cleared when full).
        java.util.Map<String, String> cache = icu ? ICU_LOWER.get() : JDK_LOWER.get();
        String out = cache.get(s);
        if (out == null) {
            UTF8String u = UTF8String.fromString(s);
            out = (icu ? CollationAwareUTF8String.toLowerCase(u) : u.toLowerCase()).toString();
            if (cache.size() >= 50_000) {
                cache.clear();
            }
            cache.put(s, out);
        }
        return out;
    }

    private static final ThreadLocal<java.util.Map<String, String>> ICU_LOWER = ThreadLocal.withInitial(java.util.HashMap::new);
    private static final ThreadLocal<java.util.Map<String, String>> JDK_LOWER = ThreadLocal.withInitial(java.util.HashMap::new);

    /** The words with CJK runs segmented and hashed, shared by the two n-gram steps. */
    NgramRepetition.Grams ngramWords() {
        if (ngramWords == null) {
            ngramWords = NgramRepetition.Grams.of(words());
        }
        return ngramWords;
    }

    // ---- helpers the steps use ----------------------------------------------------------------

    static int codePoints(String s) {
        return s.codePointCount(0, s.length());
    }

    /** Rules.ratio: round(try_divide(a, b), 4). */
    static Double ratio(double a, double b) {
        if (b == 0) {
            return null;
        }
        return round4(a / b);
    }

    /** Spark's {@code round(x, 4)} on a double (HALF_UP on its decimal string). */
    static Double round4(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return d;
        }
        return java.math.BigDecimal.valueOf(d).setScale(4, java.math.RoundingMode.HALF_UP).doubleValue();
    }

    /** Non-overlapping occurrences of a literal, as TextViews.occurrences counts them. */
    static int occurrences(String s, String needle) {
        if (needle.length() == 1) {
            char c = needle.charAt(0);
            int n = 0;
            for (int i = s.indexOf(c); i >= 0; i = s.indexOf(c, i + 1)) {
                n++;
            }
            return n;
        }
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    /** The share of lines passing a test, as LineShare.matching. */
    Double lineShare(java.util.function.Predicate<String> test) {
        String[] ls = lines();
        int n = 0;
        for (String l : ls) {
            if (test.test(l)) {
                n++;
            }
        }
        return ratio(n, ls.length);
    }

}
