package io.lmforge.trainer.dist.nccl;

import com.google.gson.JsonObject;
import io.lmforge.trainer.TestShards;
import io.lmforge.trainer.TrainerTest;
import io.lmforge.trainer.TrainProcess;
import io.lmforge.trainer.dist.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NCCL gradient path on real GPUs, each case in a child JVM (DJL has to start on bytedeco's
 * libtorch there, which a JVM that already ran DJL on its own libtorch cannot do). Skipped, with
 * the reason, unless a GPU, libnccl.so.2 and the {@code -Pgpu} natives (bytedeco CUDA and CUDA
 * libtorch) are present. Not run in this project so far: no GPU was available.
 */
class NcclGradientSyncTest {

    private static List<String> jvm() {
        List<String> flags = new ArrayList<>(List.of("-Xmx2g", "-Dai.djl.offline=true"));
        flags.addAll(ChildJvm.sparkJvmFlags());
        return flags;
    }

    @Test
    void averagesDjlTensorsInGpuMemoryThroughTheirDataPointers(@TempDir Path dir) throws Exception {
        GpuRequirements.gpusWithNccl();
        GpuRequirements.requireCudaLibtorch();
        Path log = dir.resolve("child.log");
        Process p = ChildJvm.start(NcclGradientSyncMain.class, jvm(), Map.of(), log);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the child JVM hung:\n" + Files.readString(log));
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("nccl gradient sync ok"), out);
    }

    /** lmforge train --distributed N (N = visible GPUs, at most 2) with NCCL and fp16 mixed precision. */
    @Test
    void trainsWithNcclAndFp16OnTheVisibleGpus(@TempDir Path dir) throws Exception {
        int gpus = Math.min(2, GpuRequirements.gpusWithNccl());
        GpuRequirements.requireCudaLibtorch();
        Path shards = TestShards.write(dir.resolve("shards"), 16, 64, 3, 12, 8, 11);
        Path config = dir.resolve("gpu.conf");
        Files.writeString(config, """
                model { preset = tiny, hidden-size = 64, layers = 2, heads = 2, intermediate-size = 128, max-positions = 64 }
                train { seed = 7, max-steps = 8, micro-batch = 4, grad-accumulation = 1, device = gpu, precision = fp16 }
                optimizer { lr = 3e-3, warmup-steps = 2 }
                eval { every = 4, max-sequences = 8 }
                checkpoint { every = 4 }
                metrics { log-every = 1, prometheus-port = -1 }
                distributed { backend = nccl, timeout = 60s, connect-timeout = 60s }
                """);
        Path run = dir.resolve("run");
        Path log = dir.resolve("train.log");
        Process p = ChildJvm.start(TrainProcess.class, jvm(), Map.of("SPARK_LOCAL_IP", "127.0.0.1"), log,
                "--config", config.toString(), "--data", shards.toString(), "--out", run.toString(),
                "--distributed", Integer.toString(gpus));
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "training hung:\n" + Files.readString(log));
        assertEquals(0, p.exitValue(), Files.readString(log));
        List<JsonObject> steps = TrainerTest.log(run).stream().filter(o -> o.get("type").getAsString().equals("train")).toList();
        assertEquals(8, steps.size());
        assertTrue(steps.get(7).get("loss").getAsDouble() < steps.get(0).get("loss").getAsDouble(), "it learns");
        assertTrue(steps.get(7).has("loss_scale"), "fp16 runs scale the loss");
        assertTrue(Files.isDirectory(run.resolve("checkpoints/step-00000008")));
    }
}
