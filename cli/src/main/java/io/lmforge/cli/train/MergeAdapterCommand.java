package io.lmforge.cli.train;

import ai.djl.Device;
import io.lmforge.cli.CheckpointArgs;
import io.lmforge.model.checkpoint.AdapterCheckpoint;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.checkpoint.MergedCheckpoint;
import io.lmforge.model.checkpoint.AdapterFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code lmforge merge-adapter --checkpoint ADAPTER_RUN [--base BASE] --out DIR}: a LoRA adapter
 * folded into its base's weights (W + (alpha/r) · B A), written as a full lmforge checkpoint.
 */
@Command(name = "merge-adapter", mixinStandardHelpOptions = true,
        description = "Merges a LoRA adapter checkpoint into its base and writes a full checkpoint.")
public final class MergeAdapterCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, description = "the LoRA run directory or one of its checkpoints")
    Path checkpoint;

    @Option(names = "--base", description = "the base checkpoint or run; default: the path the adapter recorded")
    Path base;

    @CommandLine.Mixin
    NewModelDirectory out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (out.refused(err)) {
            return 2;
        }
        Path adapter;
        try {
            adapter = CheckpointFiles.resolve(checkpoint);
        } catch (IOException e) {
            throw new CheckpointArgs.InputException(e.getMessage(), e);
        }
        if (!AdapterFiles.isAdapter(adapter)) {
            err.println("lmforge: input error: " + adapter + " has no " + AdapterFiles.CONFIG
                    + ": it is a full checkpoint, not a LoRA adapter");
            return 2;
        }
        CheckpointModel model;
        try {
            model = AdapterCheckpoint.load(adapter, base, Device.cpu());
        } catch (IOException | IllegalStateException e) {
            throw new CheckpointArgs.InputException(e.getMessage(), e);
        }
        try (model) {
            MergedCheckpoint.write(model, out.path);
            err.println("merged " + adapter + " into its base; wrote " + out.path);
        }
        return 0;
    }
}
