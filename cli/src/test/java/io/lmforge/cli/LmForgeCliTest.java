package io.lmforge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user sees when the command line or the config is wrong: one line naming the problem. */
class LmForgeCliTest {
    @TempDir
    Path dir;

    private int run(StringWriter err, String... args) {
        CommandLine cli = LmForge.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    @Test
    void aConfigWithAnUnknownKeyExitsWith2AndNamesTheKey() throws IOException {
        Path config = dir.resolve("bad.conf");
        Files.writeString(config, "sources = [ { name = a, format = jsonl, path = \"x\", domian = web } ]\n");
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "corpus", "--config", config.toString(), "--out", dir.resolve("out").toString()));
        assertTrue(err.toString().startsWith("lmforge: config error: unknown config key sources[0].domian"), err.toString());
    }

    @Test
    void aMissingConfigFileIsNamed() {
        StringWriter err = new StringWriter();
        Path missing = dir.resolve("missing.conf");
        assertEquals(2, run(err, "corpus", "--config", missing.toString(), "--out", "o"));
        assertTrue(err.toString().contains("config file not found: " + missing), err.toString());
    }

    @Test
    void missingOptionsAreUsageErrors() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "corpus", "--config", "x.conf"));
        assertTrue(err.toString().contains("Missing required option: '--out=<out>'"), err.toString());
    }
}
