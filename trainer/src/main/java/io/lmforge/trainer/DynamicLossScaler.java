package io.lmforge.trainer;

/**
 * Dynamic loss scaling for fp16 training (Micikevicius et al., "Mixed Precision Training"): the
 * loss is multiplied by {@link #scale()} before backward so small gradients survive fp16; the
 * gradients are divided by it before the update. When any gradient overflowed (inf or NaN) the
 * step is skipped and the scale halved; after {@code growthInterval} good steps in a row it
 * doubles. Defaults are PyTorch's GradScaler's.
 *
 * <p>Ranks agree without an extra exchange: check for overflow after the all-reduce, whose
 * result has identical bits on every rank (an inf or NaN on any rank makes the sum non-finite
 * everywhere). The state goes into checkpoints ({@link #state()}, {@link #restore}).
 */
public final class DynamicLossScaler {

    /**
     * @param initialScale          scale of the first step
     * @param growthFactor          multiplier after a run of good steps
     * @param backoffFactor         multiplier after an overflow
     * @param growthInterval        good steps in a row before growing
     * @param minScale              floor: the scale never goes below it
     * @param maxScale              ceiling: the scale never goes above it
     * @param maxOverflowsAtMinimum consecutive overflows at the floor before giving up (the run
     *                              has diverged; skipping forever would only waste the cluster)
     */
    public record Config(float initialScale, float growthFactor, float backoffFactor, int growthInterval,
                         float minScale, float maxScale, int maxOverflowsAtMinimum) implements java.io.Serializable {
        public Config {
            if (!(minScale > 0 && minScale <= initialScale && initialScale <= maxScale && Float.isFinite(maxScale))) {
                throw new IllegalArgumentException("loss scale bounds must satisfy 0 < min <= initial <= max < inf: min "
                        + minScale + ", initial " + initialScale + ", max " + maxScale);
            }
            if (!(growthFactor > 1) || !(backoffFactor > 0 && backoffFactor < 1)) {
                throw new IllegalArgumentException("growth factor must be > 1 and backoff in (0, 1): " + growthFactor + ", "
                        + backoffFactor);
            }
            if (growthInterval < 1 || maxOverflowsAtMinimum < 1) {
                throw new IllegalArgumentException("growth interval and max overflows at minimum must be >= 1");
            }
        }

        public static Config defaults() {
            return new Config(65536f, 2f, 0.5f, 2000, 1f, 16_777_216f, 100);
        }
    }

    /**
     * What a checkpoint stores.
     *
     * @param scale              current scale
     * @param goodSteps          good steps since the last overflow or growth
     * @param overflowsAtMinimum consecutive overflows while at the floor
     * @param skippedSteps       steps skipped so far (reported in metrics)
     */
    public record State(float scale, int goodSteps, int overflowsAtMinimum, long skippedSteps) {
    }

    private final Config config;
    private State state;

    public DynamicLossScaler(Config config) {
        this(config, new State(config.initialScale(), 0, 0, 0));
    }

    private DynamicLossScaler(Config config, State state) {
        this.config = config;
        this.state = state;
    }

    /** A scaler continuing from a checkpointed state. */
    public static DynamicLossScaler restore(Config config, State state) {
        if (!(state.scale() >= config.minScale() && state.scale() <= config.maxScale())) {
            throw new IllegalArgumentException("checkpointed loss scale " + state.scale() + " is outside ["
                    + config.minScale() + ", " + config.maxScale() + "]");
        }
        return new DynamicLossScaler(config, state);
    }

    /** Multiply the loss by this before backward. */
    public float scale() {
        return state.scale();
    }

    /** Multiply the gradients by this before clipping and the update. */
    public float inverseScale() {
        return 1f / state.scale();
    }

    public State state() {
        return state;
    }

    /**
     * Records one step's outcome and adjusts the scale.
     *
     * @param gradientsFinite whether every (all-reduced) gradient was finite
     * @return true to apply the optimizer update, false to skip this step
     * @throws IllegalStateException after {@code maxOverflowsAtMinimum} overflows in a row at the floor
     */
    public boolean update(boolean gradientsFinite) {
        State s = state;
        if (gradientsFinite) {
            int good = s.goodSteps() + 1;
            float scale = s.scale();
            if (good >= config.growthInterval()) {
                scale = Math.min(scale * config.growthFactor(), config.maxScale());
                good = 0;
            }
            state = new State(scale, good, 0, s.skippedSteps());
            return true;
        }
        boolean atMinimum = s.scale() <= config.minScale();
        int overflowsAtMin = atMinimum ? s.overflowsAtMinimum() + 1 : 0;
        state = new State(Math.max(s.scale() * config.backoffFactor(), config.minScale()), 0, overflowsAtMin,
                s.skippedSteps() + 1);
        if (overflowsAtMin >= config.maxOverflowsAtMinimum()) {
            throw new IllegalStateException("gradients overflowed " + overflowsAtMin + " steps in a row at the minimum loss scale "
                    + config.minScale() + " (" + state.skippedSteps() + " steps skipped in all): the run has diverged; lower the "
                    + "learning rate or resume from an earlier checkpoint");
        }
        return false;
    }
}
