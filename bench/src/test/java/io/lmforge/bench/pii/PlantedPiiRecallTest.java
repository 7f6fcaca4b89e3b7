package io.lmforge.bench.pii;

import io.lmforge.pii.PiiMasker;
import io.lmforge.testing.TestData;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Recall of the masker on real text with planted values of every kind (the set `bench pii` uses). */
class PlantedPiiRecallTest {
    @Test
    void recallOnRealTextWithPlantedValuesOfEveryKind() {
        List<String> carriers = TestData.debianReference("zh-cn").subList(10, 60);
        carriers.addAll(TestData.debianReference("en").subList(10, 60));
        List<PlantedPii.Doc> docs = PlantedPii.plant(carriers, 8, new Random(11));
        int planted = 0;
        PiiMasker masker = PiiMasker.all();
        int found = 0;
        for (PlantedPii.Doc d : docs) {
            String masked = masker.mask(d.text()).text();
            for (PlantedPii.Planted p : d.planted()) {
                planted++;
                found += masked.contains(p.value()) ? 0 : 1;
            }
        }
        assertEquals(800, planted);
        assertTrue(found >= 0.99 * planted, found + " of " + planted);
    }

    /** The masker's prefilters and candidate regions change nothing: the same masks as the masker without them. */
    @Test
    void sameMasksAsTheMaskerWithoutPrefiltersOnThePlantedSet() {
        List<String> carriers = TestData.debianReference("zh-cn");
        carriers.addAll(TestData.debianReference("en"));
        PiiMasker masker = PiiMasker.all();
        io.lmforge.pii.ReferencePiiMasker reference = io.lmforge.pii.ReferencePiiMasker.all();
        int docs = 0;
        for (PlantedPii.Doc d : PlantedPii.plant(carriers, 8, new Random(7))) {
            PiiMasker.Result got = masker.mask(d.text());
            io.lmforge.pii.ReferencePiiMasker.Result want = reference.mask(d.text());
            assertEquals(want.text(), got.text());
            assertEquals(want.counts(), got.counts());
            docs++;
        }
        assertTrue(docs >= 800, docs + " documents");
    }

}
