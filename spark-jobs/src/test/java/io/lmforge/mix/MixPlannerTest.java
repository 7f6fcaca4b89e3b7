package io.lmforge.mix;

import com.typesafe.config.ConfigFactory;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MixPlannerTest {
    static final int W = 100;   // tokens per sequence

    static MixSettings mix(String hocon) {
        return MixSettings.from(Settings.of(ConfigFactory.parseString(hocon), "lmforge.corpus", "shards.mix"));
    }

    static final Map<String, MixPlanner.Supply> SUPPLY = Map.of(
            "web", new MixPlanner.Supply(800_000, 8000),        // 8000 sequences per pass
            "academic", new MixPlanner.Supply(50_000, 100),     // 500
            "code", new MixPlanner.Supply(150_000, 300),        // 1500
            "wiki", new MixPlanner.Supply(100_000, 200),        // 1000
            "spam", new MixPlanner.Supply(10_000, 10));

    @Test
    void downSamplesAndRepeatsToTheTargetInTokens() {
        MixPlan p = MixPlanner.plan("train", SUPPLY, mix("weights { web = 0.5, academic = 0.05, code = 0.15, wiki = 0.30 }, batch-size = 20"), W, true);
        // Natural size of the included domains: 8000 + 500 + 1500 + 1000 = 11000 sequences.
        assertEquals(11000, p.sequences());
        MixPlan.Domain web = p.domains().get(p.indexOf("web"));
        MixPlan.Domain wiki = p.domains().get(p.indexOf("wiki"));
        MixPlan.Domain academic = p.domains().get(p.indexOf("academic"));
        assertEquals(5500, web.sequences());          // down-sampled: a hash-ordered prefix of one pass
        assertEquals(1, web.epochs());
        assertEquals(3300, wiki.sequences());         // 3.3 passes over 1000
        assertEquals(4, wiki.epochs());
        assertEquals(550, academic.sequences());      // 1.1 passes
        assertEquals(2, academic.epochs());
        assertTrue(p.domains().stream().allMatch(MixPlan.Domain::met));
        assertEquals(java.util.List.of("spam"), p.excluded());
        assertEquals(0.3, p.achieved(wiki), 1e-9);
    }

    @Test
    void aTargetThatNeedsMoreThanMaxEpochsIsCappedAndReported() {
        MixPlan p = MixPlanner.plan("train", SUPPLY, mix("weights { web = 0.5, academic = 0.5 }, max-epochs = 4, batch-size = 10"), W, true);
        // 8500 wanted; academic needs 4250 sequences but has 500 x 4 = 2000.
        MixPlan.Domain academic = p.domains().get(p.indexOf("academic"));
        assertFalse(academic.met());
        assertEquals(2000, academic.sequences());
        assertEquals(6250, p.sequences());
        assertTrue(p.notes().get(0).contains("academic"), p.notes().toString());
        assertTrue(((java.util.List<?>) p.report().get("unmet")).contains("academic"));
    }

    @Test
    void shrinkKeepsTheWeightsExactAndFailStops() {
        MixPlan p = MixPlanner.plan("train", SUPPLY, mix("weights { web = 0.5, academic = 0.5 }, unmet = shrink, batch-size = 10"), W, true);
        assertEquals(4000, p.sequences());
        assertEquals(2000, p.domains().get(p.indexOf("academic")).sequences());
        assertEquals(2000, p.domains().get(p.indexOf("web")).sequences());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> MixPlanner.plan("train", SUPPLY,
                mix("weights { web = 0.5, academic = 0.5 }, unmet = fail"), W, true));
        assertTrue(e.getMessage().contains("academic"), e.getMessage());
    }

    @Test
    void naturalMixtureAndValidationUseEachDocumentOnce() {
        MixPlan natural = MixPlanner.plan("train", SUPPLY, mix("batch-size = 7"), W, true);
        assertEquals(11100 / 7 * 7, natural.sequences());
        assertTrue(natural.notes().get(0).contains("left out"), natural.notes().toString());
        MixPlan val = MixPlanner.plan("val", SUPPLY, mix("weights { web = 0.9, code = 0.1 }, batch-size = 10"), W, false);
        assertEquals(9500, val.sequences());
        assertEquals(8000, val.domains().get(val.indexOf("web")).sequences());
        assertEquals(1, val.domains().get(val.indexOf("code")).epochs());
    }

    @Test
    void totalTokensAndTinySplits() {
        MixPlan p = MixPlanner.plan("train", SUPPLY, mix("weights { web = 1 }, total-tokens = 100000, batch-size = 64"), W, true);
        assertEquals(960, p.sequences());       // 1000 wanted, whole batches of 64
        MixPlan tiny = MixPlanner.plan("val", Map.of("web", new MixPlanner.Supply(350, 2)), mix("batch-size = 64"), W, false);
        assertEquals(3, tiny.sequences());
        assertEquals(3, tiny.blockSize());
        MixPlan none = MixPlanner.plan("val", Map.of("web", new MixPlanner.Supply(50, 1)), mix(""), W, false);
        assertEquals(0, none.sequences());
        assertEquals(0, none.schedule().size());
    }

    @Test
    void badSettingsNameTheKey() {
        assertTrue(assertThrows(InvalidConfigException.class, () -> mix("weights { web = -1 }")).getMessage().contains("shards.mix.weights.web"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> mix("unmet = drop")).getMessage().contains("shards.mix.unmet"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> mix("max-epoch = 3")).getMessage().contains("shards.mix.max-epoch"));
    }
}
