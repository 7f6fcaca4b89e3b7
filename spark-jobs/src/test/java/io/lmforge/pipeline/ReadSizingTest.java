package io.lmforge.pipeline;

import io.lmforge.corpus.SessionSettings;
import io.lmforge.testing.SparkTestSession;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class ReadSizingTest {

    @Test
    void aRunAsksForEightReadTasksPerCoreAndLeavesTheSessionAsItWas() {
        SparkSession spark = SparkTestSession.get();
        assertFalse(spark.conf().contains(ReadSizing.KEY));
        try (SessionSettings sizing = ReadSizing.apply(spark)) {
            assertEquals(String.valueOf(8 * spark.sparkContext().defaultParallelism()), spark.conf().get(ReadSizing.KEY));
        }
        assertFalse(spark.conf().contains(ReadSizing.KEY));
    }

    @Test
    void aSettingOfTheConfigWins() {
        SparkSession spark = SparkTestSession.get();
        spark.conf().set(ReadSizing.KEY, "3");
        try {
            try (SessionSettings sizing = ReadSizing.apply(spark)) {
                assertEquals("3", spark.conf().get(ReadSizing.KEY));
            }
            assertEquals("3", spark.conf().get(ReadSizing.KEY));
        } finally {
            spark.conf().unset(ReadSizing.KEY);
        }
    }
}
