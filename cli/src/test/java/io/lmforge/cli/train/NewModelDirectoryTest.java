package io.lmforge.cli.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --out} of export and merge-adapter: a non-empty directory or a file is refused before any model is read. */
class NewModelDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void exportAndMergeAdapterRefuseANonEmptyDirectoryOrAFile() throws IOException {
        Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("config.json"), "{}");
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path missing = dir.resolve("no-such-checkpoint");
        for (String command : List.of("export", "merge-adapter")) {
            EvalCommandTest.Outcome notEmpty = EvalCommandTest.lmforge(command, "--checkpoint", missing.toString(),
                    "--out", full.toString());
            assertEquals(2, notEmpty.code(), notEmpty.err());
            assertEquals("lmforge: input error: " + full + " is not empty; write into a new directory",
                    notEmpty.err().strip(), command);

            EvalCommandTest.Outcome aFile = EvalCommandTest.lmforge(command, "--checkpoint", missing.toString(),
                    "--out", file.toString());
            assertEquals(2, aFile.code(), aFile.err());
            assertEquals("lmforge: input error: " + file + " is a file", aFile.err().strip(), command);

            EvalCommandTest.Outcome help = EvalCommandTest.lmforge(command, "--help");
            assertTrue(help.out().matches("(?s).*--out=<out>\\s+the directory to write; must be empty or absent\\n.*"),
                    help.out());
        }
    }
}
