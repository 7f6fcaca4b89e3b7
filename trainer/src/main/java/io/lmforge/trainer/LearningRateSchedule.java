package io.lmforge.trainer;

import ai.djl.training.tracker.Tracker;
import ai.djl.training.tracker.WarmUpTracker;

/**
 * Linear warmup to the peak rate, then cosine decay to a floor, then the floor (the source
 * documents use 3e-4 down to 1e-6), built from DJL's trackers. Step s (0-based) trains with the
 * rate at update s + 1, so the first step already has a non-zero rate (peak / warmup).
 *
 * @param decaySteps steps of cosine decay after warmup
 */
public record LearningRateSchedule(double peak, double floor, int warmupSteps, int decaySteps) {

    public LearningRateSchedule {
        if (!(peak > 0) || floor < 0 || floor > peak || warmupSteps < 0 || decaySteps < 1) {
            throw new IllegalArgumentException("learning rate schedule: peak " + peak + ", floor " + floor
                    + ", warmup " + warmupSteps + ", decay " + decaySteps);
        }
    }

    /** The learning rate of optimizer step {@code step} (0-based). */
    public double at(long step) {
        Tracker cosine = Tracker.cosine().setBaseValue((float) peak).optFinalValue((float) floor)
                .setMaxUpdates(decaySteps).build();
        Tracker schedule = warmupSteps == 0 ? cosine
                : WarmUpTracker.builder().setMainTracker(cosine).optWarmUpSteps(warmupSteps)
                .optWarmUpBeginValue(0).build();
        long update = Math.min(step + 1, Integer.MAX_VALUE);
        return schedule.getNewValue((int) update);
    }
}
