package io.lmforge.trainer.distill;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;

import java.io.Serializable;

/**
 * The {@code distill} section of a training config ({@code train --teacher}, {@code --distill-alpha},
 * {@code --distill-temperature}): knowledge distillation from a teacher checkpoint.
 *
 * @param teacher     a checkpoint or run directory; empty: no distillation
 * @param alpha       weight of the distillation term, in [0, 1]
 * @param temperature the softening temperature T, positive
 */
public record DistillSettings(String teacher, double alpha, double temperature) implements Serializable {

    public DistillSettings {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new InvalidConfigException("distill.alpha = " + alpha + " must be in [0, 1] (the weight of the "
                    + "distillation term; 1 - alpha weighs the cross-entropy on the data)");
        }
        if (!(temperature > 0 && temperature <= 100)) {
            throw new InvalidConfigException("distill.temperature = " + temperature + " must be in (0, 100]");
        }
    }

    public boolean enabled() {
        return !teacher.isEmpty();
    }

    public static DistillSettings from(Settings s) {
        DistillSettings d = new DistillSettings(s.string("teacher").trim(), s.decimal("alpha"), s.decimal("temperature"));
        s.requireNoUnknownKeys();
        return d;
    }

    public DistillSettings withTeacher(String path) {
        return new DistillSettings(path, alpha, temperature);
    }

    public DistillSettings withAlpha(double a) {
        return new DistillSettings(teacher, a, temperature);
    }

    public DistillSettings withTemperature(double t) {
        return new DistillSettings(teacher, alpha, t);
    }
}
