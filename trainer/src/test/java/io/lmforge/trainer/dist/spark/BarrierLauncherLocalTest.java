package io.lmforge.trainer.dist.spark;

import io.lmforge.trainer.dist.DistributedSettings;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The barrier-stage launcher on the shared local[2] Spark: two ranks as two tasks of one executor. */
class BarrierLauncherLocalTest {
    private static final DistributedSettings TWO = DistributedSettings.cpu(2).withTimeouts(Duration.ofSeconds(20), Duration.ofSeconds(20));

    @Test
    void twoRanksAllReduceAndGatherInABarrierStage() {
        List<AllReduceProbe.Report> reports = BarrierLauncher.run(LocalSpark.get(), TWO, new AllReduceProbe());
        assertEquals(2, reports.size());
        for (int r = 0; r < 2; r++) {
            AllReduceProbe.Report rep = reports.get(r);
            assertEquals(r, rep.rank(), "results come back in rank order");
            assertEquals(2, rep.worldSize());
            assertTrue(rep.sumCorrect(), "rank " + r + " all-reduce");
            assertArrayEquals(new double[]{1000, 1001}, rep.gathered());
            assertEquals(0, rep.stageAttempt());
            assertEquals(List.of(), rep.gpus());
        }
    }

    @Test
    void oneRankRunsWithoutSockets() {
        List<AllReduceProbe.Report> reports = BarrierLauncher.run(LocalSpark.get(), TWO.withRanks(1), new AllReduceProbe());
        assertTrue(reports.get(0).sumCorrect());
    }

    /** Rank 1 fails on the first attempt only: Spark retries the whole barrier stage and it completes. */
    static final class FailsOnFirstAttempt implements RankMain<AllReduceProbe.Report> {
        @Override
        public AllReduceProbe.Report run(RankContext ctx) {
            if (ctx.stageAttempt() == 0 && ctx.rank() == 1) {
                throw new IllegalStateException("simulated failure of rank 1");
            }
            return AllReduceProbe.probe(ctx);
        }
    }

    @Test
    void aFailedRankMakesSparkRetryTheWholeStage() {
        List<AllReduceProbe.Report> reports = BarrierLauncher.run(LocalSpark.get(), TWO, new FailsOnFirstAttempt());
        for (AllReduceProbe.Report r : reports) {
            assertEquals(1, r.stageAttempt(), "both ranks ran again, together");
            assertTrue(r.sumCorrect());
        }
    }

    /** A rank that always fails: the job fails after Spark's stage attempts, with the rank's error. */
    static final class AlwaysFails implements RankMain<String> {
        @Override
        public String run(RankContext ctx) {
            if (ctx.rank() == 0) {
                throw new IllegalStateException("rank 0 cannot read its shard");
            }
            ctx.collective().barrier(); // rank 1 waits for rank 0, whose failure breaks the ring
            return "unreachable";
        }
    }

    @Test
    void aRankThatAlwaysFailsFailsTheJobWithItsError() {
        SparkException e = assertThrows(SparkException.class, () -> BarrierLauncher.run(LocalSpark.get(), TWO, new AlwaysFails()));
        String msg = e.getMessage();
        assertTrue(msg.contains("has failed the maximum allowable number of times"), msg);
        assertTrue(msg.contains("rank 0 cannot read its shard") || msg.contains("rank 1: "), msg);
    }
}
