package io.lmforge.filter;

import io.lmforge.testing.TestData;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hash-table n-gram measures against their definition written plainly (n-grams as lists of
 * word strings in a map), on real text in eleven languages and on texts built to repeat.
 */
class NgramRepetitionTest {

    /** The definition: shares of the words' characters; ties for the top n-gram go to the first to occur. */
    static Double byDefinition(String[] words, int n, boolean top) {
        long total = 0;
        for (String w : words) {
            total += w.length();
        }
        int grams = words.length - n + 1;
        if (total == 0 || grams < 2) {
            return total == 0 ? null : 0.0;
        }
        Map<List<String>, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < grams; i++) {
            counts.merge(Arrays.asList(words).subList(i, i + n), 1, Integer::sum);
        }
        long part = 0;
        if (top) {
            List<String> best = null;
            int bestCount = 1;
            for (Map.Entry<List<String>, Integer> e : counts.entrySet()) {
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (best != null) {
                part = best.stream().mapToLong(String::length).sum() * bestCount;
            }
        } else {
            boolean[] covered = new boolean[words.length];
            for (int i = 0; i < grams; i++) {
                if (counts.get(Arrays.asList(words).subList(i, i + n)) > 1) {
                    Arrays.fill(covered, i, i + n, true);
                }
            }
            for (int i = 0; i < words.length; i++) {
                part += covered[i] ? words[i].length() : 0;
            }
        }
        return Math.round(10_000.0 * part / total) / 10_000.0;
    }

    private static int compare(String text) {
        NgramRepetition.Grams grams = NgramRepetition.Grams.of(Words.of(text));
        String[] words = new String[grams.count()];
        for (int i = 0; i < words.length; i++) {
            words[i] = grams.word(i);
        }
        int compared = 0;
        for (int n = 1; n <= 12; n++) {
            for (boolean top : new boolean[]{true, false}) {
                int size = n;
                assertEquals(byDefinition(words, n, top), NgramRepetition.measure(grams, n, top),
                        () -> "n=" + size + " top=" + top + " of " + WordsTest.escape(text.substring(0, Math.min(80, text.length()))));
                compared++;
            }
        }
        return compared;
    }

    @Test
    void hashTableCountsGiveTheDefinitionsValuesOnRealText() {
        int compared = 0;
        for (String lang : List.of("en", "de", "fr", "es", "it", "pt", "id", "ja", "zh-cn", "zh-tw")) {
            List<String> sections = TestData.debianReference(lang);
            for (int s = 0; s < sections.size(); s += 5) {
                compared += compare(sections.get(s));
            }
        }
        assertTrue(compared > 15_000, compared + " measures");
    }

    @Test
    void tiesRepeatsAndCjkRunsToo() {
        List<String> texts = new ArrayList<>(WordsTest.ADVERSARIAL);
        texts.addAll(List.of("a b a b c d c d", "c d c d a b a b", "xx y xx y z zz z zz", "a a a a a a a",
                "the cat the cat the dog the dog the cat", "\u65E5\u672C\u8A9E \u65E5\u672C\u8A9E\u3002\u65E5\u672C\u8A9E",
                "\u4E2D\u6587\u6587\u672C abc \u4E2D\u6587\u6587\u672C abc \u4E2D\u6587", "one two three four five six one two three four five six seven"));
        for (String t : texts) {
            compare(t);
            compare(t + " " + t + " " + t);
        }
    }

    @Test
    void theSqlEnginesStringsGiveTheSameGramsAsTheScan() {
        for (String lang : List.of("en", "ja", "zh-tw")) {
            String text = TestData.debianReference(lang, 3);
            Words scanned = Words.of(text);
            NgramRepetition.Grams a = NgramRepetition.Grams.of(scanned);
            NgramRepetition.Grams b = NgramRepetition.Grams.of(Words.of(scanned.toStrings()));
            for (int n = 2; n <= 10; n++) {
                assertEquals(NgramRepetition.measure(a, n, true), NgramRepetition.measure(b, n, true));
                assertEquals(NgramRepetition.measure(a, n, false), NgramRepetition.measure(b, n, false));
            }
        }
    }
}
