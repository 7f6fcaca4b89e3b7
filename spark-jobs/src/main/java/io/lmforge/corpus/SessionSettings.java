package io.lmforge.corpus;

import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Session settings that hold for a while (a run, a pass) and are then put back as they were, set
 * or unset: a stage's tuning must not outlive it in a session that a notebook or the next run shares.
 */
public final class SessionSettings implements AutoCloseable {
    private final RuntimeConfig conf;
    private final Map<String, Optional<String>> before;

    private SessionSettings(RuntimeConfig conf, Map<String, Optional<String>> before) {
        this.conf = conf;
        this.before = before;
    }

    /** Sets {@code settings} in the session until {@link #close}. */
    public static SessionSettings set(SparkSession spark, Map<String, String> settings) {
        RuntimeConfig conf = spark.conf();
        Map<String, Optional<String>> before = new LinkedHashMap<>();
        settings.forEach((key, value) -> {
            before.put(key, conf.contains(key) ? Optional.of(conf.get(key)) : Optional.empty());
            conf.set(key, value);
        });
        return new SessionSettings(conf, before);
    }

    @Override
    public void close() {
        before.forEach((key, value) -> {
            if (value.isPresent()) {
                conf.set(key, value.get());
            } else {
                conf.unset(key);
            }
        });
    }
}
