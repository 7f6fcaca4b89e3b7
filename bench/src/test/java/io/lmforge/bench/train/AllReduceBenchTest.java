package io.lmforge.bench.train;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark command runs and prints its table (figures are not checked: timing lives in the command). */
class AllReduceBenchTest {

    @Test
    void printsOneRowPerSizeAndWorldSize() {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = new CommandLine(new AllReduceBench()).execute("--ranks", "2,3", "--sizes-mb", "1", "--seconds", "0.05",
                    "--segment-kb", "256");
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.matches("(?s).*\\n\\s+1 MB\\s+[0-9.]+\\s+2\\s+\\d+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n\\s+1 MB\\s+[0-9.]+\\s+3\\s+\\d+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\n.*"), out);
        assertTrue(out.contains("busbw = algbw x 2(n-1)/n"), out);
    }
}
