package io.lmforge.trainer;

import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.generate.Sampling;
import io.lmforge.model.generate.TextGenerator;
import io.lmforge.model.generate.TextStream;
import io.lmforge.model.generate.TextTokenizer;
import io.lmforge.shards.ShardFormatException;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real short training run writes checkpoints that generation loads with nothing else. */
class SelfContainedCheckpointTest {
    static final String CONFIG = """
            model { preset = tiny, hidden-size = 32, layers = 2, heads = 2, intermediate-size = 64, max-positions = 64
                    moe { routed-experts = 4, top-k = 2, shared-experts = 1, expert-intermediate-size = 16 } }
            train { seed = 7, max-steps = 6, micro-batch = 4 }
            optimizer { lr = 3e-3, warmup-steps = 2 }
            eval { every = 2, max-sequences = 8 }
            checkpoint { every = 2, keep = 1 }
            metrics { log-every = 1, prometheus-port = -1 }
            """;

    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void train() throws IOException {
        run = dir.resolve("run");
        train(TestTokenizer.writeCorpus(dir.resolve("corpus"), 16), run);
    }

    static Trainer.Result train(Path shards, Path out) throws IOException {
        ShardManifest manifest = ShardManifest.load(shards.toString(), new Configuration());
        return new Trainer(TrainerTest.config(CONFIG), manifest, out, GradientSync.singleProcess(),
                new Trainer.Options(0, true, new PrintStream(new ByteArrayOutputStream()))).run();
    }

    @Test
    void everyCheckpointCarriesConfigAndTokenizerAndLoadsForGeneration() throws IOException {
        Path best = CheckpointFiles.resolve(run);
        assertTrue(best.startsWith(run.resolve("checkpoints")), best.toString());
        for (Path c : new Checkpoints(run).list()) {
            for (String f : List.of("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json", "state.json")) {
                assertTrue(Files.exists(c.resolve(f)), c + "/" + f);
            }
        }
        try (CheckpointModel m = CheckpointModel.load(run)) {
            assertEquals(best, m.directory());
            assertEquals(TestTokenizer.VOCAB, m.config().vocabSize());
            TextGenerator g = m.textGenerator();
            Sampling s = new Sampling(0.8, 0, 0.95, 1.2);
            List<String> pieces = new ArrayList<>();
            TextGenerator.Result a = g.generate(List.of("héllo wörld ", ""), 24, s, 3, List.of(), (i, t) -> {
                if (i == 0) {
                    pieces.add(t);
                }
            });
            TextGenerator.Result b = g.generate(List.of("héllo wörld ", ""), 24, s, 3, List.of(), null);
            assertEquals(a.completions().get(0).text(), b.completions().get(0).text(), "a seed repeats the text");
            assertEquals(a.completions().get(1).text(), b.completions().get(1).text());
            assertEquals(String.join("", pieces), a.completions().get(0).text(), "the stream adds up to the text");
            assertEquals(15, a.completions().get(0).promptTokens(), "<bos> and 14 bytes");
            assertEquals(1, a.completions().get(1).promptTokens(), "an empty prompt is <bos> alone");
        }
    }

    @Test
    void aCheckpointWithAnotherTokenizerFailsClearly() throws IOException {
        Path copy = dir.resolve("copied");
        Files.createDirectories(copy);
        Path best = CheckpointFiles.resolve(run);
        try (var files = Files.list(best)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Files.writeString(copy.resolve("tokenizer.json"), TestTokenizer.json() + "\n");
        IOException e = assertThrows(IOException.class, () -> CheckpointModel.load(copy));
        assertTrue(e.getMessage().contains("tokenizer.json has SHA-256") && e.getMessage().contains("not the model's tokenizer"),
                e.getMessage());
    }

    @Test
    void trainingRefusesATokenizerThatIsNotTheShards() throws IOException {
        Path corpus = dir.resolve("other");
        Path shards = TestTokenizer.writeCorpus(corpus, 16);
        Files.writeString(corpus.resolve("tokenizer/tokenizer.json"), "{}");
        ShardFormatException e = assertThrows(ShardFormatException.class, () -> train(shards, corpus.resolve("run")));
        assertTrue(e.getMessage().contains("is not theirs"), e.getMessage());
    }

    @Test
    void aRunDirectoryWithoutCheckpointsOrAMissingPathIsAClearError() {
        IOException missing = assertThrows(IOException.class, () -> CheckpointFiles.resolve(dir.resolve("nothing")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        IOException notRun = assertThrows(IOException.class, () -> CheckpointFiles.resolve(dir.resolve("corpus")));
        assertTrue(notRun.getMessage().contains("neither a checkpoint"), notRun.getMessage());
    }

    @Test
    void streamingHoldsBackHalfACharacterAndStopsAtAStopString() {
        try (TextTokenizer t = TextTokenizer.load(TestTokenizer.json().getBytes(StandardCharsets.UTF_8), "test")) {
            int[] ids = t.encode("aé€b STOP c");
            assertEquals(1 + 2 + 3 + 1 + 7, ids.length, "one token per byte");
            TextStream s = new TextStream(t, List.of("STOP"));
            List<String> out = new ArrayList<>();
            for (int id : ids) {
                out.add(s.push(id));
                if (s.stopped()) {
                    break;
                }
            }
            out.add(s.finish());
            assertEquals(List.of("a", "", "é", "", "", "€", "b", " ", "", "", "", "", ""), out);
            assertEquals("aé€b ", s.text());
            assertTrue(s.stopped());
            assertFalse(String.join("", out).contains("\uFFFD"));
            assertArrayEquals(new int[]{4 + 'a'}, t.encode("a"));
        }
    }
}
