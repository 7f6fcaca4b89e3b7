package io.lmforge.testing;

import org.apache.spark.sql.SparkSession;

/**
 * The one {@code local[2]} session every Spark test of this module shares (starting Spark costs
 * seconds; Surefire runs the module's tests in one JVM). Never stopped: the JVM's exit does it.
 */
public final class SparkTestSession {
    private static SparkSession spark;

    private SparkTestSession() {
    }

    public static synchronized SparkSession get() {
        if (spark == null) {
            spark = SparkSession.builder()
                    .master("local[2]")
                    .appName("lmforge-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.driver.host", "127.0.0.1")
                    .getOrCreate();
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }
}
