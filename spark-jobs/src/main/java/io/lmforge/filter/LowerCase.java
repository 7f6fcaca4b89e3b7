package io.lmforge.filter;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.internal.SQLConf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.translate;

/**
 * Spark's {@code lower(x)} spelled as {@code translate} and {@code replace}, which the RAPIDS
 * Accelerator runs on a GPU; it keeps its own {@code lower} on the CPU (cuDF's Unicode case tables
 * are not the JVM's). The table is Spark's own mapping (ICU's or the JDK's, as
 * {@code spark.sql.icu.caseMappings.enabled} says), read one code point at a time, so the result
 * is {@code lower(x)} but for one rule that depends on context: a capital sigma at the end of a
 * word lowers to ς, here always to σ (the other 1,400-odd mappings are one code point to one, and
 * U+0130 İ to i + U+0307, a replace).
 *
 * <p>So a step compares this with strings that contain neither σ nor ς ({@link #sigmaFree}): on
 * such a comparison the two are the same. Both strings have the same code points except where
 * {@code x} has Σ, where one has σ and the other σ or ς; a string without either can match
 * neither at such a place, so it is equal to (or in) one exactly when it is equal to (or in) the
 * other. The steps keep Spark's {@code lower} for words with σ or ς (Greek stopwords or markers).
 */
final class LowerCase {
    private static final int CAPITAL_SIGMA = 0x03A3;
    /** Per ICU flag; null where the JDK's mapping depends on context beyond sigma (see below). */
    private static final Map<Boolean, Mapping> MAPPINGS = new ConcurrentHashMap<>();

    /** {@code translate(from, to)} then each {@code replace(longer[i][0], longer[i][1])}. */
    private record Mapping(String from, String to, List<String[]> longer) {
    }

    private LowerCase() {
    }

    /** {@code lower(x)} with a final Σ as σ; Spark's {@code lower} itself where no table is exact. */
    static Column of(Column x) {
        Mapping m = mapping(icu());
        if (m == null) {
            return org.apache.spark.sql.functions.lower(x);
        }
        Column out = translate(x, m.from(), m.to());
        for (String[] r : m.longer()) {
            out = org.apache.spark.sql.functions.replace(out, lit(r[0]), lit(r[1]));
        }
        return out;
    }

    /** Whether {@link #of} and Spark's {@code lower} compare alike with {@code s}. */
    static boolean sigmaFree(String s) {
        return s.indexOf('σ') < 0 && s.indexOf('ς') < 0;
    }

    /** What Spark's {@code Lower} reads when it runs: the session's setting (default true). */
    static boolean icu() {
        return Boolean.parseBoolean(SQLConf.get().getConfString("spark.sql.icu.caseMappings.enabled", "true"));
    }

    /** The code points that {@link #of} changes, each with what it writes (a test reads them). */
    static Map<Integer, String> changes(boolean icu) {
        Mapping m = mapping(icu);
        Map<Integer, String> out = new java.util.TreeMap<>();
        int[] to = m.to().codePoints().toArray();
        int[] from = m.from().codePoints().toArray();
        for (int i = 0; i < from.length; i++) {
            out.put(from[i], new String(Character.toChars(to[i])));
        }
        for (String[] r : m.longer()) {
            out.put(r[0].codePointAt(0), r[1]);
        }
        return out;
    }

    private static String lowerOfOne(int codePoint, boolean icu) {
        return ScannedText.lower(new String(Character.toChars(codePoint)), icu);
    }

    private static Mapping mapping(boolean icu) {
        // The JDK lowers with the default locale: Turkish, Azeri and Lithuanian add rules that look
        // at the neighbours (I before a combining dot, accents above i), which no table can follow.
        if (!icu && Set.of("tr", "az", "lt").contains(Locale.getDefault().getLanguage())) {
            return null;
        }
        return MAPPINGS.computeIfAbsent(icu, LowerCase::build);
    }

    private static Mapping build(boolean icu) {
        StringBuilder from = new StringBuilder();
        StringBuilder to = new StringBuilder();
        List<String[]> longer = new ArrayList<>();
        // Lowering a run of code points lowers each alone (sigma aside), so a run that keeps its
        // length maps position by position; a run with a longer mapping is read one at a time.
        int chunk = 512;
        for (int start = 0; start <= Character.MAX_CODE_POINT; start += chunk) {
            StringBuilder run = new StringBuilder();
            for (int cp = start; cp < start + chunk && cp <= Character.MAX_CODE_POINT; cp++) {
                if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) {
                    run.appendCodePoint(cp == CAPITAL_SIGMA ? 'a' : cp);
                }
            }
            String s = run.toString();
            String lowered = ScannedText.lower(s, icu);
            boolean aligned = lowered.codePointCount(0, lowered.length()) == s.codePointCount(0, s.length());
            for (int i = 0, j = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                String low = aligned ? new String(Character.toChars(lowered.codePointAt(j))) : lowerOfOne(cp, icu);
                i += Character.charCount(cp);
                j += aligned ? low.length() : 0;
                if (low.codePointAt(0) == cp && low.length() == Character.charCount(cp)) {
                    continue;
                }
                if (low.codePointCount(0, low.length()) == 1) {
                    from.appendCodePoint(cp);
                    to.append(low);
                } else {
                    longer.add(new String[]{new String(Character.toChars(cp)), low});
                }
            }
        }
        from.appendCodePoint(CAPITAL_SIGMA);
        to.append(lowerOfOne(CAPITAL_SIGMA, icu));
        String fromText = from.toString();
        for (String[] r : longer) {
            // translate runs first: what it writes must not be a longer mapping's source.
            if (to.indexOf(r[0]) >= 0) {
                throw new IllegalStateException("lower case: " + r[0] + " is both a target and a source");
            }
        }
        return new Mapping(fromText, to.toString(), List.copyOf(longer));
    }
}
