package io.lmforge.filter;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.internal.SQLConf;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.translate;

/**
 * Spark's {@code lower(x)} spelled as {@code translate} and {@code replace}, for comparing with
 * lower-case strings; the RAPIDS Accelerator runs both on a GPU but keeps its own {@code lower} on
 * the CPU (cuDF's Unicode case tables are not the JVM's). The table is Spark's own mapping (ICU's
 * or the JDK's, as {@code spark.sql.icu.caseMappings.enabled} says), read one code point at a time:
 * 1,400-odd code points that lower to one other, and U+0130 İ, which lowers to i and U+0307 (a
 * replace). Lowering looks at no neighbours but for one rule: a capital sigma that ends a word
 * lowers to ς, elsewhere to σ.
 *
 * <p>{@link #of} maps only what can matter to a comparison with given strings (the targets): the
 * code points that are, or lower to something with, a character of the targets. Where the
 * targets have no σ or ς ({@link #sigmaFree}), the result compares with them as {@code lower(x)}
 * does: {@code lower(x)} and the result are the same pieces, one per code point of {@code x},
 * except pieces that have no character of the targets in either string (a sigma is one). Such a
 * piece cuts every run of target characters in both, so a target is a substring of (or equal to)
 * one exactly when it is of the other. A short table also keeps the GPU's translate cheap: it
 * compares each byte with every entry. The steps keep Spark's {@code lower} for targets with σ or ς.
 */
final class LowerCase {
    private static final int CAPITAL_SIGMA = 0x03A3;
    /** Per ICU flag: Spark's lower case of each code point it changes. */
    private static final Map<Boolean, Map<Integer, String>> CHANGES = new ConcurrentHashMap<>();

    private LowerCase() {
    }

    /**
     * {@code lower(x)} for comparing with {@code targets} (lower case, none with σ or ς); Spark's
     * {@code lower} itself where no table is exact.
     */
    static Column of(Column x, Collection<String> targets) {
        Set<Integer> alphabet = new HashSet<>();
        for (String t : targets) {
            if (!sigmaFree(t) || t.indexOf(CAPITAL_SIGMA) >= 0) {
                throw new IllegalArgumentException("LowerCase compares with strings without sigma, not " + t);
            }
            t.codePoints().forEach(alphabet::add);
        }
        Map<Integer, String> all = changes(icu());
        if (all == null) {
            return org.apache.spark.sql.functions.lower(x);
        }
        Map<Integer, String> some = new TreeMap<>();
        all.forEach((cp, low) -> {
            if (alphabet.contains(cp) || low.codePoints().anyMatch(alphabet::contains)) {
                some.put(cp, low);
            }
        });
        return spelled(x, some);
    }

    /** {@code lower(x)} but a capital sigma always σ: every code point of the table. */
    static Column ofAll(Column x) {
        Map<Integer, String> all = changes(icu());
        return all == null ? org.apache.spark.sql.functions.lower(x) : spelled(x, all);
    }

    private static Column spelled(Column x, Map<Integer, String> changes) {
        StringBuilder from = new StringBuilder();
        StringBuilder to = new StringBuilder();
        List<Map.Entry<Integer, String>> longer = new ArrayList<>();
        changes.forEach((cp, low) -> {
            if (low.codePointCount(0, low.length()) == 1) {
                from.appendCodePoint(cp);
                to.append(low);
            } else {
                longer.add(Map.entry(cp, low));
            }
        });
        Column out = from.isEmpty() ? x : translate(x, from.toString(), to.toString());
        // After translate, which never writes a longer mapping's source (build checks).
        for (Map.Entry<Integer, String> r : longer) {
            out = org.apache.spark.sql.functions.replace(out, lit(new String(Character.toChars(r.getKey()))), lit(r.getValue()));
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

    /** Spark's lower case of each code point it changes (Σ: σ); null where no table is exact. */
    static Map<Integer, String> changes(boolean icu) {
        return contextualLocale() ? null : CHANGES.computeIfAbsent(icu, LowerCase::build);
    }

    /**
     * Whether Spark's lower case looks at neighbours here: both ICU (UCharacter.toLowerCase(String))
     * and the JDK lower with the default locale, and Turkish, Azeri and Lithuanian add rules for
     * I before a combining dot and accents above i, which no per-code-point mapping can follow.
     */
    static boolean contextualLocale() {
        return Set.of("tr", "az", "lt").contains(Locale.getDefault().getLanguage());
    }

    private static String lowerOfOne(int codePoint, boolean icu) {
        return ScannedText.lower(new String(Character.toChars(codePoint)), icu);
    }

    private static Map<Integer, String> build(boolean icu) {
        Map<Integer, String> out = new TreeMap<>();
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
                if (!low.equals(new String(Character.toChars(cp)))) {
                    out.put(cp, low);
                }
            }
        }
        out.put(CAPITAL_SIGMA, lowerOfOne(CAPITAL_SIGMA, icu));
        Set<Integer> written = new HashSet<>();
        out.values().forEach(low -> low.codePoints().forEach(written::add));
        out.forEach((cp, low) -> {
            if (low.codePointCount(0, low.length()) > 1 && written.contains(cp)) {
                throw new IllegalStateException("lower case: U+" + Integer.toHexString(cp) + " is both written and replaced");
            }
        });
        return java.util.Collections.unmodifiableMap(out);
    }
}
