package io.lmforge.dedup;

import io.lmforge.dedup.RealText.Doc;
import io.lmforge.testing.SparkTestSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dedup quality on a small labelled set from real text (kernel documentation in English and
 * Chinese, Python documentation pages with their shared boilerplate), with edited copies
 * planted at known word 5-gram Jaccard similarity. The full-size figures, and MinHashLSH's
 * beside them, come from {@code lmforge bench dedup}; this test holds the behaviour in place.
 */
class NearDupQualityTest {
    @TempDir
    static Path dir;
    static NearDupSet set;
    static NearDupSet.Score score;
    static Map<String, String> removals;

    @BeforeAll
    static void dedupTheLabelledSet() {
        Path deb = RealText.root(testdata());
        List<Doc> originals = new ArrayList<>(RealText.kernelEnglish(deb, 360, 1));
        originals.addAll(RealText.kernelChinese(deb, 80, 2));
        Collections.shuffle(originals, new Random(3));
        originals.addAll(RealText.pythonPages(deb, 80));
        set = NearDupSet.build(originals, 336, 4);
        removals = Evaluation.removals(new DedupStage(DedupSettings.defaults()),
                Evaluation.corpus(SparkTestSession.get(), set.docs(), dir.resolve("corpus").toString()),
                dir.resolve("out").toString(), "quality");
        score = set.score(removals);
        System.out.println("dedup quality: " + score.summary() + "; by level " + score.recallByLevel()
                + "; by kind " + score.recallByKind());
    }

    /** The repository root's .cache/testdata, found from Surefire's working directory. */
    static Path testdata() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("bin/fetch-test-data"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("repository root not found from " + Path.of("").toAbsolutePath());
        }
        return p.resolve(".cache/testdata");
    }

    @Test
    void theSetHasPairsAtEveryLevelAndKind() {
        assertEquals(NearDupSet.LEVELS.length, score.recallByLevel().size());
        assertEquals(NearDupSet.KINDS.length, score.recallByKind().size());
        assertTrue(score.positives() >= 150, "pairs at J >= 0.8: " + score.positives());
    }

    @Test
    void scatteredWordEditsAreFoundMostOften() {
        // SimHash over word counts moves least when a few words in many places change, and most
        // when a block of new text comes in or goes out.
        Map<String, Double> r = score.recallByKind();
        assertTrue(r.get("scatter") >= 0.65, r.toString());
        for (String kind : List.of("block", "append", "truncate")) {
            assertTrue(r.get("scatter") > r.get(kind), r.toString());
        }
    }

    @Test
    void recallFallsWithSimilarityAsSimHashPredicts() {
        Map<String, Double> r = score.recallByLevel();
        assertTrue(r.get("0.95") >= 0.5, r.toString());
        assertTrue(r.get("0.95") > r.get("0.80"), r.toString());
        assertTrue(r.get("0.80") > r.get("0.50"), r.toString());
        assertTrue(score.recall() >= 0.3, score.summary());
    }

    @Test
    void distinctDocumentsAreAlmostNeverRemoved() {
        assertTrue(score.precision() >= 0.99, score.summary() + "\n" + String.join("\n", set.wrongRemovals(removals, 5)));
    }

    @Test
    void pagesThatShareOnlyBoilerplateAllStay() {
        long pagesRemoved = removals.entrySet().stream()
                .filter(e -> e.getKey().startsWith("py") && e.getValue().startsWith("py") && !e.getKey().contains("~"))
                .count();
        assertEquals(0, pagesRemoved, removals.toString());
    }
}
