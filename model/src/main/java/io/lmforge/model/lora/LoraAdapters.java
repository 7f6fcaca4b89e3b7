package io.lmforge.model.lora;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import io.lmforge.model.Scalars;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.model.nn.Projection;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's LoRA adapters: one {@link LoraProjection} per projection that holds a target, attached
 * to it, with parameters named after the projection ({@code layers.0.attn.wqkv.lora_A.q},
 * {@code layers.0.attn.wqkv.lora_B.q}, ...). The model's own parameters are frozen (no gradient),
 * so an optimizer over {@link #parameters()} trains the adapters alone.
 */
public final class LoraAdapters {
    private final LoraConfig config;
    private final Map<String, Projection> projections;
    private final Map<String, LoraProjection> adapters;
    private final Map<String, Parameter> parameters;

    private LoraAdapters(LoraConfig config, Map<String, Projection> projections, Map<String, LoraProjection> adapters) {
        this.config = config;
        this.projections = projections;
        this.adapters = adapters;
        Map<String, Parameter> named = new LinkedHashMap<>();
        adapters.forEach((path, adapter) -> {
            for (Pair<String, Parameter> p : adapter.getDirectParameters()) {
                named.put(path + "." + p.getKey(), p.getValue());
            }
        });
        this.parameters = Collections.unmodifiableMap(named);
    }

    /**
     * Freezes {@code model}'s parameters, creates its adapters (A from the engine's generator seeded
     * with {@code seed}, B zero) with a zero gradient each, and attaches them.
     */
    public static LoraAdapters attach(DeepSeekModel model, LoraConfig config, NDManager manager, DataType dataType,
                                      long seed) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("LoRA rank must be at least 1: " + config.rank());
        }
        model.freezeParameters(true);
        Map<String, Projection> projections = new LinkedHashMap<>();
        findProjections(model, "", projections);
        Map<String, Parameter> weights = model.namedParameters();
        Map<String, LoraProjection> adapters = new LinkedHashMap<>();
        Map<String, Projection> adapted = new LinkedHashMap<>();
        projections.forEach((path, projection) -> {
            List<String> segments = ProjectionLayout.SEGMENTS.get(path.substring(path.lastIndexOf('.') + 1));
            if (segments == null) {
                return;
            }
            Shape shape = weights.get(path + ".weight").getShape();
            LoraProjection adapter = new LoraProjection(shape.get(1), shape.get(0), segments, config);
            if (adapter.adaptsAnything()) {
                adapters.put(path, adapter);
                adapted.put(path, projection);
            }
        });
        Engine.getInstance().setRandomSeed((int) seed);
        for (LoraProjection a : adapters.values()) {
            a.initialize(manager, dataType, new Shape(1, 1));
        }
        LoraAdapters lora = new LoraAdapters(config, adapted, adapters);
        lora.materializeGradients();
        adapted.forEach((path, projection) -> projection.attach(adapters.get(path)));
        return lora;
    }

    /** Gives every adapter parameter a zero gradient: an unchosen expert's adapter gets none from a step. */
    private void materializeGradients() {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray zero = null;
            for (Parameter p : parameters.values()) {
                NDArray term = Scalars.times(p.getArray().sum(), 0);
                zero = zero == null ? term : zero.add(term);
            }
            collector.backward(zero);
        }
    }

    private static void findProjections(Block block, String prefix, Map<String, Projection> out) {
        for (Pair<String, Block> child : block.getChildren()) {
            // As DeepSeekModel.namedParameters: AbstractBlock prefixes child names with their position.
            String name = prefix + child.getKey().replaceFirst("^\\d+", "");
            if (child.getValue() instanceof Projection p) {
                out.put(name, p);
            } else {
                findProjections(child.getValue(), name + ".", out);
            }
        }
    }

    public LoraConfig config() {
        return config;
    }

    /** The adapter parameters by name: what a LoRA run trains and its checkpoints hold. */
    public Map<String, Parameter> parameters() {
        return parameters;
    }

    /** Scalars in the adapters (A and B of every adapted projection). */
    public long parameterCount() {
        return parameters.values().stream().mapToLong(p -> p.getShape().size()).sum();
    }

    /** Removes the adapters from the model's projections; the model computes as the base again. */
    public void detach() {
        projections.values().forEach(p -> p.attach(null));
    }

    /**
     * Folds the adapters into the model's weights, W ← W + (alpha/r) · B A, and detaches them: the
     * model then computes what base plus adapters computed, with no extra cost per token.
     */
    public void merge(DeepSeekModel model) {
        Map<String, Parameter> weights = model.namedParameters();
        detach();
        adapters.forEach((path, adapter) -> adapter.mergeInto(weights.get(path + ".weight").getArray()));
    }
}
