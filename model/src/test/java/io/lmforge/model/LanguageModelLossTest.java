package io.lmforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LanguageModelLossTest {
    private static final float[][][] LOGITS = {{{2.0f, 0.5f, -1.0f, 0.0f}, {0.1f, 0.2f, 0.3f, 0.4f}, {-2f, 3f, 1f, 0f}}};
    private static final int[][] TARGETS = {{0, 3, -100}};

    @Test
    void crossEntropySkipsIgnoredTargets() {
        double expected = (nll(LOGITS[0][0], 0) + nll(LOGITS[0][1], 3)) / 2;
        assertEquals(expected, value(new LanguageModelLoss(-100, 0), null), 1e-6);
    }

    @Test
    void labelSmoothingMixesInTheUniformTarget() {
        double eps = 0.1;
        double expected = 0;
        for (int t = 0; t < 2; t++) {
            double uniform = 0;
            for (int v = 0; v < 4; v++) {
                uniform += nll(LOGITS[0][t], v) / 4;
            }
            expected += (1 - eps) * nll(LOGITS[0][t], TARGETS[0][t]) + eps * uniform;
        }
        assertEquals(expected / 2, value(new LanguageModelLoss(-100, eps), null), 1e-6);
    }

    @Test
    void balanceLossIsAdded() {
        try (NDManager m = NDManager.newBaseManager()) {
            double plain = value(new LanguageModelLoss(-100, 0), null);
            double with = value(new LanguageModelLoss(-100, 0), m.create(0.25f));
            assertEquals(plain + 0.25, with, 1e-6);
        }
    }

    @Test
    void ignoreIndexCanBeAPaddingTokenId() {
        try (NDManager m = NDManager.newBaseManager()) {
            int[][] targets = {{0, 3, 2}};
            LanguageModelLoss loss = new LanguageModelLoss(2, 0);
            double[][] perSequence = loss.perSequence(logits(m), m.create(targets));
            assertArrayEquals(new double[]{nll(LOGITS[0][0], 0) + nll(LOGITS[0][1], 3)}, perSequence[0], 1e-5);
            assertArrayEquals(new double[]{2}, perSequence[1]);
        }
    }

    private static double value(LanguageModelLoss loss, NDArray balance) {
        try (NDManager m = NDManager.newBaseManager()) {
            return loss.compute(logits(m), m.create(TARGETS), balance).total().getFloat();
        }
    }

    private static NDArray logits(NDManager m) {
        return m.create(LOGITS[0]).expandDims(0);
    }

    private static double nll(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double z = 0;
        for (float l : logits) {
            z += Math.exp(l - max);
        }
        return -(logits[target] - max - Math.log(z));
    }
}
