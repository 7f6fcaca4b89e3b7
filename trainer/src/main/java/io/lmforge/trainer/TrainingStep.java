package io.lmforge.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.lmforge.model.LanguageModelLoss;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.model.nn.Scalars;
import io.lmforge.trainer.data.Batch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One optimizer step:
 *
 * <pre>
 *   for each of the A micro-batches:
 *       logits, L_bal = model(tokens)
 *       collector.backward((CE(logits, targets) + L_bal) / A)        gradients accumulate
 *   sync.averageGradients(g)                                        all-reduce seam (data parallel)
 *   ‖g‖ = clip_global_norm(g, max)
 *   AdamW update at learning rate η (skipped if ‖g‖ is not finite)
 *   g ← 0
 * </pre>
 */
public final class TrainingStep {
    private final DeepSeekModel model;
    private final Map<String, Parameter> parameters;
    private final ParameterStore store;
    private final NDManager manager;
    private final AdamW optimizer;
    private final LanguageModelLoss objective;
    private final GradientSync sync;
    private final double maxGradNorm;
    private final int accumulation;
    private final boolean maskDocuments;

    public TrainingStep(DeepSeekModel model, NDManager manager, AdamW optimizer, LanguageModelLoss objective,
                        GradientSync sync, double maxGradNorm, int accumulation, boolean maskDocuments) {
        this.model = model;
        this.parameters = model.namedParameters();
        this.store = new ParameterStore(manager, false);
        this.manager = manager;
        this.optimizer = optimizer;
        this.objective = objective;
        this.sync = sync;
        this.maxGradNorm = maxGradNorm;
        this.accumulation = accumulation;
        this.maskDocuments = maskDocuments;
    }

    /**
     * What a step measured: the objective and its parts (means over the micro-batches), the
     * gradient norm before clipping, the tokens this rank trained on.
     */
    public record Outcome(double loss, double crossEntropy, double balanceLoss, double gradNorm, long tokens,
                          boolean skipped) {
    }

    public Outcome run(Supplier<Batch> batches, double learningRate) {
        double loss = 0;
        double crossEntropy = 0;
        long tokens = 0;
        for (int micro = 0; micro < accumulation; micro++) {
            Batch batch = batches.get();
            try (NDScope scope = new NDScope();
                 GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                scope.suppressNotUsedWarning();
                NDArray documents = maskDocuments ? batch.documentIds(manager) : null;
                NDList out = model.forward(store, batch.inputs(manager), documents, true);
                LanguageModelLoss.Value value = objective.compute(out.get(0), batch.targets(manager), out.get(1));
                collector.backward(Scalars.dividedBy(value.total(), accumulation));
                loss += scalar(value.total()) / accumulation;
                crossEntropy += scalar(value.crossEntropy()) / accumulation;
            }
            tokens += batch.tokens();
        }

        double gradNorm;
        boolean skipped;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Map<String, NDArray> gradients = new LinkedHashMap<>();
            parameters.forEach((name, p) -> gradients.put(name, p.getArray().getGradient()));
            sync.averageGradients(gradients);
            gradNorm = GradientClipping.clipGlobalNorm(gradients.values(), maxGradNorm);
            skipped = !Double.isFinite(gradNorm);
            if (!skipped) {
                optimizer.update(parameters, learningRate);
            }
        }
        for (Parameter p : parameters.values()) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
        return new Outcome(loss, crossEntropy, loss - crossEntropy, gradNorm, tokens, skipped);
    }

    private static double scalar(NDArray a) {
        return a.toType(DataType.FLOAT64, false).getDouble();
    }
}
