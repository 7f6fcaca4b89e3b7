package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.lmforge.model.ModelConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cached pass's routed experts with the tokens as columns give what the per-expert path gives. */
class DeepSeekMoeColumnsTest {

    @Test
    void columnsGiveThePerExpertOutputsForAnyNumberOfTokens() {
        JniUtils.setGradMode(false);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            DeepSeekMoe moe = new DeepSeekMoe(32, new ModelConfig.Moe(8, 2, 1, 12, 1, 0.01, true), 0.2);
            moe.initialize(manager, DataType.FLOAT32, new Shape(1, 32));
            ParameterStore ps = new ParameterStore(manager, false);
            int columnsTaken = 0;
            // 1-3 tokens: about one per expert (per-expert path); 6-24: a few each (columns);
            // 40: more than MOST_COLUMNS for some experts (their W13 through linear).
            for (int n : new int[]{1, 2, 3, 6, 9, 16, 24, 40}) {
                NDArray x = manager.randomNormal(new Shape(n, 32));
                DeepSeekMoe.Output perExpert = moe.forward(ps, x, false, false);
                DeepSeekMoe.Output cached = moe.forwardCached(ps, x);
                assertArrayEquals(perExpert.expertCounts(), cached.expertCounts(), n + " tokens");
                assertArrayEquals(perExpert.hidden().toFloatArray(), cached.hidden().toFloatArray(), 1e-5f, n + " tokens");
                columnsTaken += DeepSeekMoe.fewPerExpert(cached.expertCounts()) ? 1 : 0;
            }
            assertTrue(columnsTaken >= 3, "the columns path ran for " + columnsTaken + " of the token counts");
        }
    }

    @Test
    void columnsWhereExpertsGetTwoTokensOrMoreOnAverage() {
        assertFalse(DeepSeekMoe.fewPerExpert(new int[]{1, 1, 0, 0}), "one token per expert: a single row's step");
        assertFalse(DeepSeekMoe.fewPerExpert(new int[]{1, 2, 1, 0}));
        assertTrue(DeepSeekMoe.fewPerExpert(new int[]{2, 3, 0, 1}));
        assertTrue(DeepSeekMoe.fewPerExpert(new int[]{DeepSeekMoe.MOST_COLUMNS + 5, 2, 2, 0}), "a joiner's block");
    }
}
