package io.lmforge.bench.quantize;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.generate.Sampling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A fresh JVM per checkpoint for {@link QuantizeBench}: the resident set (VmRSS) with the engine
 * loaded and warm, after the checkpoint loads, and after a few decode steps, and the bytes the
 * weights take in memory. A process of its own, because memory freed by an earlier model does
 * not all go back to the system and would blur the next one's figure.
 *
 * <p>Prints one line: {@code weights_bytes rss_engine rss_loaded rss_decoded}.
 */
public final class ResidentMemoryProbe {
    private ResidentMemoryProbe() {
    }

    public static void main(String[] args) throws IOException {
        Engine.getInstance();
        try (NDManager m = NDManager.newBaseManager()) {
            m.ones(new Shape(64, 64)).matMul(m.ones(new Shape(64, 64))).sum().getFloat();   // kernels warm
        }
        System.gc();
        long engine = rss();
        try (CheckpointModel model = CheckpointModel.load(Path.of(args[0]))) {
            System.gc();
            long loaded = rss();
            long weights = 0;
            for (Parameter p : model.model().namedParameters().values()) {
                weights += p.getArray().getShape().size() * p.getArray().getDataType().getNumOfBytes();
            }
            model.generator().generate(new int[][]{{0, 5, 6, 7}}, 8, Sampling.GREEDY, 1, -1, 0, null);
            long decoded = rss();
            System.out.println(weights + " " + engine + " " + loaded + " " + decoded);
        }
    }

    /** VmRSS of this process in bytes (Linux). */
    static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("/proc/self/status has no VmRSS (not Linux?)");
    }
}
