package io.lmforge.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code lmforge bench ...}: commands that print measured figures. Each runs the thing measured
 * and its peer side by side in one process, because shared machines are too noisy for absolute
 * numbers taken at different times. Timing goals live here, never in unit tests.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print figures (throughput, ratios against a named peer).",
        subcommands = {
                io.lmforge.bench.train.AllReduceBench.class,
                io.lmforge.bench.train.TrainBenchCommand.class,
                io.lmforge.bench.train.LoraBench.class,
                io.lmforge.bench.generate.DecodeBenchCommand.class,
                io.lmforge.bench.serve.ServeBench.class,
                io.lmforge.bench.quantize.QuantizeBench.class,
                io.lmforge.bench.train.DataParallelBench.class,
                IngestBench.class,
                DedupBench.class,
                PiiBench.class,
                QualityBench.class,
                TokenizerTrainingBench.class,
                TokenizeThroughputBench.class,
                CorpusBench.class,
        })
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
