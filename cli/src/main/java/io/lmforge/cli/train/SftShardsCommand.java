package io.lmforge.cli.train;

import io.lmforge.cli.CheckpointArgs;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.sft.SftShards;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code lmforge sft-shards --data FILE.jsonl --checkpoint C --out DIR}: supervised fine-tuning
 * examples to loss-masked shards for {@code train --init-from C --data DIR/shards}. See
 * docs/fine-tuning.md.
 */
@Command(name = "sft-shards", mixinStandardHelpOptions = true,
        description = "Tokenizes {\"context\", \"response\"} (or chat \"messages\") JSONL with a checkpoint's tokenizer "
                + "into shards whose loss counts only the responses.")
public final class SftShardsCommand implements Callable<Integer> {
    /** Broken lines printed before the rest are only counted (all are in OUT/quarantine.jsonl). */
    private static final int ERRORS_SHOWN = 10;

    @Option(names = "--data", required = true, description = "JSON lines of examples; repeat for several files")
    List<Path> data = new ArrayList<>();

    @Option(names = "--checkpoint", required = true, description = "the checkpoint to fine-tune (or its run directory): "
            + "its tokenizer, special tokens and vocabulary")
    Path checkpoint;

    @Option(names = "--out", required = true, description = "output directory: shards/, tokenizer/, quarantine.jsonl, "
            + "manifest.json")
    Path out;

    @Option(names = "--seq-len", description = "tokens per window minus one (default: the model's max positions)")
    int seqLen;

    @Option(names = "--val-fraction", description = "share of the examples held out for validation (default: 0.05)")
    double valFraction = 0.05;

    @Option(names = "--seed", description = "which examples go to validation (default: 1234)")
    long seed = 1234;

    @Option(names = "--rows-per-file", description = "windows per Parquet file, the unit the trainer shuffles and "
            + "decodes at once (default: 4096)")
    int rowsPerFile = 4096;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter console = spec.commandLine().getOut();
        SftShards.Report r;
        try {
            r = SftShards.build(new SftShards.Options(data, checkpoint, out, seqLen, valFraction, seed, rowsPerFile));
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new CheckpointArgs.InputException(e.getMessage(), e);
        }
        ShardManifest.Split train = r.manifest().split(ShardManifest.TRAIN);
        ShardManifest.Split val = r.manifest().split(ShardManifest.VAL);
        console.printf("%,d records: %,d examples (%,d train, %,d val; %,d truncated to fit), %,d quarantined%n",
                r.records(), r.examples(), r.trainExamples(), r.valExamples(), r.truncated(), r.quarantined());
        console.printf("%,d + %,d windows of %d tokens: %,d trained (responses), %,d context, %,d padding%n",
                train.sequences(), val.sequences(), r.manifest().seqLen() + 1, r.trainedTokens(), r.contextTokens(),
                r.paddingTokens());
        r.errors().stream().limit(ERRORS_SHOWN).forEach(e -> console.println("quarantined: " + e));
        if (r.quarantined() > ERRORS_SHOWN) {
            console.printf("... and %,d more in %s%n", r.quarantined() - ERRORS_SHOWN, out.resolve("quarantine.jsonl"));
        }
        console.printf("shards: %s (train --init-from %s --data %s)%n", out.resolve("shards"), checkpoint,
                out.resolve("shards"));
        console.flush();
        return 0;
    }
}
