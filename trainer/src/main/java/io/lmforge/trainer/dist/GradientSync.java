package io.lmforge.trainer.dist;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The data-parallel seam of the training step:
 *
 * <pre>
 *   forward → collector.backward(loss) → sync.averageGradients(…) → clip → optimizer update
 * </pre>
 *
 * A single process uses {@link #singleProcess()}, which does nothing. A data-parallel run plugs
 * in an implementation backed by an all-reduce (ring over TCP on CPU, NCCL on GPU). Every rank
 * calls the same methods in the same order.
 */
public interface GradientSync extends AutoCloseable {

    int rank();

    int worldSize();

    /**
     * Replaces, in place, each parameter's gradient with its mean over all ranks. Called once per
     * optimizer step, after every micro-batch's backward and before clipping, so the global norm
     * and the update are identical on every rank. Keys are parameter names, in the same order on
     * every rank; every parameter has a gradient tensor (the model materialises them), so writes
     * land in the tensors the optimizer reads.
     */
    void averageGradients(Map<String, NDArray> gradients);

    /** Element-wise sums over all ranks (validation loss sums, token counts). */
    double[] sum(double[] values);

    /** Every rank's value in rank order (rank 0 reports each rank's throughput). */
    double[] gather(double value);

    /**
     * Makes every rank's tensors equal to rank 0's, in place (a fresh run's initial weights, so
     * that replicas start identical whatever each rank's random generator did). Same keys and
     * shapes on every rank.
     */
    default void replicate(Map<String, NDArray> tensors) {
    }

    /** {@link #replicate} over a model's parameters by name (the weights every rank must start from). */
    default void replicateParameters(Map<String, Parameter> parameters) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        parameters.forEach((name, p) -> arrays.put(name, p.getArray()));
        replicate(arrays);
    }

    /** Wall time this rank has spent in collectives so far, waiting for slower ranks included. */
    default long communicationNanos() {
        return 0;
    }

    @Override
    default void close() {
    }

    /** The single-process implementation: one rank, nothing to exchange. */
    static GradientSync singleProcess() {
        return SingleProcess.INSTANCE;
    }

    /** One rank; averaging over one rank is the identity. */
    enum SingleProcess implements GradientSync {
        INSTANCE;

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public void averageGradients(Map<String, NDArray> gradients) {
        }

        @Override
        public double[] sum(double[] values) {
            return values.clone();
        }

        @Override
        public double[] gather(double value) {
            return new double[]{value};
        }
    }
}
