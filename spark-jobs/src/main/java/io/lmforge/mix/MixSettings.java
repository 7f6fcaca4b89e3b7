package io.lmforge.mix;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;

import java.io.Serializable;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code shards.mix { ... }}: the domain mixture of the training split.
 * <pre>
 * mix {
 *   weights { web = 0.50, academic = 0.20, code = 0.15, wiki = 0.15 }   # in tokens; any scale
 *   max-epochs = 4          # a domain under target is repeated at most this many times
 *   unmet = cap             # cap: use what there is, report it | shrink: smaller total, exact weights | fail
 *   total-tokens = 10e9     # training tokens wanted; default: as many as the included domains hold
 *   batch-size = 64         # sequences; any run of this many consecutive sequences carries the mixture
 * }
 * </pre>
 * Without weights the mixture is the corpus's own (every document once). With weights, domains
 * the weights do not name are left out of both splits, and the report lists them.
 *
 * @param weights    domain to weight, normalized to sum to 1; empty for the natural mixture
 */
public record MixSettings(Map<String, Double> weights, int maxEpochs, Unmet unmet, OptionalLong totalTokens,
                          int batchSize) implements Serializable {

    /** What to do when a domain holds too little data for its weight, even repeated max-epochs times. */
    public enum Unmet { CAP, SHRINK, FAIL }

    public static MixSettings from(Settings s) {
        Map<String, Double> raw = s.numberMap("weights");
        double sum = 0;
        for (Map.Entry<String, Double> e : raw.entrySet()) {
            if (!(e.getValue() >= 0) || Double.isInfinite(e.getValue())) {
                throw new InvalidConfigException(s.name("weights") + "." + e.getKey() + " = " + e.getValue()
                        + " must be a finite number >= 0");
            }
            sum += e.getValue();
        }
        if (!raw.isEmpty() && sum <= 0) {
            throw new InvalidConfigException(s.name("weights") + " must have a positive weight");
        }
        Map<String, Double> weights = new TreeMap<>();
        for (Map.Entry<String, Double> e : raw.entrySet()) {
            if (e.getValue() > 0) {
                weights.put(e.getKey(), e.getValue() / sum);
            }
        }
        int maxEpochs = s.integer("max-epochs");
        if (maxEpochs < 1) {
            throw new InvalidConfigException(s.name("max-epochs") + " must be at least 1, got " + maxEpochs);
        }
        Unmet unmet = Unmet.valueOf(s.oneOf("unmet", s.string("unmet"), Set.of("cap", "shrink", "fail"))
                .toUpperCase(java.util.Locale.ROOT));
        OptionalLong total = s.has("total-tokens") ? OptionalLong.of((long) s.decimal("total-tokens")) : OptionalLong.empty();
        if (total.isPresent() && total.getAsLong() <= 0) {
            throw new InvalidConfigException(s.name("total-tokens") + " must be positive");
        }
        int batchSize = s.integer("batch-size");
        if (batchSize < 1) {
            throw new InvalidConfigException(s.name("batch-size") + " must be at least 1, got " + batchSize);
        }
        s.requireNoUnknownKeys();
        return new MixSettings(Map.copyOf(weights), maxEpochs, unmet, total, batchSize);
    }

    public static MixSettings natural(int batchSize) {
        return new MixSettings(Map.of(), 1, Unmet.CAP, OptionalLong.empty(), batchSize);
    }

    public boolean isNatural() {
        return weights.isEmpty();
    }
}
