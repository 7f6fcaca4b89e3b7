package io.lmforge.corpus;

import com.typesafe.config.Config;
import io.lmforge.config.Settings;

/**
 * Sections of a corpus config over their defaults, which live in spark-jobs' reference.conf under
 * {@link #NAMESPACE}. Stages build their own defaults through it, without knowing the runner.
 */
public final class CorpusSettings {
    /** Where the corpus config's defaults are, in the merged reference.conf. */
    public static final String NAMESPACE = "lmforge.corpus";

    private CorpusSettings() {
    }

    /** {@code user} as the section {@code path} of a corpus config ("" for the whole), over its defaults. */
    public static Settings of(Config user, String path) {
        return Settings.of(user, NAMESPACE, path);
    }
}
