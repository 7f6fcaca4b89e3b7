package io.lmforge.trainer.dist.spark;

import io.lmforge.config.InvalidConfigException;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterPreflightTest {
    static SparkConf yarn() {
        return new SparkConf(false).set("spark.master", "yarn").set("spark.submit.deployMode", "cluster");
    }

    static String refused(SparkConf conf, boolean local, int ranks, String runDir) {
        return assertThrows(InvalidConfigException.class, () -> ClusterPreflight.check(conf, local, ranks, runDir)).getMessage();
    }

    @Test
    void dynamicAllocationIsRefusedWithTheFix() {
        String m = refused(yarn().set("spark.dynamicAllocation.enabled", "true"), false, 2, "/mnt/runs/a");
        assertTrue(m.contains("spark.dynamicAllocation.enabled=false") && m.contains("--num-executors 2"), m);
    }

    @Test
    void tooFewSlotsForTheRanksIsRefused() {
        String m = refused(yarn().set("spark.executor.instances", "2").set("spark.executor.cores", "2")
                .set("spark.task.cpus", "2"), false, 4, "/mnt/runs/a");
        assertTrue(m.contains("needs 4 task slots") && m.contains("offer 2"), m);
        assertDoesNotThrow(() -> ClusterPreflight.check(yarn().set("spark.executor.instances", "4"), false, 4, "/mnt/runs/a"));
        // Without a fixed executor count (standalone, local-cluster) Spark's own slot check stands.
        assertDoesNotThrow(() -> ClusterPreflight.check(yarn(), false, 4, "/mnt/runs/a"));
    }

    @Test
    void theRunDirectoryMustBeAnAbsoluteLocalPath() {
        String m = refused(new SparkConf(false), true, 2, "hdfs:/namenode:8020/runs/a");
        assertTrue(m.contains("not a Hadoop URI"), m);
        m = refused(yarn(), false, 2, "runs/a");
        assertTrue(m.contains("absolute path"), m);
        assertDoesNotThrow(() -> ClusterPreflight.check(new SparkConf(false), true, 2, "runs/a"));
    }
}
