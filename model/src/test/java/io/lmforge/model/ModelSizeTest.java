package io.lmforge.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.lmforge.model.nn.DeepSeekModel;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSizeTest {

    @Test
    void countsMatchTheInstantiatedModel() {
        for (ModelConfig c : new ModelConfig[]{TestModels.mini(), ModelConfig.preset("tiny"),
                new ModelConfig("dense", 61, 24, 2, 2, 36, 32, 500, 1e-6, 0.2, false, ModelConfig.Moe.none())}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                DeepSeekModel model = new DeepSeekModel(c).initialize(manager, DataType.FLOAT32, 1);
                long total = 0;
                long oneExpert = 0;
                for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                    long n = e.getValue().getArray().size();
                    total += n;
                    oneExpert += e.getKey().startsWith("layers." + c.moe().firstDenseLayers() + ".moe.experts.0.") ? n : 0;
                }
                ModelSize size = ModelSize.of(c);
                assertEquals(total, size.total(), c.name() + " total");
                long skipped = (long) c.moeLayers() * (c.moe().routedExperts() - c.moe().topK()) * oneExpert;
                assertEquals(total - skipped, size.active(), c.name() + " active");
            }
        }
    }

    @Test
    void tinyIsAFewMillionAndSmallAboutAHundredMillion() {
        long tiny = ModelSize.of(ModelConfig.preset("tiny")).total();
        long small = ModelSize.of(ModelConfig.preset("small")).total();
        assertTrue(tiny > 2_000_000 && tiny < 15_000_000, "tiny: " + tiny);
        assertTrue(small > 80_000_000 && small < 130_000_000, "small: " + small);
    }

    @Test
    void sevenBillionPresetMatchesAHandCount() {
        ModelConfig c = ModelConfig.preset("7b");
        long d = 4096;
        long layer = 4 * d * d + 3 * d * 11_008 + 2 * d;
        long expected = 2 * 52_000 * d + 32 * layer + d;
        ModelSize size = ModelSize.of(c);
        assertEquals(expected, size.total());
        assertEquals(6_902_255_616L, size.total());
        assertEquals(size.total(), size.active(), "dense: every parameter is active");
        double forward = 2.0 * (expected - 52_000 * d) + 4.0 * 32 * 2048 * d;
        assertEquals(forward, size.forwardFlopsPerToken(2048), 1);
        assertEquals(3 * forward, size.trainingFlopsPerToken(2048), 1);
    }

    @Test
    void moeActivatesOnlyTopKExperts() {
        ModelSize size = ModelSize.of(ModelConfig.preset("7b-moe"));
        assertTrue(size.active() < size.total() / 2, size.describe(2048));
        // 2 shared + top-2 experts of width 11,008/4: a token's FFN compute equals the dense 7B's.
        ModelSize dense = ModelSize.of(ModelConfig.preset("7b"));
        double ratio = size.forwardFlopsPerToken(2048) / dense.forwardFlopsPerToken(2048);
        assertEquals(1.0, ratio, 0.01);
    }
}
