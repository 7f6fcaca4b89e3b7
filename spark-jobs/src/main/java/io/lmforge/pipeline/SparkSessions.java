package io.lmforge.pipeline;

import org.apache.spark.sql.SparkSession;

import java.util.Map;
import java.util.Optional;

/**
 * Builds the session: embedded {@code local[*]} by default, the cluster's when launched by
 * spark-submit (which sets {@code spark.master}), or whatever {@code --master} names.
 */
public final class SparkSessions {

    private SparkSessions() {
    }

    public static SparkSession create(Optional<String> master, Map<String, String> conf) {
        SparkSession.Builder builder = SparkSession.builder().appName("lmforge");
        if (master.isPresent()) {
            builder.master(master.get());
        } else if (System.getProperty("spark.master") == null) {
            builder.master("local[*]");
        }
        conf.forEach(builder::config);
        return builder.getOrCreate();
    }
}
