package io.lmforge.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** AdamW, global-norm clipping and the schedule against hand-computed values. */
class OptimizerTest {

    @Test
    void adamWMatchesTheFormulaAndSkipsDecayOnVectors() {
        double lr = 0.01;
        AdamW.Hyper h = new AdamW.Hyper(0.9, 0.95, 1e-8, 0.1);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, Parameter> params = params(m);
            AdamW adam = new AdamW(h, params, m);
            double[] w = {0.5, -1.0, 2.0, 0.25};       // matrix (2, 2)
            double[] gain = {1.0, 1.5};                 // vector (2)
            double[] mw = new double[4], vw = new double[4], mg = new double[2], vg = new double[2];
            for (int t = 1; t <= 3; t++) {
                // loss = sum(W ∘ W · t) + sum(g · t): dW = 2 t W, dg = t
                backward(params, t);
                double[] gw = new double[4];
                for (int i = 0; i < 4; i++) {
                    gw[i] = 2 * t * w[i];
                }
                double[] gg = {t, t};
                adam.update(params, lr);
                reference(w, gw, mw, vw, t, lr, h, true);
                reference(gain, gg, mg, vg, t, lr, h, false);
                ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) params.get("w").getArray());
                ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) params.get("g").getArray());
            }
            assertArrayEquals(w, toDouble(params.get("w").getArray()), 1e-6);
            assertArrayEquals(gain, toDouble(params.get("g").getArray()), 1e-6);
            assertEquals(3, adam.step());

            // Saved state restores exactly into a fresh optimizer.
            NDList state = adam.state();
            AdamW again = new AdamW(h, params, m);
            again.load(state, adam.step());
            assertEquals(List.of("exp_avg.w", "exp_avg_sq.w", "exp_avg.g", "exp_avg_sq.g"),
                    again.state().stream().map(NDArray::getName).toList());
            assertArrayEquals(state.get(1).toFloatArray(), again.state().get(1).toFloatArray());
        }
    }

    private static void reference(double[] w, double[] g, double[] m, double[] v, int t, double lr, AdamW.Hyper h,
                                  boolean decay) {
        for (int i = 0; i < w.length; i++) {
            m[i] = h.beta1() * m[i] + (1 - h.beta1()) * g[i];
            v[i] = h.beta2() * v[i] + (1 - h.beta2()) * g[i] * g[i];
            if (decay) {
                w[i] -= lr * h.weightDecay() * w[i];
            }
            double mHat = m[i] / (1 - Math.pow(h.beta1(), t));
            double vHat = v[i] / (1 - Math.pow(h.beta2(), t));
            w[i] -= lr * mHat / (Math.sqrt(vHat) + h.eps());
        }
    }

    @Test
    void clippingScalesToTheGlobalNorm() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[]{3, 0});
            NDArray b = m.create(new float[]{0, 4, 0});
            double norm = GradientClipping.clipGlobalNorm(List.of(a, b), 1.0);
            assertEquals(5.0, norm, 1e-6);
            assertArrayEquals(new float[]{0.6f, 0}, a.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[]{0, 0.8f, 0}, b.toFloatArray(), 1e-6f);
            assertEquals(1.0, GradientClipping.clipGlobalNorm(List.of(a, b), 2.0), 1e-6);
            assertArrayEquals(new float[]{0.6f, 0}, a.toFloatArray(), 1e-6f, "under the limit: unchanged");
            NDArray nan = m.create(new float[]{Float.NaN});
            assertEquals(Double.NaN, GradientClipping.clipGlobalNorm(List.of(a, nan), 1.0));
        }
    }

    @Test
    void scheduleWarmsUpLinearlyThenDecaysByCosineToTheFloor() {
        LearningRateSchedule s = new LearningRateSchedule(3e-4, 1e-6, 10, 100);
        assertEquals(3e-5, s.at(0), 1e-9);
        assertEquals(1.5e-4, s.at(4), 1e-9);
        assertEquals(3e-4, s.at(9), 1e-9, "peak at the end of warmup");
        assertEquals(1e-6 + (3e-4 - 1e-6) / 2, s.at(59), 1e-8, "half way down the cosine");
        assertEquals(1e-6, s.at(109), 1e-9);
        assertEquals(1e-6, s.at(5000), 1e-9, "the floor after decay");
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1e-4, 1e-3, 0, 10));
    }

    @Test
    void earlyStoppingWaitsForPatience() {
        EarlyStopping e = new EarlyStopping(2, 0.01);
        assertEquals(false, e.observe(1, 3.0));
        assertEquals(false, e.observe(2, 2.5));
        assertEquals(false, e.observe(3, 2.495), "within min-delta: no improvement");
        assertEquals(true, e.observe(4, 2.6));
        assertEquals(2, e.bestStep());
        assertEquals(false, new EarlyStopping(0, 0).observe(1, 1), "patience 0: never stops");
    }

    private static Map<String, Parameter> params(NDManager m) {
        Map<String, Parameter> p = new LinkedHashMap<>();
        p.put("w", param(m, "w", new float[]{0.5f, -1.0f, 2.0f, 0.25f}, new Shape(2, 2)));
        p.put("g", param(m, "g", new float[]{1.0f, 1.5f}, new Shape(2)));
        return p;
    }

    private static Parameter param(NDManager m, String name, float[] values, Shape shape) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optArray(m.create(values, shape)).build();
        p.getArray().setRequiresGradient(true);
        return p;
    }

    private static void backward(Map<String, Parameter> params, int t) {
        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            NDArray w = params.get("w").getArray();
            NDArray g = params.get("g").getArray();
            c.backward(w.mul(w).sum().mul(t).add(g.sum().mul(t)));
        }
    }

    private static double[] toDouble(NDArray a) {
        float[] f = a.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
