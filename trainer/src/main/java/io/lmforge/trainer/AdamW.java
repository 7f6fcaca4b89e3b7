package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter) with decoupled weight decay, its moments keyed by parameter name
 * so they can be saved and restored exactly. DJL's own Adam keeps its moments in private maps
 * keyed by random ids, so a resumed run could not get them back.
 *
 * <pre>
 *   m ← β₁ m + (1 − β₁) g          v ← β₂ v + (1 − β₂) g²
 *   w ← w − η λ w                  (decay: matrices only, not norm gains or biases)
 *   w ← w − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * </pre>
 */
public final class AdamW {

    /** β₁, β₂, ε and the decoupled weight decay λ. */
    public record Hyper(double beta1, double beta2, double eps, double weightDecay) implements java.io.Serializable {
        public static final Hyper DEFAULT = new Hyper(0.9, 0.95, 1e-8, 0.1);
    }

    private final Hyper hyper;
    private final Map<String, NDArray> firstMoment = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoment = new LinkedHashMap<>();
    private long step;

    public AdamW(Hyper hyper, Map<String, Parameter> parameters, NDManager manager) {
        this.hyper = hyper;
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            NDArray w = e.getValue().getArray();
            firstMoment.put(e.getKey(), manager.zeros(w.getShape(), w.getDataType(), w.getDevice()));
            secondMoment.put(e.getKey(), manager.zeros(w.getShape(), w.getDataType(), w.getDevice()));
        }
    }

    /** Updates completed so far (t in the bias corrections). */
    public long step() {
        return step;
    }

    /** Whether weight decay applies: matrices yes; norm gains (1-D) no. The model has no biases. */
    public static boolean decays(NDArray weight) {
        return weight.getShape().dimension() >= 2;
    }

    /** One update of every parameter from its current gradient, at learning rate {@code lr}. */
    public void update(Map<String, Parameter> parameters, double lr) {
        step++;
        double b1 = hyper.beta1();
        double b2 = hyper.beta2();
        double correction1 = 1 - Math.pow(b1, step);
        double correction2 = 1 - Math.pow(b2, step);
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray w = e.getValue().getArray();
                NDArray g = w.getGradient();
                NDArray m = moment(firstMoment, e.getKey());
                NDArray v = moment(secondMoment, e.getKey());
                m.muli(b1).addi(g.mul(1 - b1));
                v.muli(b2).addi(g.square().muli(1 - b2));
                if (hyper.weightDecay() > 0 && decays(w)) {
                    w.muli(1 - lr * hyper.weightDecay());
                }
                NDArray denominator = v.div(correction2).sqrt().addi(hyper.eps());
                w.subi(m.div(denominator).muli(lr / correction1));
            }
        }
    }

    /** The state to checkpoint: {@code exp_avg.NAME} and {@code exp_avg_sq.NAME} (names as PyTorch's AdamW). */
    public NDList state() {
        NDList out = new NDList();
        for (String name : firstMoment.keySet()) {
            NDArray m = firstMoment.get(name);
            m.setName("exp_avg." + name);
            NDArray v = secondMoment.get(name);
            v.setName("exp_avg_sq." + name);
            out.add(m);
            out.add(v);
        }
        return out;
    }

    /** Restores moments saved by {@link #state()} and the step count, copying into the live arrays. */
    public void load(NDList saved, long savedStep) {
        Map<String, NDArray> byName = new LinkedHashMap<>();
        for (NDArray a : saved) {
            byName.put(a.getName(), a);
        }
        for (String name : firstMoment.keySet()) {
            copy(byName, "exp_avg." + name, firstMoment.get(name));
            copy(byName, "exp_avg_sq." + name, secondMoment.get(name));
        }
        this.step = savedStep;
    }

    private static void copy(Map<String, NDArray> saved, String name, NDArray into) {
        NDArray from = saved.get(name);
        if (from == null) {
            throw new IllegalStateException("optimizer state has no " + name);
        }
        Tensors.copyInto(from, into, name);
    }

    private static NDArray moment(Map<String, NDArray> moments, String name) {
        NDArray m = moments.get(name);
        if (m == null) {
            throw new IllegalStateException("no optimizer state for parameter " + name);
        }
        return m;
    }
}
