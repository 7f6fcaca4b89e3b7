package io.lmforge.langid;

import com.github.pemistahl.lingua.api.IsoCode639_1;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code langid} section.
 *
 * @param allow         ISO 639-1 codes of the languages kept
 * @param candidates    the languages the detector chooses among (ISO 639-1), or {@code [all]}:
 *                      Lingua's 75. Fewer candidates load faster, use less memory and confuse
 *                      less; a language outside the set is reported as its closest candidate
 * @param accuracy      {@code low} (trigram models only: a fraction of the memory, as accurate on
 *                      documents of a paragraph or more) or {@code high}
 * @param maxChars      characters read from the start of each document; detection time is linear in it
 * @param minConfidence a document whose best language scores below this is rejected as {@code lang_uncertain}
 * @param code          {@code keep}: source files are not identified and never rejected here;
 *                      {@code detect}: identify them like prose (and apply the allowlist)
 */
public record LangIdSettings(List<String> allow, List<String> candidates, String accuracy, int maxChars,
                             double minConfidence, String code) implements Serializable {


    public static LangIdSettings from(Settings s) {
        List<String> allow = codes(s, "allow", s.strings("allow"));
        List<String> candidates = s.strings("candidates");
        if (!candidates.equals(List.of("all"))) {
            candidates = codes(s, "candidates", candidates);
            for (String a : allow) {
                if (!candidates.contains(a)) {
                    throw new InvalidConfigException(s.name("allow") + " names '" + a + "', which is not in "
                            + s.name("candidates") + ": the detector could never return it");
                }
            }
        }
        String accuracy = s.oneOf("accuracy", s.string("accuracy"), java.util.Set.of("low", "high"));
        int maxChars = s.integer("max-chars");
        if (maxChars < 50) {
            throw new InvalidConfigException(s.name("max-chars") + " = " + maxChars + " is too small (at least 50)");
        }
        double minConfidence = s.inRange("min-confidence", s.decimal("min-confidence"), 0, 1);
        String code = s.oneOf("code", s.string("code"), java.util.Set.of("keep", "detect"));
        s.requireNoUnknownKeys();
        return new LangIdSettings(allow, candidates, accuracy, maxChars, minConfidence, code);
    }

    private static List<String> codes(Settings s, String key, List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            String code = v.toLowerCase(Locale.ROOT);
            try {
                IsoCode639_1 iso = IsoCode639_1.valueOf(code.toUpperCase(Locale.ROOT));
                if (iso == IsoCode639_1.NONE) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException(s.name(key) + " names '" + v
                        + "', which is not an ISO 639-1 code Lingua knows");
            }
            out.add(code);
        }
        return List.copyOf(out);
    }
}
