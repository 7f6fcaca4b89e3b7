package io.lmforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.lmforge.model.nn.DeepSeekModel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Small configs and helpers shared by the model tests. */
final class TestModels {
    private TestModels() {
    }

    /** Three layers (one dense, two MoE with 8 experts, top 2, one shared), untied head. */
    static ModelConfig mini() {
        return new ModelConfig("mini", 97, 32, 3, 4, 40, 64, 10_000, 1e-5, 0.2, false,
                new ModelConfig.Moe(8, 2, 1, 12, 1, 0.01, false));
    }

    static Map<String, double[]> weights(DeepSeekModel model) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            out.put(e.getKey(), e.getValue().getArray().toType(DataType.FLOAT64, false).toDoubleArray());
        }
        return out;
    }

    static int[][] randomTokens(long seed, int batch, int length, int vocab) {
        Random r = new Random(seed);
        int[][] t = new int[batch][length];
        for (int[] row : t) {
            for (int i = 0; i < length; i++) {
                row[i] = r.nextInt(vocab);
            }
        }
        return t;
    }

    static NDArray array(NDManager manager, int[][] values) {
        return manager.create(values);
    }
}
