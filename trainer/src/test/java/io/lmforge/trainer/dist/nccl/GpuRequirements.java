package io.lmforge.trainer.dist.nccl;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What the GPU tests need; each check skips the test with the reason where it is missing. */
final class GpuRequirements {
    private GpuRequirements() {
    }

    /** The number of visible GPUs; skips unless a GPU, the bytedeco CUDA natives and libnccl.so.2 are present. */
    static int gpusWithNccl() {
        assumeTrue(Files.exists(Path.of("/dev/nvidia0")) || Files.exists(Path.of("/dev/nvidiactl")),
                "skipped: no NVIDIA GPU on this machine (no /dev/nvidia0)");
        int gpus = 0;
        try {
            Class.forName("org.bytedeco.cuda.global.nccl", true, GpuRequirements.class.getClassLoader());
            int[] count = new int[1];
            org.bytedeco.cuda.global.cudart.cudaGetDeviceCount(count);
            gpus = count[0];
        } catch (Throwable e) {
            assumeTrue(false, "skipped: the bytedeco CUDA natives or libnccl.so.2 cannot be loaded (build with -Pgpu and "
                    + "install NCCL): " + e);
        }
        assumeTrue(gpus >= 1, "skipped: CUDA sees no device");
        return gpus;
    }

    /** Skips unless bytedeco's CUDA build of libtorch 2.7.1 (the -Pgpu profile) is on the classpath. */
    static void requireCudaLibtorch() {
        assumeTrue(GpuRequirements.class.getClassLoader().getResource("org/bytedeco/pytorch/linux-x86_64-gpu/") != null,
                "skipped: bytedeco's CUDA libtorch (org.bytedeco:pytorch:2.7.1-1.5.12:linux-x86_64-gpu) is not on the "
                        + "classpath; run the tests with -Pgpu");
    }
}
