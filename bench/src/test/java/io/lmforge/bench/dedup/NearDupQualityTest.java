package io.lmforge.bench.dedup;

import io.lmforge.dedup.DedupSettings;
import io.lmforge.dedup.DedupStage;
import io.lmforge.bench.dedup.RealText.Doc;
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
 * planted at known word 5-gram Jaccard similarity: the goals (recall at least 0.95 at
 * J >= 0.8, precision at least 0.99) on a quarter of the benchmark's set. The full-size figures,
 * and MinHashLSH's beside them, come from {@code lmforge bench dedup}.
 */
class NearDupQualityTest {
    @TempDir
    static Path dir;
    static NearDupSet set;
    static NearDupSet.Score score;
    static Map<String, String> removals;
    static DedupStage smallScale;
    static Map<String, Object> smallScaleReport;

    @BeforeAll
    static void dedupTheLabelledSet() {
        Path deb = RealText.root(testdata());
        List<Doc> originals = new ArrayList<>(RealText.kernelEnglish(deb, 360, 1));
        originals.addAll(RealText.kernelChinese(deb, 80, 2));
        Collections.shuffle(originals, new Random(3));
        originals.addAll(RealText.pythonPages(deb, 80));
        set = NearDupSet.build(originals, 336, 4);
        smallScale = new DedupStage(DedupSettings.defaults());
        Evaluation.Run run = Evaluation.run(smallScale,
                Evaluation.corpus(SparkTestSession.get(), set.docs(), dir.resolve("corpus").toString()),
                dir.resolve("out").toString(), "quality");
        removals = run.removals();
        smallScaleReport = run.report();
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
    void editedCopiesAtJaccardPoint8OrMoreAreFoundWhateverTheEdit() {
        // The recall goal, and every kind of edit: scattered words (the document SimHash
        // finds most), and blocks of new or missing text (the shared segments find them).
        assertTrue(score.recall() >= 0.95, score.summary());
        for (String kind : NearDupSet.KINDS) {
            assertTrue(score.recallByKind().get(kind) >= 0.9, kind + ": " + score.recallByKind());
        }
    }

    @Test
    void copiesBelowTheJaccardThresholdStay() {
        // Verification by estimated Jaccard >= 0.7: pairs planted at 0.6 and 0.5 are candidates
        // (they share segments) but not duplicates; 0.7 sits on the threshold.
        Map<String, Double> r = score.recallByLevel();
        assertTrue(r.get("0.60") <= 0.05 && r.get("0.50") <= 0.05, r.toString());
        assertTrue(r.get("0.70") > 0.2 && r.get("0.70") < 0.8, r.toString());
    }

    @Test
    void distinctDocumentsAreAlmostNeverRemoved() {
        assertTrue(score.precision() >= 0.99, score.summary() + "\n" + String.join("\n", set.wrongRemovals(removals, 5)));
    }

    @Test
    void theDistributedPathsDecideAsTheSmallScaleOnes() {
        // No broadcast allowed: the representatives counted, candidate pairs made distinct by a
        // shuffle, sketches joined, cluster keepers by a shuffle, the marks written and read back
        // and the removals counted by their own job. The same removals must come out, counted alike.
        DedupStage distributedStage = new DedupStage(DedupSettings.defaults(), 0);
        Evaluation.Run distributed = Evaluation.run(distributedStage,
                Evaluation.corpus(SparkTestSession.get(), set.docs(), dir.resolve("corpus-distributed").toString()),
                dir.resolve("out-distributed").toString(), "quality");
        assertEquals(removals, distributed.removals());
        Map<String, Object> small = smallScaleReport;
        Map<String, Object> large = distributed.report();
        assertTrue(Files.exists(dir.resolve("out-distributed/_work/dedup/decisions")), "the distributed path writes its marks");
        assertTrue(Files.notExists(dir.resolve("out/_work/dedup/decisions")), "the small-scale path collects its marks");
        for (String kind : List.of(DedupStage.EXACT, DedupStage.NEAR, DedupStage.SUPERSEDED)) {
            assertEquals(small.get(kind), large.get(kind), kind);
        }
        assertEquals(removals.size(), (long) small.get(DedupStage.EXACT) + (long) small.get(DedupStage.NEAR));
    }

    @Test
    void pagesThatShareOnlyBoilerplateAllStay() {
        long pagesRemoved = removals.entrySet().stream()
                .filter(e -> e.getKey().startsWith("py") && e.getValue().startsWith("py") && !e.getKey().contains("~"))
                .count();
        assertEquals(0, pagesRemoved, removals.toString());
    }
}
