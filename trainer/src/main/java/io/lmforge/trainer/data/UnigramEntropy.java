package io.lmforge.trainer.data;

/**
 * The entropy of the training tokens' unigram distribution, H = −Σ p(v) ln p(v) in nats: the loss
 * of the best model that ignores context. A language model's validation loss should fall well
 * below it; the trainer prints both.
 *
 * @param tokens how many tokens the estimate counted (the first blocks, up to a limit)
 */
public record UnigramEntropy(double nats, long tokens, boolean wholeSplit) {

    /** Counts tokens of the split's blocks in file order until {@code maxTokens}. */
    public static UnigramEntropy of(ShardSplit split, int vocab, long maxTokens) {
        long[] counts = new long[vocab];
        long total = 0;
        boolean whole = true;
        for (ShardSplit.Block block : split.blocks()) {
            if (total >= maxTokens) {
                whole = false;
                break;
            }
            for (TokenWindow w : split.read(block)) {
                if (w == null) {
                    continue;
                }
                int[] tokens = w.tokens();
                for (int p = 0; p < tokens.length; p++) {
                    // Fine-tuning shards: only the tokens the loss scores (responses) make its baseline.
                    if (w.lossMask() == null || w.lossMask()[p] != 0) {
                        counts[tokens[p]]++;
                        total++;
                    }
                }
            }
        }
        double h = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / total;
                h -= p * Math.log(p);
            }
        }
        return new UnigramEntropy(total > 0 ? h : Double.NaN, total, whole);
    }
}
