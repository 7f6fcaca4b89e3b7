package io.lmforge.trainer.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.lmforge.model.LanguageModelLoss;

import java.util.List;

/**
 * A micro-batch of samples: B windows of T + 1 tokens, their domains and document layout.
 */
public record Batch(List<TokenWindow> windows, int length) {

    public int size() {
        return windows.size();
    }

    /** Predicted tokens in the batch (B · T). */
    public long tokens() {
        return (long) windows.size() * length;
    }

    /** (B, T) int32 inputs: tokens [0, T). */
    public NDArray inputs(NDManager manager) {
        return manager.create(slice(0));
    }

    /**
     * (B, T) int32 targets: tokens [1, T]; a target the window's loss mask leaves out (a context
     * token of a fine-tuning example) is {@link LanguageModelLoss#MASKED}, which the loss skips.
     */
    public NDArray targets(NDManager manager) {
        return manager.create(targetIds());
    }

    /** The (B, T) target ids on the host (to count the scored ones before the forward pass). */
    public int[][] targetIds() {
        int[][] out = slice(1);
        for (int b = 0; b < out.length; b++) {
            TokenWindow w = windows.get(b);
            if (w.lossMask() != null) {
                for (int t = 0; t < length; t++) {
                    if (!w.scored(t + 1)) {
                        out[b][t] = LanguageModelLoss.MASKED;
                    }
                }
            }
        }
        return out;
    }

    /** (B, T) document numbers for the document attention mask. */
    public NDArray documentIds(NDManager manager) {
        int[][] ids = new int[windows.size()][];
        for (int b = 0; b < ids.length; b++) {
            ids[b] = windows.get(b).documentIds(length);
        }
        return manager.create(ids);
    }

    public String domain(int i) {
        return windows.get(i).domain();
    }

    private int[][] slice(int from) {
        int[][] out = new int[windows.size()][];
        for (int b = 0; b < out.length; b++) {
            out[b] = java.util.Arrays.copyOfRange(windows.get(b).tokens(), from, from + length);
        }
        return out;
    }
}
