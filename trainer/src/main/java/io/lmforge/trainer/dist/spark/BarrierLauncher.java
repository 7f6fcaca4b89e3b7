package io.lmforge.trainer.dist.spark;

import io.lmforge.trainer.dist.DistributedSettings;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs a {@link RankMain} on N Spark tasks that start together (a barrier stage), each with a
 * {@link io.lmforge.trainer.dist.Collective} connected to all the others, and returns their
 * results in rank order.
 *
 * <p>Failure handling is Spark's: if any rank fails (its executor dies, a collective times out),
 * Spark kills the other ranks and retries the whole stage, up to
 * {@code spark.stage.maxConsecutiveAttempts} (default 4) times. Only a barrier stage that feeds a
 * shuffle is retried (Spark aborts a failed barrier <em>result</em> stage), so the ranks' results
 * go through a one-partition shuffle before they are collected.
 *
 * <p>On a cluster with {@code gpusPerTask > 0}, the stage carries a task resource profile asking
 * that many GPUs per task (the executors must offer them: {@code spark.executor.resource.gpu.amount}
 * and a discovery script); each rank gets its GPU addresses in {@link RankContext#gpus()}.
 */
public final class BarrierLauncher {
    private static final String INTERRUPT_ON_CANCEL = "spark.job.interruptOnCancel";
    private static final String JOB_DESCRIPTION = "spark.job.description";

    private BarrierLauncher() {
    }

    public static <R extends Serializable> List<R> run(SparkContext sc, DistributedSettings settings, RankMain<R> main) {
        int n = settings.ranks();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
        RDD<Integer> seeds = jsc.parallelize(IntStream.range(0, n).boxed().toList(), n).rdd();
        ClassTag<Tuple2<Integer, byte[]>> tupleTag = ClassTag$.MODULE$.apply(Tuple2.class);
        RDD<Tuple2<Integer, byte[]>> ranks = seeds.barrier().mapPartitions(new RankTask<>(settings, main), false, tupleTag);
        if (settings.gpusPerTask() > 0 && !sc.isLocal()) {
            ranks = ranks.withResources(gpuProfile(settings.gpusPerTask()));
        }
        ClassTag<Integer> intTag = ClassTag$.MODULE$.apply(Integer.class);
        ClassTag<byte[]> bytesTag = ClassTag$.MODULE$.apply(byte[].class);
        String oldInterrupt = sc.getLocalProperty(INTERRUPT_ON_CANCEL);
        String oldDescription = sc.getLocalProperty(JOB_DESCRIPTION);
        List<Tuple2<Integer, byte[]>> rows;
        try {
            // A rank blocked in a collective must be interrupted when Spark kills its stage.
            sc.setLocalProperty(INTERRUPT_ON_CANCEL, "true");
            sc.setJobDescription("lmforge: " + n + " training ranks (barrier stage)");
            rows = new ArrayList<>(JavaPairRDD.fromRDD(ranks, intTag, bytesTag).partitionBy(new HashPartitioner(1)).collect());
        } finally {
            sc.setLocalProperty(INTERRUPT_ON_CANCEL, oldInterrupt);
            sc.setLocalProperty(JOB_DESCRIPTION, oldDescription);
        }
        rows.sort(Comparator.comparing(Tuple2::_1));
        List<R> out = new ArrayList<>();
        for (Tuple2<Integer, byte[]> row : rows) {
            out.add(deserialize(row._2()));
        }
        return out;
    }

    /** One GPU (or {@code gpus}) per task; CPUs per task stay the application's default. */
    static ResourceProfile gpuProfile(int gpus) {
        return new ResourceProfileBuilder().require(new TaskResourceRequests().resource("gpu", gpus)).build();
    }

    @SuppressWarnings("unchecked")
    private static <R> R deserialize(byte[] bytes) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            protected Class<?> resolveClass(java.io.ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                return Class.forName(desc.getName(), false, Thread.currentThread().getContextClassLoader());
            }
        }) {
            return (R) in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("cannot read a rank's result: " + e, e);
        }
    }
}
