package io.lmforge.trainer.dist.spark;

import io.lmforge.trainer.dist.Rendezvous;
import org.apache.spark.BarrierTaskContext;

import java.util.List;

/**
 * Rendezvous through Spark's barrier coordinator on the driver: every task of the barrier stage
 * sends its string and gets all of them in partition order. The session is the stage attempt,
 * so a retried stage never talks to a stale one.
 */
public final class SparkBarrierRendezvous implements Rendezvous {
    private final BarrierTaskContext context;

    public SparkBarrierRendezvous(BarrierTaskContext context) {
        this.context = context;
    }

    @Override
    public int rank() {
        return context.partitionId();
    }

    @Override
    public int worldSize() {
        return context.getTaskInfos().length;
    }

    @Override
    public String sessionId() {
        return "spark-stage-" + context.stageId() + "-attempt-" + context.stageAttemptNumber();
    }

    @Override
    public List<String> allGather(String mine) {
        return List.of(context.allGather(mine));
    }
}
