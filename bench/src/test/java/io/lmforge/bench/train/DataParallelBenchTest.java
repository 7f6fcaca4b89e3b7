package io.lmforge.bench.train;

import io.lmforge.trainer.dist.spark.LocalSpark;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark command trains 1 and 2 ranks and prints its table (figures are not checked: timing lives in the command). */
class DataParallelBenchTest {

    @Test
    void printsOneRowPerConfigurationAndLeavesTheSharedContextRunning() {
        var sc = LocalSpark.get();
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = new CommandLine(new DataParallelBench()).execute("--global-batch", "2", "--context", "16",
                    "--vocab-size", "64", "--steps", "2", "--warmup", "0", "--rounds", "1");
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        String number = "\\s+[0-9][0-9.,]*";
        assertTrue(out.matches("(?s).*\\n1 × 1t\\s+2" + number + number + "\\s+1\\.00\\s+-\\s+-" + number + number + "\\n.*"),
                out);
        assertTrue(out.matches("(?s).*\\n2 × 1t\\s+1" + number + number + number + number + number + "%" + number
                + number + "\\n.*"), out);
        assertTrue(out.matches("(?s).*\\n1 × 2t\\s+2" + number + number + number + "\\s+-\\s+-" + number + number
                + "\\n.*"), out);
        assertFalse(sc.isStopped(), "the bench stopped a SparkContext it did not create");
    }
}
