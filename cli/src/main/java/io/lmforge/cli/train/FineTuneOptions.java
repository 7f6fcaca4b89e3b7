package io.lmforge.cli.train;

import io.lmforge.trainer.TrainConfig;
import io.lmforge.trainer.distill.DistillSettings;
import io.lmforge.trainer.freeze.FreezeSpec;

/** {@code train --freeze}, {@code --teacher}, {@code --distill-alpha} and {@code --distill-temperature} over the config. */
final class FineTuneOptions {
    private FineTuneOptions() {
    }

    /** {@code config} with the options given (null: keep the config's value). */
    static TrainConfig apply(TrainConfig config, String freeze, String teacher, Double alpha, Double temperature) {
        TrainConfig c = config;
        if (freeze != null) {
            c = c.withFreeze(FreezeSpec.parse("--freeze", freeze));
        }
        DistillSettings d = c.distill();
        if (teacher != null) {
            d = d.withTeacher(teacher);
        }
        if (alpha != null) {
            d = d.withAlpha(alpha);
        }
        if (temperature != null) {
            d = d.withTemperature(temperature);
        }
        return c.withDistill(d);
    }
}
