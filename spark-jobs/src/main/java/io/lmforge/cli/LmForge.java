package io.lmforge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lmforge} command. The same main class runs embedded (bin/lmforge) and under
 * spark-submit on a cluster.
 */
@Command(name = "lmforge", mixinStandardHelpOptions = true, versionProvider = LmForge.Version.class,
        description = "Builds clean, deduplicated, tokenized corpora on Spark and trains language models on them.",
        subcommands = {CorpusCommand.class, io.lmforge.trainer.cli.TrainCommand.class,
                io.lmforge.trainer.cli.ModelInfoCommand.class, io.lmforge.bench.BenchCommand.class})
public final class LmForge implements Runnable {

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /** The command line with lmforge's error handling: config and input errors print one clear line. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new LmForge());
        cli.setExecutionExceptionHandler(new Errors());
        return cli;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LmForge.class.getPackage().getImplementationVersion();
            return new String[]{"lmforge " + (v != null ? v : "dev")};
        }
    }
}
