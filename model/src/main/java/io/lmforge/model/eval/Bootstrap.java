package io.lmforge.model.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap intervals (seeded, so a report repeats) for a ratio of sums over units
 * (documents, windows, questions): bits per byte is Σ nll / (ln 2 · Σ bytes), accuracy is
 * Σ correct / Σ 1. Units are resampled with replacement; the paired form resamples the same units
 * for both models, so the interval of their difference excludes the variance of the data itself.
 */
public final class Bootstrap {
    public static final int DEFAULT_RESAMPLES = 1000;

    private final int resamples;
    private final long seed;

    public Bootstrap(int resamples, long seed) {
        if (resamples < 1) {
            throw new IllegalArgumentException("bootstrap resamples must be at least 1, got " + resamples);
        }
        this.resamples = resamples;
        this.seed = seed;
    }

    /** A 95% interval. */
    public record Interval(double low, double high) {
        public double[] toArray() {
            return new double[]{low, high};
        }
    }

    /** The 95% interval of Σ num / Σ den · scale. */
    public Interval ratio(double[] num, double[] den, double scale) {
        return paired(num, den, null, null, scale);
    }

    /** The 95% interval of (Σ numB / Σ denB − Σ numA / Σ denA) · scale over the same resampled units. */
    public Interval pairedDifference(double[] numA, double[] denA, double[] numB, double[] denB, double scale) {
        if (numA.length != numB.length) {
            throw new IllegalArgumentException("paired units differ in number: " + numA.length + " and " + numB.length);
        }
        return paired(numA, denA, numB, denB, scale);
    }

    private Interval paired(double[] numA, double[] denA, double[] numB, double[] denB, double scale) {
        int n = numA.length;
        if (n == 0) {
            return new Interval(Double.NaN, Double.NaN);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double na = 0;
            double da = 0;
            double nb = 0;
            double db = 0;
            for (int i = 0; i < n; i++) {
                int u = random.nextInt(n);
                na += numA[u];
                da += denA[u];
                if (numB != null) {
                    nb += numB[u];
                    db += denB[u];
                }
            }
            double a = na / da * scale;
            stats[r] = numB == null ? a : nb / db * scale - a;
        }
        Arrays.sort(stats);
        return new Interval(quantile(stats, 0.025), quantile(stats, 0.975));
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
