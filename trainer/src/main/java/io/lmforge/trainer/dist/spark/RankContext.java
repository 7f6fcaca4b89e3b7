package io.lmforge.trainer.dist.spark;

import io.lmforge.trainer.dist.Collective;
import org.apache.spark.TaskContext;

import java.util.List;

/**
 * A rank's view of the job, on its executor.
 *
 * @param rank         0-based; rank 0 writes checkpoints and metrics
 * @param worldSize    number of ranks
 * @param collective   connected to every other rank; closed by the launcher when {@code run} returns
 * @param stageAttempt 0 first, then 1, 2... when Spark retries the barrier stage after a failure
 *                     (the loop resumes from its last checkpoint then)
 * @param executorId   the Spark executor this rank runs in
 * @param gpus         the GPU addresses Spark assigned to this task (empty on CPU)
 */
public record RankContext(int rank, int worldSize, Collective collective, int stageAttempt, String executorId,
                          List<String> gpus) {

    /** Rank 0 writes checkpoints and metrics. */
    public boolean isChief() {
        return rank == 0;
    }

    /**
     * The CUDA device index of this rank: the first GPU address Spark assigned (a cluster with
     * {@code gpus-per-task}), else the rank itself (local mode, where Spark assigns no GPUs and all
     * ranks share the machine's GPUs: rank r uses GPU r).
     */
    public int cudaDevice() {
        return cudaDevice(rank, gpus);
    }

    static int cudaDevice(int rank, List<String> gpus) {
        if (gpus.isEmpty()) {
            return rank;
        }
        try {
            return Integer.parseInt(gpus.get(0));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("the GPU address Spark assigned, '" + gpus.get(0)
                    + "', is not a CUDA device index (check the GPU discovery script)", e);
        }
    }

    /**
     * Throws Spark's TaskKilledException when Spark has killed this task (a sibling rank failed
     * and the stage is being retried). Collectives notice by themselves; call this once per step
     * so that a rank busy computing also stops promptly. On the task's own thread only.
     */
    public void throwIfKilled() {
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.killTaskIfInterrupted();
        }
    }
}
