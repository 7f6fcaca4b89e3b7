package io.lmforge.cli.quantize;

import io.lmforge.cli.CheckpointArgs;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.QuantizedCheckpoint;
import io.lmforge.model.quantize.Quantization;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code lmforge quantize --checkpoint C --out DIR [--keep-embeddings]}: writes C's weights as
 * an int8 checkpoint that generate, eval and serve load directly; see docs/quantization.md.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Writes an int8 weight-only quantized copy of a checkpoint (self-contained: weights, scales, "
                + "config, tokenizer).")
public final class QuantizeCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, description = "a run directory or RUN/checkpoints/step-N (float32)")
    Path checkpoint;

    @Option(names = "--out", required = true, description = "the directory to write; must be empty or absent")
    Path out;

    @Option(names = "--keep-embeddings",
            description = "keep the token embedding and the output head float32 (default: int8 too)")
    boolean keepEmbeddings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Quantization quantization = new Quantization(keepEmbeddings);
        Path written;
        try {
            written = QuantizedCheckpoint.write(checkpoint, out, quantization);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new CheckpointArgs.InputException(e.getMessage(), e);
        }
        Path weights = written.resolve(CheckpointFiles.WEIGHTS_PREFIX + ".safetensors");
        spec.commandLine().getErr().printf("quantized %s (%s) to %s: %,d bytes of weights%n",
                CheckpointFiles.resolve(checkpoint), quantization, written, Files.size(weights));
        return 0;
    }
}
