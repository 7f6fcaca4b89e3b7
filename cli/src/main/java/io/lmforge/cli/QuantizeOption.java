package io.lmforge.cli;

import io.lmforge.model.quantize.Quantization;
import picocli.CommandLine.Option;

/**
 * {@code --quantize int8 [--keep-embeddings]} of the commands that load a checkpoint for
 * inference (generate, eval, serve): the float32 weights are quantized as they load, and stay
 * int8 in memory. A checkpoint written by {@code lmforge quantize} loads quantized without it.
 */
public final class QuantizeOption {
    @Option(names = "--quantize", paramLabel = "int8",
            description = "quantize the weights on load: int8, symmetric, one scale per output channel "
                    + "(default: as the checkpoint stores them)")
    String method;

    @Option(names = "--keep-embeddings",
            description = "with --quantize: keep the token embedding and the output head float32 (default: int8 too)")
    boolean keepEmbeddings;

    /** What to quantize to on load; null: load as stored. */
    public Quantization quantization() {
        if (method == null) {
            if (keepEmbeddings) {
                throw new CheckpointArgs.InputException("--keep-embeddings needs --quantize int8", null);
            }
            return null;
        }
        try {
            return Quantization.parse(method, keepEmbeddings);
        } catch (IllegalArgumentException e) {
            throw new CheckpointArgs.InputException("--quantize: " + e.getMessage(), e);
        }
    }
}
