package io.lmforge.trainer.dist.nccl;

import org.bytedeco.javacpp.Loader;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes DJL and bytedeco share one libtorch, which {@link TorchTensors} needs. Call before
 * anything initializes DJL's PyTorch engine.
 *
 * <p>Why the order matters (reproduced on CPU, see README "Distributed training"): when
 * {@code PYTORCH_LIBRARY_PATH} names JavaCPP's extraction folder but JavaCPP has not extracted
 * there yet (an empty cache: the first run), DJL silently falls back to its own libtorch copy;
 * the later {@code Loader.load} then loads a second libtorch into the process, whose static
 * initializers register their operators into the first copy's dispatcher and abort the JVM
 * ({@code c10::Error: Tried to register multiple backend fallbacks for the same dispatch key
 * Conjugate}). On the second run the folder exists, DJL loads those very files, and all is well.
 * Extracting first and pointing DJL at the result removes the dependence on the cache's state.
 */
public final class SharedLibtorch {
    private static Path dir;

    private SharedLibtorch() {
    }

    /** Extracts and loads bytedeco's libtorch, then points DJL at the same files; returns their folder. */
    public static synchronized Path prepare() {
        if (dir != null) {
            return dir;
        }
        String jni = Loader.load(org.bytedeco.pytorch.global.torch.class);
        Path folder = Path.of(jni).getParent();
        String fromEnv = System.getenv("PYTORCH_LIBRARY_PATH");
        if (fromEnv != null && !fromEnv.isBlank() && !samePath(Path.of(fromEnv), folder)) {
            throw new IllegalStateException("PYTORCH_LIBRARY_PATH=" + fromEnv + " but bytedeco's libtorch is in " + folder
                    + ": DJL would load a second libtorch and the JVM would abort; unset it or point it there");
        }
        System.setProperty("PYTORCH_LIBRARY_PATH", folder.toString());
        System.setProperty("PYTORCH_VERSION", "2.7.1");
        if (System.getenv("PYTORCH_FLAVOR") == null && System.getProperty("PYTORCH_FLAVOR") == null) {
            // DJL picks its JNI library by flavour; its pytorch-jni jar carries cpu and cu128 builds for 2.7.1.
            System.setProperty("PYTORCH_FLAVOR", Files.exists(folder.resolve("libtorch_cuda.so")) ? "cu128" : "cpu");
        }
        dir = folder;
        return folder;
    }

    private static boolean samePath(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
