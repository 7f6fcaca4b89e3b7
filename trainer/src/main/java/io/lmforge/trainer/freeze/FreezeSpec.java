package io.lmforge.trainer.freeze;

import io.lmforge.config.InvalidConfigException;

import java.io.Serializable;

/**
 * Which parameters a fine-tuning run keeps fixed ({@code train.freeze}, {@code train --freeze}):
 *
 * <pre>
 *   none                    everything trains
 *   embeddings              the token embedding (with tied embeddings, also the output head: it is the same matrix)
 *   layers:N                the first N decoder layers (the ones nearest the embedding)
 *   embeddings,layers:N     both
 *   fraction:F              bottom-up (embedding, layer 0, layer 1, ..., final norm, head), whole tensors,
 *                           until at least F of all parameters are frozen: fraction:0.9 is the source
 *                           documents' "keep 90% of the old parameters, fine-tune the top 10%"
 * </pre>
 *
 * @param embeddings whether the embedding is frozen
 * @param layers     how many of the lowest decoder layers are frozen
 * @param fraction   the share of all parameters to freeze bottom-up; 0 when not given
 * @param text       the spec as written, for messages and the log
 */
public record FreezeSpec(boolean embeddings, int layers, double fraction, String text) implements Serializable {
    public static final FreezeSpec NONE = new FreezeSpec(false, 0, 0, "none");

    /** Whether anything is frozen. */
    public boolean freezes() {
        return embeddings || layers > 0 || fraction > 0;
    }

    /** Parses {@code value}; {@code key} names the setting or option in error messages. */
    public static FreezeSpec parse(String key, String value) {
        String spec = value == null ? "" : value.trim();
        if (spec.isEmpty() || spec.equals("none")) {
            return NONE;
        }
        boolean embeddings = false;
        int layers = 0;
        double fraction = 0;
        for (String raw : spec.split(",")) {
            String term = raw.trim();
            if (term.equals("embeddings")) {
                embeddings = true;
            } else if (term.startsWith("layers:")) {
                layers = number(key, spec, term, () -> Integer.parseInt(term.substring("layers:".length()))).intValue();
                if (layers < 1) {
                    throw invalid(key, spec, "layers:N needs N >= 1");
                }
            } else if (term.startsWith("fraction:")) {
                fraction = number(key, spec, term, () -> Double.parseDouble(term.substring("fraction:".length())))
                        .doubleValue();
                if (!(fraction > 0 && fraction < 1)) {
                    throw invalid(key, spec, "fraction:F needs 0 < F < 1 (the share of the parameters that stays fixed)");
                }
            } else {
                throw invalid(key, spec, "unknown term '" + term + "'");
            }
        }
        if (fraction > 0 && (embeddings || layers > 0)) {
            throw invalid(key, spec, "fraction:F chooses the frozen parameters itself; it does not combine with "
                    + "embeddings or layers:N");
        }
        return new FreezeSpec(embeddings, layers, fraction, spec);
    }

    private static Number number(String key, String spec, String term, java.util.function.Supplier<Number> parse) {
        try {
            return parse.get();
        } catch (NumberFormatException e) {
            throw invalid(key, spec, "'" + term + "' does not end in a number");
        }
    }

    private static InvalidConfigException invalid(String key, String spec, String why) {
        return new InvalidConfigException(key + " = \"" + spec + "\": " + why + "; expected none, embeddings, layers:N, "
                + "embeddings,layers:N or fraction:F");
    }
}
