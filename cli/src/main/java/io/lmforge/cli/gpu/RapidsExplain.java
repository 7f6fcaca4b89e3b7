package io.lmforge.cli.gpu;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The RAPIDS Accelerator's own answer to "what of this plan would run on a GPU":
 * {@code com.nvidia.spark.rapids.ExplainPlan.explainPotentialGpuPlan}, which plans a Dataset the
 * way the plugin would and needs no GPU. Called by reflection because the plugin jar (about 1 GB)
 * is on the classpath only in builds with {@code -Prapids}; without it {@link #load()} fails with
 * how to get it.
 */
final class RapidsExplain {
    static final String CLASS = "com.nvidia.spark.rapids.ExplainPlan";
    static final String MISSING = "the RAPIDS Accelerator is not on the classpath (" + CLASS + " not found). "
            + "Build with it once (it downloads com.nvidia:rapids-4-spark_2.13 26.08.1, about 1 GB, into ~/.m2): "
            + "mvn -B -Prapids -DskipTests package, then run bin/check-gpu-plan (docs/rapids.md)";

    private final Method explain;

    private RapidsExplain(Method explain) {
        this.explain = explain;
    }

    /** The plugin's explain entry point, or an error that says how to get the plugin. */
    static RapidsExplain load() {
        try {
            Class<?> c = Class.forName(CLASS);
            return new RapidsExplain(c.getMethod("explainPotentialGpuPlan", Dataset.class, String.class));
        } catch (ClassNotFoundException | NoClassDefFoundError | NoSuchMethodException e) {
            throw new RapidsMissingException(MISSING);
        }
    }

    /** What the plugin prints for {@code NOT_ON_GPU}: each operator and expression that stays on the CPU, and why. */
    String notOnGpu(Dataset<Row> rows) {
        try {
            return (String) explain.invoke(null, rows, "NOT_ON_GPU");
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Thrown when the RAPIDS Accelerator jar is not on the classpath. */
    static final class RapidsMissingException extends RuntimeException {
        RapidsMissingException(String message) {
            super(message);
        }
    }
}
