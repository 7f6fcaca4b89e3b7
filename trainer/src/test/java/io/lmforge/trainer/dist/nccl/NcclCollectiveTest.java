package io.lmforge.trainer.dist.nccl;

import io.lmforge.trainer.dist.Collective;
import io.lmforge.trainer.dist.CollectiveOptions;
import io.lmforge.trainer.dist.InProcessRendezvous;
import io.lmforge.trainer.dist.ReduceOp;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The NCCL backend on real GPUs: one rank per visible GPU, as threads. Runs only where a GPU,
 * libnccl.so.2 and the bytedeco CUDA natives ({@code -Pgpu}) are present; skipped otherwise, with
 * the reason.
 */
class NcclCollectiveTest {
    @Test
    void allReduceBroadcastAndGatherOnEveryVisibleGpu() throws Exception {
        int n = GpuRequirements.gpusWithNccl(); // NCCL wants one rank per GPU
        InProcessRendezvous rv = new InProcessRendezvous(n, "nccl-test", Duration.ofSeconds(60));
        CollectiveOptions opts = CollectiveOptions.defaults().withTimeout(Duration.ofSeconds(60));
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (Collective c = NcclCollective.connect(rv.member(rank), opts, rank)) {
                        float[] v = new float[1 << 20];
                        java.util.Arrays.fill(v, rank + 1);
                        c.allReduce(v, ReduceOp.SUM);
                        float[] b = rank == 0 ? new float[]{1, 2, 3} : new float[3];
                        c.broadcast(b, 0);
                        assertArrayEquals(new float[]{1, 2, 3}, b);
                        assertEquals(n, c.allGather(new byte[rank]).size());
                        c.barrier();
                        return v;
                    }
                }));
            }
            for (Future<float[]> f : futures) {
                float[] v = f.get(120, TimeUnit.SECONDS);
                assertEquals(n * (n + 1) / 2f, v[0]);
                assertEquals(n * (n + 1) / 2f, v[v.length - 1]);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
