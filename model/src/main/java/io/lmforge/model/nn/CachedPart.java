package io.lmforge.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * One group of sequences in a cached forward pass ({@link DeepSeekModel#forwardCached(ai.djl.training.ParameterStore, java.util.List)}):
 * rows of one length, e.g. the decode rows of a running batch (one token each) or the prompts
 * joining it (left-padded to the longest).
 *
 * @param tokens (B, T), occupying slots [cache.length(), cache.length() + T) of their rows
 * @param rope   tables at each token's absolute position, (B, 1, T, hd/2) ({@link RotaryEmbedding#at})
 * @param mask   additive, (B, 1, T, cache.length() - cache.from() + T)
 * @param cache  the rows' cache (a {@link KvCache#view} when parts share one buffer)
 */
public record CachedPart(NDArray tokens, RotaryEmbedding rope, NDArray mask, KvCache cache) {
}
