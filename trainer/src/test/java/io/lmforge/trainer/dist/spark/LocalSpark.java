package io.lmforge.trainer.dist.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * The shared {@code local[2]} Spark of this module's tests: {@code getOrCreate}, so tests that
 * build a SparkSession on the same JVM share it. Barrier stages need as many slots as ranks:
 * local[2] runs 2 ranks.
 */
public final class LocalSpark {

    public static synchronized SparkContext get() {
        return SparkContext.getOrCreate(new SparkConf()
                .setMaster("local[2]")
                .setAppName("lmforge-tests")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.sql.shuffle.partitions", "4"));
    }

    private LocalSpark() {
    }
}
