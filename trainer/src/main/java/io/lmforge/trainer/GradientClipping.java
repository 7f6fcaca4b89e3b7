package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;

import java.util.Collection;

/**
 * Clipping by global norm (Pascanu et al.; PyTorch's {@code clip_grad_norm_}): if
 * ‖g‖ = √(Σ_p ‖g_p‖²) exceeds the limit, every gradient is scaled by limit / ‖g‖. DJL's
 * {@code optClipGrad} only clamps each element, which changes the update's direction.
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /**
     * Clips in place when {@code maxNorm > 0}, and returns the norm before clipping (NaN or
     * infinite when a gradient is; the caller then skips the step).
     */
    public static double clipGlobalNorm(Collection<NDArray> gradients, double maxNorm) {
        double norm;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList norms = new NDList(gradients.size());
            for (NDArray g : gradients) {
                norms.add(g.norm());
            }
            norm = NDArrays.stack(norms).norm().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
        }
        if (maxNorm > 0 && Double.isFinite(norm) && norm > maxNorm) {
            double scale = maxNorm / (norm + 1e-6);
            for (NDArray g : gradients) {
                g.muli(scale);
            }
        }
        return norm;
    }
}
