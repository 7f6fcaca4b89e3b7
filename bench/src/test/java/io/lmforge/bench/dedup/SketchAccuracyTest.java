package io.lmforge.bench.dedup;

import io.lmforge.dedup.DedupSettings;
import io.lmforge.dedup.Fingerprinter;
import io.lmforge.dedup.MinHashSketch;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The stage's MinHash sketch against the exact word 5-gram Jaccard that the labelled set uses. */
class SketchAccuracyTest {
    private static final String[] VOCABULARY = ("the kernel schedules each task on a core while the cake bakes "
            + "slowly and the train leaves the station before the garden wakes under rain").split(" ");

    @Test
    void theSketchEstimatesWord5GramJaccard() {
        Fingerprinter fingerprinter = DedupSettings.defaults().fingerprinter();
        String text = prose(6, 800);
        fingerprinter.fingerprint(text);
        byte[] a = fingerprinter.sketch();
        String edited = text.substring(0, text.length() * 85 / 100);
        fingerprinter.fingerprint(edited);
        double truth = NearDupSet.jaccard(NearDupSet.shingles(text), NearDupSet.shingles(edited));
        double estimate = MinHashSketch.jaccard(a, fingerprinter.sketch(), 128);
        assertEquals(truth, estimate, 4 * Math.sqrt(truth * (1 - truth) / 128), "truth " + truth);
    }

    private static String prose(long seed, int words) {
        Random random = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(VOCABULARY[random.nextInt(VOCABULARY.length)]).append(i % 17 == 16 ? ".\n" : " ");
        }
        return sb.toString();
    }
}
