package io.lmforge.cli.train;

import com.google.gson.JsonObject;
import io.lmforge.model.checkpoint.RandomCheckpoint;
import io.lmforge.trainer.TestShards;
import io.lmforge.trainer.TestTokenizer;
import io.lmforge.trainer.TrainerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --teacher --distill-alpha --distill-temperature --freeze} through the command line. */
class FineTuneOptionsTest {
    private static final String STUDENT = """
            model { preset = tiny, hidden-size = 32, layers = 2, heads = 2, intermediate-size = 64, max-positions = 64
                    moe { routed-experts = 4, top-k = 2, expert-intermediate-size = 16 } }
            train { max-steps = 2, micro-batch = 4, threads = 1 }
            eval { every = 2, max-sequences = 4 }
            checkpoint { every = 2 }
            metrics { log-every = 1, prometheus-port = -1 }
            """;

    @TempDir
    static Path dir;

    @Test
    void theOptionsReachTheRunAndBadOnesAreConfigErrors() throws IOException {
        Path shards = TestTokenizer.writeCorpus(dir.resolve("corpus"), 16);
        Path config = Files.writeString(dir.resolve("student.conf"), STUDENT);
        // A wider, deeper teacher than the student: only the tokenizer and vocabulary must agree.
        Path teacher = RandomCheckpoint.write(dir.resolve("teacher"), TrainerTest.config("""
                model { preset = tiny, hidden-size = 64, layers = 3, heads = 2, intermediate-size = 128, max-positions = 64,
                        vocab-size = 260, moe { routed-experts = 4, top-k = 2, expert-intermediate-size = 32 } }
                """).model(), 3);
        Path run = dir.resolve("run");
        EvalCommandTest.Outcome ok = EvalCommandTest.lmforge("train", "--config", config.toString(), "--data",
                shards.toString(), "--out", run.toString(), "--teacher", teacher.toString(), "--distill-alpha", "0.3",
                "--distill-temperature", "3", "--freeze", "embeddings");
        assertEquals(0, ok.code(), ok.err());
        List<JsonObject> log = TrainerTest.log(run);
        JsonObject distillation = event(log, "distillation");
        assertEquals(teacher.toString(), distillation.get("teacher").getAsString());
        assertEquals(0.3, distillation.get("alpha").getAsDouble());
        assertEquals(3.0, distillation.get("temperature").getAsDouble());
        assertEquals("embeddings", event(log, "freeze").get("spec").getAsString());
        assertTrue(log.stream().filter(o -> o.get("type").getAsString().equals("train"))
                .allMatch(o -> o.get("distill_kl").getAsDouble() > 0), "a random teacher disagrees with the student");

        EvalCommandTest.Outcome badFreeze = EvalCommandTest.lmforge("train", "--config", config.toString(), "--data",
                shards.toString(), "--out", dir.resolve("bad").toString(), "--freeze", "layers:x");
        assertEquals(2, badFreeze.code(), badFreeze.err());
        assertTrue(badFreeze.err().contains("config error: --freeze = \"layers:x\""), badFreeze.err());

        Path otherShards = TestShards.write(dir.resolve("other/shards"), 16, TestTokenizer.VOCAB, 1, 4, 2, 3);
        EvalCommandTest.Outcome otherTokenizer = EvalCommandTest.lmforge("train", "--config", config.toString(), "--data",
                otherShards.toString(), "--out", dir.resolve("refused").toString(), "--teacher", teacher.toString());
        assertEquals(2, otherTokenizer.code(), otherTokenizer.err());
        assertTrue(otherTokenizer.err().contains(teacher.resolve("config.json").toString())
                && otherTokenizer.err().contains(otherShards.resolve("manifest.json").toString()), otherTokenizer.err());
    }

    private static JsonObject event(List<JsonObject> log, String name) {
        return log.stream().filter(o -> o.has("event") && o.get("event").getAsString().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " event"));
    }
}
