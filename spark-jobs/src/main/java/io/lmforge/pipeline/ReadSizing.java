package io.lmforge.pipeline;

import io.lmforge.corpus.SessionSettings;
import org.apache.spark.sql.SparkSession;

import java.util.Map;

/**
 * How finely a corpus run's reads of its own work files are cut into tasks. Spark cuts files into
 * about one task per core when they hold less than {@code spark.sql.files.maxPartitionBytes}
 * (128 MB) per core, which suits a scan but not the document stages, whose cost per row varies
 * a hundredfold (a man page through langid and the filters, a C file past them): one slow task
 * then runs alone while the other cores idle. A run asks for {@link #TASKS_PER_CORE} tasks per core
 * ({@code spark.sql.files.minPartitionNum}) unless the config sets that key itself, and restores the
 * session's setting when it ends.
 */
final class ReadSizing {
    static final String KEY = "spark.sql.files.minPartitionNum";
    /**
     * Tasks per core. n equal tasks on c cores leave up to c - 1 cores idle for the last task's
     * length: at 4 per core a 1 GB run on 2 cores got 7 tasks with rows and idled 14 % of its
     * core-seconds in the document stages; at 8 per core that tail is at most a sixteenth. A task
     * costs milliseconds to start, so more are cheap.
     */
    static final int TASKS_PER_CORE = 8;

    private ReadSizing() {
    }

    /** The run's read sizing, in the session until the returned settings are closed. */
    static SessionSettings apply(SparkSession spark) {
        if (spark.conf().contains(KEY)) {
            return SessionSettings.set(spark, Map.of());
        }
        return SessionSettings.set(spark, Map.of(KEY, String.valueOf(TASKS_PER_CORE * spark.sparkContext().defaultParallelism())));
    }
}
