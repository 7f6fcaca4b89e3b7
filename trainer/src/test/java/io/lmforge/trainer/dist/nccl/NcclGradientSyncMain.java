package io.lmforge.trainer.dist.nccl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.lmforge.trainer.dist.CollectiveOptions;
import io.lmforge.trainer.dist.GradientSync;
import io.lmforge.trainer.dist.InProcessRendezvous;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * In its own JVM (DJL must start on bytedeco's libtorch, which {@link SharedLibtorch} arranges
 * before anything touches DJL): one rank per visible GPU, as threads; DJL tensors in GPU memory
 * averaged in place by {@link NcclGradientSync} through their data pointers, rank 0's weights
 * replicated, sums in double. Prints "nccl gradient sync ok" and exits 0, or exits 1 with the error.
 */
public final class NcclGradientSyncMain {

    public static void main(String[] args) throws Exception {
        SharedLibtorch.prepare();
        int[] count = new int[1];
        org.bytedeco.cuda.global.cudart.cudaGetDeviceCount(count);
        int n = count[0];
        InProcessRendezvous rv = new InProcessRendezvous(n, "nccl-gradient-sync", Duration.ofSeconds(60));
        CollectiveOptions options = CollectiveOptions.defaults().withTimeout(Duration.ofSeconds(60));
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<String>> ranks = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                ranks.add(pool.submit(() -> rank(rank, n, rv, options)));
            }
            for (Future<String> f : ranks) {
                String problem = f.get(180, TimeUnit.SECONDS);
                if (problem != null) {
                    System.out.println("FAILED: " + problem);
                    System.exit(1);
                }
            }
            System.out.println("nccl gradient sync ok on " + n + " GPU(s)");
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }

    /** Returns null when every check holds, else what went wrong. */
    private static String rank(int rank, int n, InProcessRendezvous rv, CollectiveOptions options) {
        try (NcclCollective c = NcclCollective.connect(rv.member(rank), options, rank);
             NDManager m = NDManager.newBaseManager(Device.gpu(rank))) {
            GradientSync sync = NcclGradientSync.over(c);
            float[] a = new float[100_003];
            for (int i = 0; i < a.length; i++) {
                a[i] = (rank + 1) * (i % 11);
            }
            Map<String, NDArray> gradients = new LinkedHashMap<>();
            gradients.put("a", m.create(a));
            gradients.put("b", m.full(new ai.djl.ndarray.types.Shape(3, 4), rank));
            sync.averageGradients(gradients);
            float[] meanA = gradients.get("a").toFloatArray();
            for (int i = 0; i < meanA.length; i++) {
                if (meanA[i] != (n + 1) / 2f * (i % 11)) {
                    return "rank " + rank + ": a[" + i + "] = " + meanA[i] + ", expected " + (n + 1) / 2f * (i % 11);
                }
            }
            float[] meanB = gradients.get("b").toFloatArray();
            if (meanB[0] != (n - 1) / 2f || meanB[11] != (n - 1) / 2f) {
                return "rank " + rank + ": b = " + Arrays.toString(meanB);
            }
            Map<String, NDArray> weights = Map.of("w", m.full(new ai.djl.ndarray.types.Shape(5), 10 + rank));
            sync.replicate(weights);
            if (weights.get("w").toFloatArray()[4] != 10) {
                return "rank " + rank + ": replicated w = " + Arrays.toString(weights.get("w").toFloatArray());
            }
            double[] sums = sync.sum(new double[]{rank, 1});
            if (sums[0] != n * (n - 1) / 2.0 || sums[1] != n) {
                return "rank " + rank + ": sums " + Arrays.toString(sums);
            }
            return null;
        } catch (RuntimeException e) {
            return "rank " + rank + ": " + e;
        }
    }

    private NcclGradientSyncMain() {
    }
}
