package io.lmforge.cli.train;

import io.lmforge.config.Settings;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.ModelSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.concurrent.Callable;

/** {@code lmforge model-info}: parameter count, active parameters and FLOPs per token of a model. */
@Command(name = "model-info", mixinStandardHelpOptions = true,
        description = "Prints parameter count, active parameters per token and FLOPs per token of a preset or config.")
public final class ModelInfoCommand implements Callable<Integer> {

    @Option(names = "--preset", description = "tiny, small, 7b or 7b-moe (default: tiny)")
    String preset;

    @Option(names = "--config", description = "a training config; its model section is used")
    File config;

    @Option(names = "--seq-len", description = "context length for the FLOPs (default: the model's max positions)")
    Integer seqLen;

    @Option(names = "--vocab-size", description = "vocabulary size (default: the preset's)")
    Integer vocabSize;

    @Override
    public Integer call() {
        ModelConfig c = config != null ? ModelConfig.fromSettings(Settings.load(config, io.lmforge.trainer.TrainConfig.NAMESPACE).section("model"))
                : ModelConfig.preset(preset != null ? preset : "tiny");
        if (vocabSize != null) {
            c = c.withVocabSize(vocabSize);
        }
        System.out.print(ModelSize.of(c).describe(seqLen != null ? seqLen : c.maxPositions()));
        return 0;
    }
}
