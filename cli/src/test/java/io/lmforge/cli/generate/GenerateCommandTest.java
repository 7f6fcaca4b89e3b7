package io.lmforge.cli.generate;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lmforge.cli.LmForge;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.TestTokenizer;
import io.lmforge.trainer.TrainerTest;
import io.lmforge.trainer.TrainConfig;
import io.lmforge.trainer.Trainer;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lmforge generate} on a checkpoint of a short real training run. */
class GenerateCommandTest {
    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void train() throws IOException {
        Path shards = TestTokenizer.writeCorpus(dir.resolve("corpus"), 16);
        TrainConfig config = TrainerTest.config("""
                model { preset = tiny, hidden-size = 32, layers = 2, heads = 2, intermediate-size = 64, max-positions = 64
                        moe { routed-experts = 4, top-k = 2, expert-intermediate-size = 16 } }
                train { max-steps = 4, micro-batch = 4, threads = 1 }
                eval { every = 2 }
                checkpoint { every = 2 }
                metrics { prometheus-port = -1 }
                """);
        run = dir.resolve("run");
        new Trainer(config, ShardManifest.load(shards.toString(), new Configuration()), run, GradientSync.singleProcess(),
                new Trainer.Options(0, true, new PrintStream(new ByteArrayOutputStream()))).run();
    }

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome generate(String... args) {
        CommandLine cli = LmForge.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void greedyFromAPromptPrintsTextAndThroughput() {
        Outcome a = generate("generate", "--checkpoint", run.toString(), "--prompt", "ab", "--temperature", "0",
                "--max-new-tokens", "12", "--threads", "1");
        assertEquals(0, a.code(), a.err());
        assertTrue(a.err().contains("tokens/s"), a.err());
        assertTrue(a.err().contains("checkpoint: " + run.resolve("checkpoints")), a.err());
        Outcome b = generate("generate", "--checkpoint", run.resolve("checkpoints/step-00000004").toString(),
                "--prompt", "ab", "--temperature", "0", "--max-new-tokens", "12");
        assertEquals(a.out(), b.out(), "greedy is deterministic; the run's checkpoint is its last here");
        Outcome sampled = generate("generate", "--checkpoint", run.toString(), "--seed", "5", "--max-new-tokens", "12");
        assertEquals(sampled.out(), generate("generate", "--checkpoint", run.toString(), "--seed", "5",
                "--max-new-tokens", "12").out(), "an empty prompt, sampled with a seed, twice");
    }

    @Test
    void aPromptsFileRunsInBatchesAndBrokenLinesAreNamedAndCounted() throws IOException {
        Path file = dir.resolve("prompts.jsonl");
        Files.write(file, List.of("{\"prompt\": \"ab\"}", "{\"prompt\": ", "", "{\"text\": \"x\"}", "{\"prompt\": \"ü\"}",
                "{\"prompt\": \"\"}"));
        Outcome o = generate("generate", "--checkpoint", run.toString(), "--prompts", file.toString(),
                "--temperature", "0", "--max-new-tokens", "6", "--batch-size", "2");
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains(file + " line 2: not JSON"), o.err());
        assertTrue(o.err().contains(file + " line 4: no string field \"prompt\""), o.err());
        assertTrue(o.err().contains("skipped 2 broken lines of " + file), o.err());
        List<String> lines = o.out().lines().toList();
        assertEquals(3, lines.size(), o.out());
        JsonObject first = JsonParser.parseString(lines.get(0)).getAsJsonObject();
        assertEquals(1, first.get("line").getAsInt());
        assertEquals("ab", first.get("prompt").getAsString());
        assertEquals(5, JsonParser.parseString(lines.get(1)).getAsJsonObject().get("line").getAsInt());
        // Greedy in a batch is the same as alone.
        Outcome alone = generate("generate", "--checkpoint", run.toString(), "--prompt", "ab", "--temperature", "0",
                "--max-new-tokens", "6");
        assertEquals(alone.out().stripTrailing(), first.get("text").getAsString());
    }

    @Test
    void aPromptBeyondTheContextIsAnErrorAsInTheServer() throws IOException {
        // The run's model has max-positions 64; the test tokenizer gives one token per ASCII byte.
        Outcome tooLong = generate("generate", "--checkpoint", run.toString(), "--prompt", "a".repeat(70),
                "--max-new-tokens", "4");
        assertEquals(2, tooLong.code(), tooLong.err());
        assertTrue(tooLong.err().contains("--prompt: the model's maximum context length is 64 tokens, but the prompt "
                + "has 71 tokens"), tooLong.err());
        assertEquals("", tooLong.out());
        Outcome withNewTokens = generate("generate", "--checkpoint", run.toString(), "--prompt", "a".repeat(40),
                "--max-new-tokens", "30");
        assertEquals(2, withNewTokens.code(), withNewTokens.err());
        assertTrue(withNewTokens.err().contains("but 71 were requested (41 in the prompt"), withNewTokens.err());
        assertEquals(0, generate("generate", "--checkpoint", run.toString(), "--prompt", "a".repeat(40),
                "--max-new-tokens", "23", "--temperature", "0").code(), "41 + 23 = 64 fits");

        Path file = dir.resolve("long-prompts.jsonl");
        Files.write(file, List.of("{\"prompt\": \"ab\"}", "{\"prompt\": \"" + "b".repeat(70) + "\"}"));
        Outcome o = generate("generate", "--checkpoint", run.toString(), "--prompts", file.toString(),
                "--temperature", "0", "--max-new-tokens", "4");
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains(file + " line 2: the model's maximum context length is 64 tokens"), o.err());
        List<String> lines = o.out().lines().toList();
        assertEquals(1, lines.size(), o.out());
        assertEquals(1, JsonParser.parseString(lines.get(0)).getAsJsonObject().get("line").getAsInt());
    }

    @Test
    void aMissingCheckpointIsAnInputError() {
        Outcome o = generate("generate", "--checkpoint", dir.resolve("nope").toString(), "--prompt", "x");
        assertEquals(2, o.code());
        assertTrue(o.err().startsWith("lmforge: input error: ") && o.err().contains("does not exist"), o.err());
    }
}
