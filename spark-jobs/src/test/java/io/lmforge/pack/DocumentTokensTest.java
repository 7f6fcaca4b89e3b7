package io.lmforge.pack;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class DocumentTokensTest {

    @Test
    void theTokenizePassAsksForItsTasksWhereTheUserSetsNothing() {
        Map<String, String> conf = DocumentTokens.splitConf(new SparkConf(false), 8);
        assertEquals("8", conf.get(DocumentTokens.MIN_PARTITION_NUM));
        assertEquals("0", conf.get("spark.sql.files.openCostInBytes"));
        assertEquals("64", conf.get("spark.sql.parquet.columnarReaderBatchSize"));
    }

    @Test
    void aMinimumOfReadTasksTheUserSetsIsLeftAsItIs() {
        SparkConf user = new SparkConf(false).set(DocumentTokens.MIN_PARTITION_NUM, "3");
        Map<String, String> conf = DocumentTokens.splitConf(user, 8);
        assertFalse(conf.containsKey(DocumentTokens.MIN_PARTITION_NUM));
        assertEquals("0", conf.get("spark.sql.files.openCostInBytes"));
    }
}
