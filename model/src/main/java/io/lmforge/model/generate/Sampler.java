package io.lmforge.model.generate;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from one sequence's logits (a float[] over the vocabulary), following
 * {@link Sampling}. Each step works on a copy; every transform is a static method, testable on
 * hand-made logits.
 */
public final class Sampler {
    private final Sampling sampling;
    private final Random random;

    /** @param seed the draws of this sequence; the same seed and logits give the same tokens */
    public Sampler(Sampling sampling, long seed) {
        this.sampling = sampling;
        this.random = new Random(seed);
    }

    /**
     * @param logits  the next-token logits (not modified)
     * @param context the tokens so far (prompt and output), for the repetition penalty
     * @param length  how many of {@code context} count
     */
    public int next(float[] logits, int[] context, int length) {
        float[] x = logits.clone();
        if (sampling.repetitionPenalty() != 1) {
            applyRepetitionPenalty(x, context, length, sampling.repetitionPenalty());
        }
        if (sampling.greedy()) {
            return argmax(x);
        }
        double[] p = softmax(x, sampling.temperature());
        if (sampling.topK() > 0) {
            topK(p, sampling.topK());
        }
        if (sampling.topP() < 1) {
            topP(p, sampling.topP());
        }
        return draw(p, random.nextDouble());
    }

    /** CTRL / Hugging Face: a seen token's positive logit is divided by the penalty, a negative one multiplied. */
    public static void applyRepetitionPenalty(float[] logits, int[] context, int length, double penalty) {
        boolean[] seen = new boolean[logits.length];
        for (int i = 0; i < length; i++) {
            int t = context[i];
            if (t >= 0 && t < logits.length && !seen[t]) {
                seen[t] = true;
                logits[t] = (float) (logits[t] > 0 ? logits[t] / penalty : logits[t] * penalty);
            }
        }
    }

    /** The index of the largest value; the lowest index among equals. */
    public static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    /** softmax(x / temperature), in double. */
    public static double[] softmax(float[] x, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double[] p = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            p[i] = x[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp((x[i] - max) / temperature);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Zeroes all but the k most probable tokens (ties with the k-th are kept) and renormalises. */
    public static void topK(double[] p, int k) {
        if (k >= p.length) {
            return;
        }
        double[] sorted = p.clone();
        Arrays.sort(sorted);
        double kth = sorted[sorted.length - k];
        for (int i = 0; i < p.length; i++) {
            if (p[i] < kth) {
                p[i] = 0;
            }
        }
        normalise(p);
    }

    /**
     * Nucleus: keeps the smallest set of most probable tokens whose total reaches {@code top}
     * (at least one token), zeroes the rest and renormalises.
     */
    public static void topP(double[] p, double top) {
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> p[b] != p[a] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        double mass = 0;
        int keep = 0;
        while (keep < order.length && (keep == 0 || mass + 1e-12 < top)) {   // 1e-12: rounding of the sum
            mass += p[order[keep]];
            keep++;
        }
        for (int i = keep; i < order.length; i++) {
            p[order[i]] = 0;
        }
        normalise(p);
    }

    /** The token whose cumulative probability interval holds {@code u} in [0, 1). */
    public static int draw(double[] p, double u) {
        double cumulative = 0;
        int last = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                cumulative += p[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last;
    }

    private static void normalise(double[] p) {
        double sum = 0;
        for (double v : p) {
            sum += v;
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
    }
}
