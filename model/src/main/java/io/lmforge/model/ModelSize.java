package io.lmforge.model;

/**
 * Parameter and FLOP counts of a config, computed from the shapes (no tensors allocated, so it
 * works for the 7B presets on a laptop).
 *
 * <p>FLOPs follow the convention of PaLM's appendix and nanoGPT's {@code estimate_mfu}: a
 * multiply-add is 2 FLOPs, a token's forward pass costs 2 × (parameters it multiplies by), plus
 * 2 · 2 · L · T · d for the attention scores and their weighted sum (the full T × T square,
 * not half for causality), and training costs 3 × forward (backward = 2 × forward). The embedding
 * lookup costs nothing; the output head costs 2 · V · d, tied or not.
 *
 * @param total            every parameter
 * @param embedding        the token embedding (V · d)
 * @param active           parameters a token uses: all but the routed experts it skips
 * @param matmulActive     active parameters a token multiplies by (active minus the embedding lookup, plus a tied head)
 */
public record ModelSize(long total, long embedding, long active, long matmulActive, ModelConfig config) {

    public static ModelSize of(ModelConfig c) {
        long d = c.hiddenSize();
        long v = c.vocabSize();
        long embedding = v * d;
        long head = c.tieEmbeddings() ? 0 : v * d;
        long attention = 4 * d * d;                       // W_qkv (3d × d) + W_o (d × d)
        long norms = 2 * d;
        long dense = 3 * d * c.intermediateSize();        // W_13 (2I × d) + W_2 (d × I)
        ModelConfig.Moe m = c.moe();
        long expert = 3 * d * m.expertIntermediateSize();
        long router = (long) m.routedExperts() * d;
        long shared = m.sharedExperts() * expert;

        long total = embedding + head + d;                // + final norm
        long active = total;
        for (int i = 0; i < c.layers(); i++) {
            long layer = attention + norms;
            if (c.isMoeLayer(i)) {
                total += layer + router + shared + m.routedExperts() * expert;
                active += layer + router + shared + (long) m.topK() * expert;
            } else {
                total += layer + dense;
                active += layer + dense;
            }
        }
        long matmulActive = active - embedding + (c.tieEmbeddings() ? v * d : 0); // lookup free, head multiplies
        return new ModelSize(total, embedding, active, matmulActive, c);
    }

    /** Forward FLOPs per token at context length {@code seqLen}. */
    public double forwardFlopsPerToken(int seqLen) {
        return 2.0 * matmulActive + 4.0 * config.layers() * seqLen * config.hiddenSize();
    }

    /** Training (forward + backward) FLOPs per token at context length {@code seqLen}. */
    public double trainingFlopsPerToken(int seqLen) {
        return 3 * forwardFlopsPerToken(seqLen);
    }

    /** A human-readable report, as {@code lmforge model-info} prints it. */
    public String describe(int seqLen) {
        ModelConfig c = config;
        StringBuilder s = new StringBuilder();
        s.append(String.format("model %s: d=%d, layers=%d, heads=%d (head width %d), vocab=%d, dense FFN %d, %s head%n",
                c.name(), c.hiddenSize(), c.layers(), c.heads(), c.headDim(), c.vocabSize(), c.intermediateSize(),
                c.tieEmbeddings() ? "tied" : "untied"));
        if (c.moe().enabled()) {
            ModelConfig.Moe m = c.moe();
            s.append(String.format("  DeepSeekMoE in layers %d..%d: %d shared + top-%d of %d routed experts, width %d, aux weight %s%n",
                    m.firstDenseLayers(), c.layers() - 1, m.sharedExperts(), m.topK(), m.routedExperts(),
                    m.expertIntermediateSize(), m.auxLossWeight()));
        } else {
            s.append("  dense (no MoE layers)\n");
        }
        s.append(String.format("  parameters:            %,d (%s)%n", total, human(total)));
        s.append(String.format("    of which embedding:  %,d%n", embedding));
        s.append(String.format("  active per token:      %,d (%s)%n", active, human(active)));
        s.append(String.format("  FLOPs per token at T=%d: forward %s, training %s%n", seqLen,
                human(forwardFlopsPerToken(seqLen)), human(trainingFlopsPerToken(seqLen))));
        return s.toString();
    }

    static String human(double n) {
        if (n >= 1e12) {
            return String.format("%.2fT", n / 1e12);
        }
        if (n >= 1e9) {
            return String.format("%.2fG", n / 1e9);
        }
        if (n >= 1e6) {
            return String.format("%.2fM", n / 1e6);
        }
        return String.format("%.1fk", n / 1e3);
    }
}
