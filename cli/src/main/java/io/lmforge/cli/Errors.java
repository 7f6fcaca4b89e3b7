package io.lmforge.cli;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.pipeline.AccountingException;
import io.lmforge.ingest.NoInputException;
import picocli.CommandLine;

/**
 * Errors a user can fix (a bad config key, a path that matches nothing, a broken accounting
 * identity) print one line and exit 2; anything else is a bug and prints its stack trace.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        if (e instanceof InvalidConfigException) {
            cli.getErr().println("lmforge: config error: " + e.getMessage());
            return 2;
        }
        if (e instanceof NoInputException || e instanceof CheckpointArgs.InputException) {
            cli.getErr().println("lmforge: input error: " + e.getMessage());
            return 2;
        }
        if (e instanceof AccountingException) {
            cli.getErr().println("lmforge: " + e.getMessage());
            return 3;
        }
        e.printStackTrace(cli.getErr());
        return 1;
    }
}
