package io.lmforge.cli.train;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * {@code --out DIR} of the commands that write a whole model directory ({@code export},
 * {@code merge-adapter}): it must be empty or absent, so that no file of another model is left
 * beside the new one.
 */
final class NewModelDirectory {
    @Option(names = "--out", required = true, paramLabel = "<out>",
            description = "the directory to write; must be empty or absent")
    Path path;

    /** Prints why {@link #path} cannot take a new model directory, if it cannot; then the command exits 2. */
    boolean refused(PrintWriter err) throws IOException {
        String unusable = unusable();
        if (unusable != null) {
            err.println("lmforge: input error: " + unusable);
        }
        return unusable != null;
    }

    private String unusable() throws IOException {
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                return s.findAny().isPresent() ? path + " is not empty; write into a new directory" : null;
            }
        }
        return Files.exists(path) ? path + " is a file" : null;
    }
}
