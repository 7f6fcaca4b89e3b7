package io.lmforge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;

/**
 * The {@code lmforge} command. The same main class runs embedded (bin/lmforge) and under
 * spark-submit on a cluster.
 */
@Command(name = "lmforge", mixinStandardHelpOptions = true, versionProvider = LmForge.Version.class,
        description = "Builds clean, deduplicated, tokenized corpora on Spark and trains language models on them.",
        subcommands = CorpusCommand.class)
public final class LmForge implements Runnable {

    /**
     * Commands added when their classes are on the classpath: the corpus cluster jar leaves out
     * the trainer, the model and libtorch (and so these), the training jar and bin/lmforge have them.
     */
    static final List<String> OPTIONAL_COMMANDS = List.of("io.lmforge.cli.train.TrainCommand",
            "io.lmforge.cli.train.ModelInfoCommand", "io.lmforge.cli.train.EvalCommand",
            "io.lmforge.cli.train.ExportCommand", "io.lmforge.cli.train.SftShardsCommand",
            "io.lmforge.cli.generate.GenerateCommand",
            "io.lmforge.cli.serve.ServeCommand", "io.lmforge.cli.quantize.QuantizeCommand",
            "io.lmforge.cli.train.MergeAdapterCommand",
            "io.lmforge.bench.BenchCommand",
            "io.lmforge.cli.gpu.CheckGpuPlanCommand");

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        // On YARN in cluster mode this main runs inside the application master, which reads
        // System.exit as a crash ("Shutdown hook called before final status was reported") and reruns
        // the whole application: return, or fail by throwing, instead.
        if (System.getProperty("spark.yarn.app.id") != null) {
            if (code != 0) {
                throw new IllegalStateException("lmforge " + String.join(" ", args) + " exited with status " + code);
            }
            return;
        }
        System.exit(code);
    }

    /** The command line with lmforge's error handling: config and input errors print one clear line. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new LmForge());
        for (String name : OPTIONAL_COMMANDS) {
            try {
                // picocli reflects on the command's members here: a class whose own dependencies are
                // missing (the model, in the corpus jar) fails on that, not on Class.forName.
                cli.addSubcommand(Class.forName(name).getDeclaredConstructor().newInstance());
            } catch (ClassNotFoundException | NoClassDefFoundError e) {
                continue;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot create " + name, e);
            }
        }
        cli.setExecutionExceptionHandler(new Errors());
        return cli;
    }

    @Override
    public void run() {
        commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = LmForge.class.getPackage().getImplementationVersion();
            return new String[]{"lmforge " + (v != null ? v : "dev")};
        }
    }
}
