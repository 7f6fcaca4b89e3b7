package io.lmforge.model.lora;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA (Hu et al., 2021) settings: each targeted projection W (out × in) gains a trainable
 * low-rank term, y = x Wᵀ + (alpha / rank) · B A dropout(x), with A (rank × in) and B (out × rank);
 * W stays frozen. B starts at zero, so the adapted model starts as the base model.
 *
 * @param rank    r; 0 means no LoRA (the run trains every parameter)
 * @param alpha   the numerator of the scale alpha / r (PEFT's {@code lora_alpha})
 * @param targets projection names from {@link ProjectionLayout#TARGETS}
 * @param dropout dropout on the adapter's input while training (0: none)
 */
public record LoraConfig(int rank, double alpha, List<String> targets, double dropout) implements Serializable {
    public static final LoraConfig OFF = new LoraConfig(0, 16, List.of("q", "v"), 0);

    public LoraConfig {
        targets = List.copyOf(targets);
        if (rank < 0) {
            throw new InvalidConfigException("lora.rank = " + rank + " must be at least 1 (0: no LoRA)");
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new InvalidConfigException("lora.alpha = " + alpha + " must be positive");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new InvalidConfigException("lora.dropout = " + dropout + " must be in [0, 1)");
        }
        if (targets.isEmpty()) {
            throw new InvalidConfigException("lora.targets is empty; name at least one of " + ProjectionLayout.TARGETS);
        }
        for (String t : targets) {
            if (!ProjectionLayout.TARGETS.contains(t)) {
                throw new InvalidConfigException("lora.targets: unknown projection '" + t + "' (known: "
                        + String.join(", ", ProjectionLayout.TARGETS) + ")");
            }
        }
        if (targets.stream().distinct().count() != targets.size()) {
            throw new InvalidConfigException("lora.targets names a projection twice: " + targets);
        }
    }

    /** Reads a {@code lora { ... }} section (defaults in the trainer's reference.conf). */
    public static LoraConfig fromSettings(Settings s) {
        LoraConfig c = new LoraConfig(s.integer("rank"), s.decimal("alpha"), s.strings("targets"), s.decimal("dropout"));
        s.requireNoUnknownKeys();
        return c;
    }

    public boolean enabled() {
        return rank > 0;
    }

    /** alpha / r, the factor of B A. */
    public double scale() {
        return alpha / rank;
    }

    /** The same with the command line's values where given (null: keep). */
    public LoraConfig with(Integer rank, Double alpha, List<String> targets, Double dropout) {
        if (rank != null && rank < 1) {
            throw new InvalidConfigException("--lora-rank " + rank + " must be at least 1");
        }
        LoraConfig c = new LoraConfig(rank != null ? rank : this.rank, alpha != null ? alpha : this.alpha,
                targets != null ? targets : this.targets, dropout != null ? dropout : this.dropout);
        if (!c.enabled() && (alpha != null || targets != null || dropout != null)) {
            throw new InvalidConfigException("--lora-alpha, --lora-targets and --lora-dropout need --lora-rank "
                    + "(or lora.rank) of at least 1");
        }
        return c;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rank", rank);
        m.put("alpha", alpha);
        m.put("targets", targets);
        m.put("dropout", dropout);
        return m;
    }

    /** Reads what {@link #toMap} wrote (numbers may come back as doubles from JSON). */
    public static LoraConfig fromMap(Map<?, ?> m) {
        List<?> t = (List<?>) m.get("targets");
        return new LoraConfig(((Number) m.get("rank")).intValue(), ((Number) m.get("alpha")).doubleValue(),
                t.stream().map(String::valueOf).toList(), ((Number) m.get("dropout")).doubleValue());
    }
}
