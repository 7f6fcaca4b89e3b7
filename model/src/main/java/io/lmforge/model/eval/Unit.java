package io.lmforge.model.eval;

/**
 * One scored unit of a language-modelling evaluation (a document, or a shards window): its
 * summed negative log-likelihood in nats, the tokens it was taken over and the UTF-8 bytes of
 * their text. Bootstrap intervals resample units.
 */
public record Unit(String domain, double nll, long tokens, long bytes) {
}
