package io.lmforge.trainer.dist.spark;

import io.lmforge.trainer.dist.Collective;
import io.lmforge.trainer.dist.ReduceOp;

import java.io.Serializable;
import java.util.List;

/**
 * A rank body for launcher tests: all-reduces a rank-dependent vector and checks it against the
 * closed form, gathers every rank's figure, and reports where it ran.
 */
final class AllReduceProbe implements RankMain<AllReduceProbe.Report> {

    record Report(int rank, int worldSize, int stageAttempt, String executorId, long pid, List<String> gpus,
                  boolean sumCorrect, double[] gathered) implements Serializable {
    }

    static final int COUNT = 300_001;

    /** Rank r contributes (r + 1) * (i % 7); the sum is n(n+1)/2 * (i % 7), exact in fp32. */
    static Report probe(RankContext ctx) {
        Collective c = ctx.collective();
        float[] v = new float[COUNT];
        for (int i = 0; i < COUNT; i++) {
            v[i] = (ctx.rank() + 1) * (i % 7);
        }
        c.allReduce(v, ReduceOp.SUM);
        int n = ctx.worldSize();
        boolean ok = true;
        for (int i = 0; i < COUNT; i++) {
            ok &= v[i] == n * (n + 1) / 2f * (i % 7);
        }
        double[] gathered = c.allGather(1000.0 + ctx.rank());
        return new Report(ctx.rank(), n, ctx.stageAttempt(), ctx.executorId(), ProcessHandle.current().pid(), ctx.gpus(), ok,
                gathered);
    }

    @Override
    public Report run(RankContext ctx) {
        return probe(ctx);
    }
}
