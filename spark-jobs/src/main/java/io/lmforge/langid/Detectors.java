package io.lmforge.langid;

import com.github.pemistahl.lingua.api.IsoCode639_1;
import com.github.pemistahl.lingua.api.Language;
import com.github.pemistahl.lingua.api.LanguageDetector;
import com.github.pemistahl.lingua.api.LanguageDetectorBuilder;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Lingua detector per executor JVM and configuration: building one loads its language
 * models (seconds, and hundreds of MB in high-accuracy mode), so tasks share it. Lingua's
 * detector is thread-safe.
 */
final class Detectors {
    private static final Map<LangIdSettings, LanguageDetector> CACHE = new ConcurrentHashMap<>();

    private Detectors() {
    }

    static LanguageDetector get(LangIdSettings s) {
        return CACHE.computeIfAbsent(s, Detectors::build);
    }

    private static LanguageDetector build(LangIdSettings s) {
        LanguageDetectorBuilder b = s.candidates().equals(java.util.List.of("all"))
                ? LanguageDetectorBuilder.fromAllLanguages()
                : LanguageDetectorBuilder.fromIsoCodes639_1(s.candidates().stream()
                .map(c -> IsoCode639_1.valueOf(c.toUpperCase(Locale.ROOT))).toArray(IsoCode639_1[]::new));
        if (s.accuracy().equals("low")) {
            b = b.withLowAccuracyMode();
        }
        return b.withPreloadedLanguageModels().build();
    }

    /** The best language and its confidence, or null when Lingua finds none (digits, symbols). */
    static Object[] detect(LangIdSettings s, String text) {
        String sample = text.length() > s.maxChars() ? text.substring(0, s.maxChars()) : text;
        SortedMap<Language, Double> values = get(s).computeLanguageConfidenceValues(sample);
        if (values.isEmpty()) {
            return null;
        }
        Map.Entry<Language, Double> best = values.entrySet().iterator().next();
        if (best.getKey() == Language.UNKNOWN) {
            return null;
        }
        // Lingua 1.2 scales its values so the best language scores 1.0 and the others a ratio of
        // log-likelihoods below it; the margin to the runner-up is the confidence: 0 is a tie.
        Iterator<Double> scores = values.values().iterator();
        scores.next();
        double confidence = 1.0 - (scores.hasNext() ? scores.next() : 0.0);
        return new Object[]{best.getKey().getIsoCode639_1().name().toLowerCase(Locale.ROOT),
                Math.round(confidence * 10_000) / 10_000.0};
    }
}
