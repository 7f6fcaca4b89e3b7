package io.lmforge.trainer.freeze;

import ai.djl.nn.Parameter;
import io.lmforge.config.InvalidConfigException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The parameters a {@link FreezeSpec} fixes, by name, in a model whose parameters are listed
 * bottom-up (embedding, layers 0..L-1, final norm, head), as {@code DeepSeekModel.namedParameters()} lists them.
 *
 * @param frozen           names of the frozen parameter tensors, bottom-up
 * @param frozenParameters scalars in them
 * @param totalParameters  scalars in the whole model
 */
public record ParameterFreeze(FreezeSpec spec, Set<String> frozen, long frozenParameters, long totalParameters) {
    private static final String EMBEDDING = "embed.";

    public ParameterFreeze {
        frozen = Collections.unmodifiableSet(new LinkedHashSet<>(frozen));
    }

    /** Nothing frozen. */
    public static ParameterFreeze none(Map<String, Parameter> parameters) {
        return new ParameterFreeze(FreezeSpec.NONE, Set.of(), 0, count(parameters, parameters.keySet()));
    }

    /**
     * @param layerCount the model's decoder layers ({@code layers:N} may not ask for more)
     * @throws InvalidConfigException when the spec asks for more layers than there are, or would freeze everything
     */
    public static ParameterFreeze select(FreezeSpec spec, Map<String, Parameter> parameters, int layerCount) {
        if (!spec.freezes()) {
            return none(parameters);
        }
        if (spec.layers() > layerCount) {
            throw new InvalidConfigException("freeze = \"" + spec.text() + "\": the model has only " + layerCount
                    + " layers");
        }
        long total = count(parameters, parameters.keySet());
        Set<String> frozen = new LinkedHashSet<>();
        long frozenCount = 0;
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            String name = e.getKey();
            boolean freeze = spec.fraction() > 0 ? frozenCount < spec.fraction() * total
                    : (spec.embeddings() && name.startsWith(EMBEDDING)) || layerIndex(name) < spec.layers();
            if (freeze) {
                frozen.add(name);
                frozenCount += e.getValue().getArray().size();
            }
        }
        if (frozen.size() == parameters.size()) {
            throw new InvalidConfigException("freeze = \"" + spec.text() + "\" freezes every parameter: nothing would "
                    + "train (the top tensor alone is " + share(lastTensorSize(parameters), total) + " of the model)");
        }
        return new ParameterFreeze(spec, frozen, frozenCount, total);
    }

    public boolean isFrozen(String name) {
        return frozen.contains(name);
    }

    public long trainableParameters() {
        return totalParameters - frozenParameters;
    }

    /** The parameters that train, in their order. */
    public Map<String, Parameter> trainable(Map<String, Parameter> parameters) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        parameters.forEach((name, p) -> {
            if (!frozen.contains(name)) {
                out.put(name, p);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /** For the metrics log's {@code freeze} event. */
    public Map<String, Object> details() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("spec", spec.text());
        d.put("trainable_parameters", trainableParameters());
        d.put("frozen_parameters", frozenParameters);
        d.put("total_parameters", totalParameters);
        d.put("frozen_tensors", frozen.size());
        return d;
    }

    /** One line for the console. */
    public String describe() {
        return String.format("freeze %s: training %,d of %,d parameters (%s), %,d frozen in %d tensors",
                spec.text(), trainableParameters(), totalParameters, share(trainableParameters(), totalParameters),
                frozenParameters, frozen.size());
    }

    /** The layer a parameter belongs to ({@code layers.3.attn...} is 3); MAX_VALUE for the others. */
    static int layerIndex(String name) {
        if (!name.startsWith("layers.")) {
            return Integer.MAX_VALUE;
        }
        int end = name.indexOf('.', "layers.".length());
        return Integer.parseInt(name.substring("layers.".length(), end));
    }

    private static long lastTensorSize(Map<String, Parameter> parameters) {
        Parameter last = null;
        for (Parameter p : parameters.values()) {
            last = p;
        }
        return last == null ? 0 : last.getArray().size();
    }

    private static long count(Map<String, Parameter> parameters, Set<String> names) {
        long n = 0;
        for (String name : names) {
            n += parameters.get(name).getArray().size();
        }
        return n;
    }

    private static String share(long part, long total) {
        return String.format("%.1f%%", 100.0 * part / Math.max(1, total));
    }
}
