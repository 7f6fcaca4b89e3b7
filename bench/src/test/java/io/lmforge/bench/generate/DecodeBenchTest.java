package io.lmforge.bench.generate;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decode benchmark runs and prints one table row per preset and context (figures are not checked). */
class DecodeBenchTest {

    @Test
    void printsARowPerContext() {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = new CommandLine(new DecodeBenchCommand()).execute("--presets", "tiny", "--contexts", "8,24",
                    "--cached-steps", "4", "--recompute-steps", "1", "--matmul-size", "64");
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        String number = " [0-9][0-9.,]*";
        assertTrue(out.matches("(?s).*\\n\\| `tiny` \\| 8 \\|" + number + " \\|" + number + " \\|" + number + "× \\|.*%.*"), out);
        assertTrue(out.contains("| `tiny` | 24 |"), out);
        assertEquals(2, new CommandLine(new DecodeBenchCommand()).execute("--contexts", "4", "--cached-steps", "4"));
    }
}
