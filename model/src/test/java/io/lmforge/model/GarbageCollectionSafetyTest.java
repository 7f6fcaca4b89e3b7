package io.lmforge.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.model.Scalars;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradients do not depend on when the garbage collector runs. DJL's {@code mul(Number)} frees the
 * constant's Java buffer while autograd still needs it; this test collects garbage and scribbles
 * over freshly allocated direct memory between the forward and the backward pass, which turned
 * every gradient to NaN before the model switched to {@code Scalars}.
 */
class GarbageCollectionSafetyTest {

    @Test
    void gradientsAreTheSameWhenTheGarbageCollectorRunsBeforeBackward() throws InterruptedException {
        ModelConfig config = TestModels.mini();
        int[][] tokens = TestModels.randomTokens(3, 2, 12, config.vocabSize());
        int[][] targets = TestModels.randomTokens(4, 2, 12, config.vocabSize());
        Map<String, float[]> calm = gradients(config, tokens, targets, false);
        Map<String, float[]> stormy = gradients(config, tokens, targets, true);
        // assertArrayEquals takes NaN for equal to NaN, and zeros for equal to zeros: two runs that
        // both lost their gradients would pass the comparison alone.
        assertUsable(calm);
        assertUsable(stormy);
        for (String name : calm.keySet()) {
            assertArrayEquals(calm.get(name), stormy.get(name), name);
        }
    }

    private static void assertUsable(Map<String, float[]> gradients) {
        boolean anyNonZero = false;
        for (Map.Entry<String, float[]> e : gradients.entrySet()) {
            for (float g : e.getValue()) {
                assertTrue(Float.isFinite(g), () -> e.getKey() + " has a non-finite gradient");
                anyNonZero |= g != 0;
            }
        }
        assertTrue(anyNonZero, "every gradient is zero");
    }

    private static Map<String, float[]> gradients(ModelConfig config, int[][] tokens, int[][] targets, boolean collect)
            throws InterruptedException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            DeepSeekModel model = new DeepSeekModel(config).initialize(manager, DataType.FLOAT32, 5);
            if (collect) {
                churn();
            }
            for (Parameter p : model.namedParameters().values()) {
                JniUtils.zeroGrad((PtNDArray) p.getArray());
            }
            try (NDScope scope = new NDScope();
                 GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                scope.suppressNotUsedWarning();
                NDList o = model.forward(new ParameterStore(manager, false), manager.create(tokens), null, true);
                LanguageModelLoss.Value loss = new LanguageModelLoss(-100, 0.1)
                        .compute(o.get(0), manager.create(targets), o.get(1));
                if (collect) {
                    churn();
                }
                collector.backward(Scalars.dividedBy(loss.total(), 2));   // as the trainer scales by 1 / accumulation
            }
            model.namedParameters().forEach((name, p) -> out.put(name, p.getArray().getGradient().toFloatArray()));
        }
        return out;
    }

    /** Frees unreachable direct buffers and hands their memory out again, filled with 0xFF (NaN). */
    private static void churn() throws InterruptedException {
        List<ByteBuffer> scribbles = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(30);
            for (int i = 0; i < 2000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4 + (i % 16) * 4);
                byte[] ones = new byte[b.capacity()];
                Arrays.fill(ones, (byte) 0xFF);
                b.put(ones);
                scribbles.add(b);
            }
        }
        scribbles.clear();
    }
}
