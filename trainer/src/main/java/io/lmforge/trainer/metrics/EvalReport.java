package io.lmforge.trainer.metrics;

import java.util.Map;

/**
 * Validation figures at a step: mean token cross-entropy and perplexity, overall and per domain.
 */
public record EvalReport(long step, double loss, long tokens, Map<String, Domain> domains, boolean improved) {

    /** One domain's validation loss over its {@code tokens} predicted tokens. */
    public record Domain(double loss, long tokens) {
        public double perplexity() {
            return Math.exp(loss);
        }
    }

    public double perplexity() {
        return Math.exp(loss);
    }
}
