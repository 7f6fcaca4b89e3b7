package io.lmforge.trainer.dist;

/** How an all-reduce combines the ranks' values. Sums are fp32, in an order fixed by the algorithm. */
public enum ReduceOp {
    SUM,
    /** The sum divided by the world size, in fp32 (gradient averaging). */
    MEAN,
    MAX,
    MIN;

    float combine(float received, float local) {
        return switch (this) {
            case SUM, MEAN -> received + local;
            case MAX -> Math.max(received, local);
            case MIN -> Math.min(received, local);
        };
    }
}
