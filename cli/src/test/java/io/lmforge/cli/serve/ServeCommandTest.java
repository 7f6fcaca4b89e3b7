package io.lmforge.cli.serve;

import io.lmforge.cli.LmForge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lmforge serve} is registered, documents its options and fails clearly on a missing checkpoint. */
class ServeCommandTest {
    @Test
    void serveIsACommandOfLmforge() {
        CommandLine cli = LmForge.commandLine();
        assertTrue(cli.getSubcommands().containsKey("serve"));
        String usage = cli.getSubcommands().get("serve").getUsageMessage();
        for (String option : new String[]{"--checkpoint", "--host", "--port", "--api-key", "--max-batch", "--max-queue",
                "--max-body-bytes", "--request-timeout", "LMFORGE_API_KEY", "127.0.0.1"}) {
            assertTrue(usage.contains(option), option + " in\n" + usage);
        }
    }

    @Test
    void aMissingCheckpointIsOneClearError(@TempDir Path dir) {
        CommandLine cli = LmForge.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("serve", "--checkpoint", dir.resolve("nothing").toString(), "--port", "0");
        assertNotEquals(0, code);
        assertTrue(err.toString().contains("does not exist"), err.toString());
    }
}
