package io.lmforge.filter;

import io.lmforge.testing.TestData;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hash-table n-gram measures against their sorting definition, on real text in eleven languages. */
class NgramRepetitionTest {
    @Test
    void hashTableCountsGiveTheSortedDefinitionsValues() {
        int compared = 0;
        for (String lang : List.of("en", "de", "fr", "es", "it", "pt", "id", "ja", "zh-cn", "zh-tw")) {
            List<String> sections = TestData.debianReference(lang);
            for (int s = 0; s < sections.size(); s += 2) {
                NgramRepetition.Hashed hashed = NgramRepetition.Hashed.of(
                        NgramRepetition.toArray(ScannedText.scanWords(sections.get(s))));
                for (int n = 1; n <= 12; n++) {
                    for (boolean top : new boolean[]{true, false}) {
                        assertEquals(NgramRepetition.measureSorted(hashed, n, top), NgramRepetition.measure(hashed, n, top),
                                lang + " section " + s + " n=" + n + " top=" + top);
                        compared++;
                    }
                }
            }
        }
        assertEquals(true, compared > 40_000, compared + " measures");
    }
}
