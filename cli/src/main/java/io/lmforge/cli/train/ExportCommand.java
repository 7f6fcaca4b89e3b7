package io.lmforge.cli.train;

import io.lmforge.cli.CheckpointArgs;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.export.HuggingFaceExport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code lmforge export --checkpoint C --format hf --out DIR}: a checkpoint as a Hugging Face model
 * directory (Llama for dense models, DeepSeekMoE for MoE models); see docs/export.md.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Exports a checkpoint as a Hugging Face model directory (config, safetensors, tokenizer).")
public final class ExportCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, description = "a run directory or RUN/checkpoints/step-N")
    Path checkpoint;

    @Option(names = "--format", description = "hf: Hugging Face transformers layout (default: hf)")
    String format = "hf";

    @CommandLine.Mixin
    NewModelDirectory out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (!"hf".equals(format)) {
            err.println("lmforge: --format " + format + " is not known (known: hf)");
            return 2;
        }
        if (out.refused(err)) {
            return 2;
        }
        try (CheckpointModel model = CheckpointArgs.load(checkpoint)) {
            try {
                HuggingFaceExport.export(model, out.path);
            } catch (IllegalArgumentException e) {                     // a quantized checkpoint
                throw new CheckpointArgs.InputException(e.getMessage(), e);
            }
            err.println("exported " + model.directory() + " (" + (model.config().moe().enabled()
                    ? "DeepseekForCausalLM" : "LlamaForCausalLM") + ") to " + out.path);
        }
        return 0;
    }
}
