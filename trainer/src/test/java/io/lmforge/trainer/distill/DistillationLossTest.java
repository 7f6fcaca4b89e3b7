package io.lmforge.trainer.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The distillation term against the formula written out in doubles. */
class DistillationLossTest {
    private static final int B = 2;
    private static final int T = 3;
    private static final int V = 5;
    private static final int IGNORE = -100;

    @Test
    void klSumIsTheTeachersKlToTheStudentAtTemperatureOverScoredPositions() {
        Random random = new Random(3);
        float[] student = logits(random);
        float[] teacher = logits(random);
        int[] targets = {1, 4, IGNORE, 0, 2, 3};
        double temperature = 2.0;
        try (NDManager m = NDManager.newBaseManager()) {
            DistillationLoss loss = new DistillationLoss(0.3, temperature, IGNORE);
            double kl = loss.klSum(array(m, student), array(m, teacher), m.create(targets, new Shape(B, T))).getFloat();

            double expected = 0;
            for (int position = 0; position < B * T; position++) {
                if (targets[position] == IGNORE) {
                    continue;
                }
                double[] p = softmax(teacher, position, temperature);
                double[] q = softmax(student, position, temperature);
                for (int v = 0; v < V; v++) {
                    expected += p[v] * Math.log(p[v] / q[v]);
                }
            }
            assertEquals(expected, kl, 1e-5 * Math.max(1, expected));
            assertEquals(true, expected > 0.01, "different logits, so a clearly positive KL: " + expected);

            NDArray ce = m.create(1.7f);
            NDArray klArray = m.create((float) expected);
            assertEquals(0.7 * 1.7 + 0.3 * 4 * expected, loss.blend(ce, klArray).getFloat(), 1e-5);
            assertEquals(0.7 * 1.7 + 0.3 * 4 * expected, loss.blend(1.7, expected), 1e-12);
        }
    }

    @Test
    void alphaZeroIsThePlainCrossEntropyAndAnIdenticalTeacherGivesZero() {
        Random random = new Random(5);
        float[] same = logits(random);
        try (NDManager m = NDManager.newBaseManager()) {
            DistillationLoss loss = new DistillationLoss(0, 2.0, IGNORE);
            NDArray targets = m.create(new int[]{1, 2, 3, 4, 0, 1}, new Shape(B, T));
            NDArray kl = loss.klSum(array(m, same), array(m, same), targets);
            assertEquals(0, kl.getFloat(), 1e-6);
            NDArray ce = m.create(2.25f);
            assertEquals(2.25f, loss.blend(ce, m.create(0.9f)).getFloat());
        }
    }

    private static float[] logits(Random random) {
        float[] out = new float[B * T * V];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (random.nextGaussian() * 2);
        }
        return out;
    }

    private static NDArray array(NDManager m, float[] values) {
        return m.create(values, new Shape(B, T, V));
    }

    private static double[] softmax(float[] logits, int position, double temperature) {
        double[] out = new double[V];
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < V; v++) {
            max = Math.max(max, logits[position * V + v] / temperature);
        }
        double sum = 0;
        for (int v = 0; v < V; v++) {
            out[v] = Math.exp(logits[position * V + v] / temperature - max);
            sum += out[v];
        }
        for (int v = 0; v < V; v++) {
            out[v] /= sum;
        }
        return out;
    }
}
