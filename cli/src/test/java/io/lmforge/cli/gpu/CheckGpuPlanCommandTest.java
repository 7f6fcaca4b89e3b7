package io.lmforge.cli.gpu;

import io.lmforge.cli.LmForge;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without the RAPIDS Accelerator on the classpath (the default build never has it) the command
 * exists, and says how to get the plugin instead of failing on a missing class.
 */
class CheckGpuPlanCommandTest {

    @Test
    void withoutThePluginJarItExitsWith2AndSaysHowToGetIt() {
        StringWriter err = new StringWriter();
        CommandLine cli = LmForge.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        assertEquals(2, cli.execute("check-gpu-plan", "--config", "conf/sample.conf"));
        assertTrue(err.toString().startsWith("lmforge check-gpu-plan: the RAPIDS Accelerator is not on the classpath"),
                err.toString());
        assertTrue(err.toString().contains("mvn -B -Prapids -DskipTests package"), err.toString());
    }
}
