package io.lmforge.model.generate;

/**
 * How the next token is chosen from a sequence's logits, in Hugging Face's order: repetition
 * penalty, temperature, top-k, top-p, then a draw (or the argmax when {@code temperature = 0}).
 *
 * @param temperature       logits are divided by it; 0 means greedy (argmax)
 * @param topK              keep the k most likely tokens; 0 keeps all
 * @param topP              nucleus: keep the smallest set of most likely tokens whose probability
 *                          reaches p; 1 keeps all
 * @param repetitionPenalty CTRL's: a token already in the sequence (prompt or output) has a positive
 *                          logit divided by it and a negative one multiplied; 1 is none
 */
public record Sampling(double temperature, int topK, double topP, double repetitionPenalty) {
    public static final Sampling GREEDY = new Sampling(0, 0, 1, 1);

    public Sampling {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        }
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
