package io.lmforge.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.lmforge.model.nn.DeepSeekModel;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backpropagation through the whole model (attention, RoPE, MoE dispatch, balance loss, label
 * smoothing, ignore index) agrees with central finite differences, in double precision.
 */
class GradientCheckTest {

    @Test
    void gradientsMatchFiniteDifferences() {
        ModelConfig config = TestModels.mini();
        int[][] tokens = TestModels.randomTokens(21, 2, 8, config.vocabSize());
        int[][] targets = TestModels.randomTokens(22, 2, 8, config.vocabSize());
        targets[0][3] = -100;  // ignored position
        LanguageModelLoss loss = new LanguageModelLoss(-100, 0.1);
        Random random = new Random(5);
        double h = 1e-6;

        try (NDManager manager = NDManager.newBaseManager()) {
            DeepSeekModel model = new DeepSeekModel(config).initialize(manager, DataType.FLOAT64, 9);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray in = manager.create(tokens);
            NDArray target = manager.create(targets);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(objective(model, ps, in, target, loss));
            }

            int checked = 0;
            double worst = 0;
            String worstAt = "";
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                NDArray weights = e.getValue().getArray();
                double[] grad = weights.getGradient().toDoubleArray();
                NDArray flat = weights.reshape(-1);
                // Check the coordinate with the largest gradient plus two random ones.
                int[] coords = {argMaxAbs(grad), random.nextInt(grad.length), random.nextInt(grad.length)};
                for (int i : coords) {
                    double original = flat.getDouble(i);
                    flat.set(new NDIndex(i), original + h);
                    double up = value(model, ps, in, target, loss);
                    flat.set(new NDIndex(i), original - h);
                    double down = value(model, ps, in, target, loss);
                    flat.set(new NDIndex(i), original);
                    double numeric = (up - down) / (2 * h);
                    // Relative, with a floor: tiny gradients carry the central difference's round-off (~1e-16·L/h ≈ 1e-9).
                    double error = Math.abs(numeric - grad[i]) / Math.max(1e-3, Math.abs(numeric) + Math.abs(grad[i]));
                    if (error > worst) {
                        worst = error;
                        worstAt = e.getKey() + "[" + i + "]: analytic " + grad[i] + ", numeric " + numeric;
                    }
                    checked++;
                }
            }
            System.out.printf("gradient check: %d coordinates, worst relative error %.3g at %s%n", checked, worst, worstAt);
            assertTrue(checked > 100);
            assertTrue(worst < 1e-5, "worst gradient mismatch " + worst + " at " + worstAt);
        }
    }

    private static NDArray objective(DeepSeekModel model, ParameterStore ps, NDArray in, NDArray target,
                                     LanguageModelLoss loss) {
        NDList out = model.forward(ps, in, null, true);
        return loss.compute(out.get(0), target, out.get(1)).total();
    }

    private static double value(DeepSeekModel model, ParameterStore ps, NDArray in, NDArray target,
                                LanguageModelLoss loss) {
        return objective(model, ps, in, target, loss).getDouble();
    }

    private static int argMaxAbs(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            best = Math.abs(v[i]) > Math.abs(v[best]) ? i : best;
        }
        return best;
    }
}
