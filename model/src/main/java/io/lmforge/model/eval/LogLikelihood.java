package io.lmforge.model.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.lmforge.model.nn.DeepSeekModel;

import java.util.ArrayList;
import java.util.List;

/**
 * Log-probabilities a model gives each token of a sequence given the tokens before it, in
 * batches of right-padded sequences (the model is causal, so padding at the end changes nothing
 * before it). The basis of every evaluation: loss and bits per byte, multiple-choice scoring.
 */
public final class LogLikelihood {
    private final DeepSeekModel model;
    private final NDManager manager;
    private final ParameterStore parameters;
    private final int batchSize;

    public LogLikelihood(DeepSeekModel model, NDManager manager, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.model = model;
        this.manager = manager;
        this.parameters = new ParameterStore(manager, false);
        this.batchSize = batchSize;
    }

    /** The longest sequence one forward pass takes: the model's context plus the first token, which is not predicted. */
    public int maxSequence() {
        return model.config().maxPositions() + 1;
    }

    /** @see #score(List, List) */
    public List<double[]> score(List<int[]> sequences) {
        return score(sequences, null);
    }

    /**
     * For each sequence s (2 ≤ length ≤ {@link #maxSequence()}), log p(s[i] | s[0, i)) for
     * i = 1..length-1, in nats.
     *
     * @param documentIds per sequence, the document number of each position (attention stays
     *                    inside a document, as training with {@code mask-documents}); null: plain causal
     */
    public List<double[]> score(List<int[]> sequences, List<int[]> documentIds) {
        List<double[]> out = new ArrayList<>(sequences.size());
        for (int from = 0; from < sequences.size(); from += batchSize) {
            int to = Math.min(sequences.size(), from + batchSize);
            out.addAll(batch(sequences.subList(from, to), documentIds == null ? null : documentIds.subList(from, to)));
        }
        return out;
    }

    private List<double[]> batch(List<int[]> sequences, List<int[]> documentIds) {
        int length = 0;
        for (int[] s : sequences) {
            if (s.length < 2 || s.length > maxSequence()) {
                throw new IllegalArgumentException("a scored sequence needs 2 to " + maxSequence() + " tokens, got " + s.length);
            }
            length = Math.max(length, s.length - 1);
        }
        int b = sequences.size();
        int[][] inputs = new int[b][length];
        long[][] targets = new long[b][length];
        int[][] docs = documentIds == null ? null : new int[b][length];
        for (int i = 0; i < b; i++) {
            int[] s = sequences.get(i);
            for (int t = 0; t < s.length - 1; t++) {
                inputs[i][t] = s[t];
                targets[i][t] = s[t + 1];
                if (docs != null) {
                    docs[i][t] = documentIds.get(i)[t];
                }
            }
            if (docs != null) {
                for (int t = s.length - 1; t < length; t++) {
                    docs[i][t] = Integer.MAX_VALUE;
                }
            }
        }
        float[] flat;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray docIds = docs == null ? null : manager.create(docs);
            NDArray logits = model.forward(parameters, manager.create(inputs), docIds, false).get(0);
            NDArray logProbs = logits.logSoftmax(-1).gather(manager.create(targets).expandDims(-1), -1).squeeze(-1);
            flat = logProbs.toType(DataType.FLOAT32, false).toFloatArray();
        }
        List<double[]> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            double[] lp = new double[sequences.get(i).length - 1];
            for (int t = 0; t < lp.length; t++) {
                lp[t] = flat[i * length + t];
            }
            out.add(lp);
        }
        return out;
    }
}
