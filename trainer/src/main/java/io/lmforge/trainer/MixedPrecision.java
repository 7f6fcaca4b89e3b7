package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.trainer.freeze.ParameterFreeze;

import java.util.Map;

/**
 * The model as a training step sees it, in one of two precisions.
 *
 * <ul>
 *   <li>{@code fp32}: one model; forward, backward, all-reduce and update in fp32.</li>
 *   <li>{@code fp16} (Micikevicius et al., "Mixed Precision Training"): an fp16 copy of the
 *       weights runs forward and backward (half the memory traffic, tensor cores on a GPU);
 *       the optimizer updates fp32 <em>master</em> weights, so updates smaller than fp16's
 *       resolution are not rounded away. Each step: gradients are widened to fp32 into the
 *       master gradients (the all-reduce averages those, in fp32), the update runs on the
 *       masters, and the masters are narrowed back into the fp16 copy. Logits and the balance
 *       loss are widened to fp32 before the loss, so the log-softmax over the vocabulary and the
 *       loss itself are fp32. Used with dynamic loss scaling, which keeps small fp16 gradients
 *       from flushing to zero.</li>
 * </ul>
 *
 * Checkpoints and validation use the fp32 masters.
 */
public final class MixedPrecision {
    /**
     * Initialization draws from libtorch's process-wide generator and runs DJL's
     * GradientCollector, of which only one may be open per JVM: ranks sharing an executor JVM
     * initialize one after another, so each gets exactly what a lone process with the same seed gets.
     */
    private static final Object INIT_LOCK = new Object();

    private final DeepSeekModel master;
    private final DeepSeekModel compute;
    private final Map<String, Parameter> masterParameters;
    private final Map<String, Parameter> computeParameters;
    private final NDArray one;
    private ParameterFreeze freeze;

    private MixedPrecision(DeepSeekModel master, DeepSeekModel compute, NDManager manager) {
        this(master, compute, master.namedParameters(), compute.namedParameters(), manager);
    }

    private MixedPrecision(DeepSeekModel master, DeepSeekModel compute, Map<String, Parameter> masterParameters,
                           Map<String, Parameter> computeParameters, NDManager manager) {
        this.master = master;
        this.compute = compute;
        this.masterParameters = masterParameters;
        this.computeParameters = computeParameters;
        this.one = manager.ones(new Shape(1), DataType.FLOAT32);
        this.freeze = ParameterFreeze.none(masterParameters);
    }

    /** fp32 weights initialized from {@code seed}; with {@code fp16}, also their fp16 compute copy. */
    public static MixedPrecision create(ModelConfig config, NDManager manager, boolean fp16, long seed) {
        synchronized (INIT_LOCK) {
            DeepSeekModel master = new DeepSeekModel(config).initialize(manager, DataType.FLOAT32, seed);
            DeepSeekModel compute = fp16 ? new DeepSeekModel(config).initialize(manager, DataType.FLOAT16, seed) : master;
            MixedPrecision m = new MixedPrecision(master, compute, manager);
            m.copyMasterToCompute();
            return m;
        }
    }

    /** An existing fp32 model, as is (benchmarks and tests that build their own model). */
    static MixedPrecision fp32(DeepSeekModel model, NDManager manager) {
        return new MixedPrecision(model, model, manager);
    }

    /**
     * An fp32 model of which only {@code trainable} are trained, checkpointed and all-reduced (a
     * LoRA run: the adapters; the model's own weights are frozen and stay as loaded).
     */
    public static MixedPrecision fp32(DeepSeekModel model, Map<String, Parameter> trainable, NDManager manager) {
        return new MixedPrecision(model, model, trainable, trainable, manager);
    }

    boolean fp16() {
        return compute != master;
    }

    /** The fp32 weights: what the optimizer updates, the all-reduce averages the gradients of, and checkpoints hold. */
    public DeepSeekModel master() {
        return master;
    }

    Map<String, Parameter> masterParameters() {
        return masterParameters;
    }

    /** What {@link #freeze} fixed (nothing unless it was called). */
    ParameterFreeze freeze() {
        return freeze;
    }

    /** The fp32 weights that train: all of them unless {@link #freeze} fixed some. */
    Map<String, Parameter> trainableParameters() {
        return freeze.trainable(masterParameters);
    }

    /**
     * Fixes {@code f}'s parameters in both copies: autograd no longer computes their gradients
     * (backward stops below the lowest trainable layer), and the step, the all-reduce and the
     * optimizer see only {@link #trainableParameters()}.
     */
    void freeze(ParameterFreeze f) {
        this.freeze = f;
        for (String name : f.frozen()) {
            masterParameters.get(name).getArray().setRequiresGradient(false);
            computeParameters.get(name).getArray().setRequiresGradient(false);
        }
    }

    /** The model forward and backward run on. */
    DeepSeekModel compute() {
        return compute;
    }

    /**
     * {@code x} in fp32, differentiably. DJL's {@code toType} runs without autograd, so the cast is
     * a product with a one-element fp32 tensor: PyTorch's type promotion gives fp32, and the
     * gradient flows back through the multiplication into fp16.
     */
    NDArray toFloat32(NDArray x) {
        if (x.getDataType() == DataType.FLOAT32) {
            return x;
        }
        Shape shape = x.getShape();
        NDArray wide = (shape.dimension() == 0 ? x.reshape(1) : x).mul(one.toDevice(x.getDevice(), false));
        return shape.dimension() == 0 ? wide.reshape(shape) : wide;
    }

    /** Widens the fp16 gradients into the fp32 master gradients (nothing to do in fp32). */
    void gradientsToMaster() {
        if (!fp16()) {
            return;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (Map.Entry<String, Parameter> e : freeze.trainable(computeParameters).entrySet()) {
                Tensors.copyInto(e.getValue().getArray().getGradient(),
                        masterParameters.get(e.getKey()).getArray().getGradient(), e.getKey() + " (gradient)");
            }
        }
    }

    /** Narrows the master weights into the fp16 copy (after an update or a restore). */
    void copyMasterToCompute() {
        if (!fp16()) {
            return;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (Map.Entry<String, Parameter> e : masterParameters.entrySet()) {
                Tensors.copyInto(e.getValue().getArray(), computeParameters.get(e.getKey()).getArray(), e.getKey());
            }
        }
    }

    void zeroGradients() {
        for (Parameter p : freeze.trainable(computeParameters).values()) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
        if (fp16()) {
            for (Parameter p : trainableParameters().values()) {
                JniUtils.zeroGrad((PtNDArray) p.getArray());
            }
        }
    }
}
