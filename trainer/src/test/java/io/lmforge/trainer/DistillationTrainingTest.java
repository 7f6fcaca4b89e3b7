package io.lmforge.trainer;

import com.google.gson.JsonObject;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.RandomCheckpoint;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code distill}: real short runs that learn from a teacher checkpoint. */
class DistillationTrainingTest {
    /** The self-contained checkpoint test's small MoE model, for 3 steps. */
    static final String CONFIG = SelfContainedCheckpointTest.CONFIG + "train.max-steps = 3, eval.every = 3, checkpoint.every = 3\n";

    @TempDir
    static Path dir;
    static Path corpus;
    static ModelConfig student;
    /** A checkpoint holding exactly the student's initial weights (seed 7), with the corpus's tokenizer. */
    static Path twin;

    @BeforeAll
    static void setUp() throws IOException {
        corpus = TestTokenizer.writeCorpus(dir.resolve("corpus"), 16);
        ShardManifest manifest = manifest(corpus);
        student = trainer(CONFIG, manifest, dir.resolve("unused")).modelConfigFor(manifest);
        twin = RandomCheckpoint.write(dir.resolve("twin"), student, 7);
    }

    static ShardManifest manifest(Path shards) throws IOException {
        return ShardManifest.load(shards.toString(), new Configuration());
    }

    static Trainer trainer(String hocon, ShardManifest shards, Path out) {
        return new Trainer(TrainerTest.config(hocon), shards, out, GradientSync.singleProcess(),
                new Trainer.Options(0, true, new PrintStream(new ByteArrayOutputStream())));
    }

    static List<JsonObject> steps(Path run) throws IOException {
        return TrainerTest.log(run).stream().filter(o -> o.get("type").getAsString().equals("train")).toList();
    }

    static String distill(Path teacher, double alpha) {
        return CONFIG + "distill { teacher = \"" + teacher + "\", alpha = " + alpha + ", temperature = 2 }\n";
    }

    @Test
    void aTeacherIdenticalToTheStudentGivesKlZeroUntilTheStudentMoves() throws IOException {
        Path run = dir.resolve("twin-run");
        trainer(distill(twin, 0.5), manifest(corpus), run).run();
        List<JsonObject> steps = steps(run);
        assertEquals(3, steps.size());
        JsonObject first = steps.get(0);
        assertEquals(0, first.get("distill_kl").getAsDouble(), 1e-6, "same weights, same distributions");
        double ce = first.get("cross_entropy").getAsDouble();
        assertEquals(0.5 * ce + first.get("balance_loss").getAsDouble(), first.get("loss").getAsDouble(), 1e-5,
                "(1 - alpha) CE + alpha T^2 * 0 + balance");
        JsonObject last = steps.get(2);
        double kl = last.get("distill_kl").getAsDouble();
        assertTrue(kl > 1e-6, "the student has moved away from its twin: " + kl);
        assertEquals(0.5 * last.get("cross_entropy").getAsDouble() + 0.5 * 4 * kl + last.get("balance_loss").getAsDouble(),
                last.get("loss").getAsDouble(), 1e-5);
        JsonObject event = TrainerTest.log(run).stream()
                .filter(o -> o.has("event") && o.get("event").getAsString().equals("distillation")).findFirst().orElseThrow();
        assertEquals(twin.toString(), event.get("teacher").getAsString());
        assertEquals(2.0, event.get("temperature").getAsDouble());
    }

    @Test
    void alphaZeroTrainsExactlyAsWithoutATeacher() throws IOException {
        Path teacher = RandomCheckpoint.write(dir.resolve("other-teacher"), student, 99);
        Path plain = dir.resolve("plain");
        Path withTeacher = dir.resolve("alpha-zero");
        trainer(CONFIG, manifest(corpus), plain).run();
        trainer(distill(teacher, 0), manifest(corpus), withTeacher).run();
        List<JsonObject> a = steps(plain);
        List<JsonObject> b = steps(withTeacher);
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).get("loss").getAsDouble(), b.get(i).get("loss").getAsDouble(), 1e-9, "step " + (i + 1));
            assertTrue(b.get(i).get("distill_kl").getAsDouble() > 0, "a different teacher: measured, but weighed 0");
        }
        TrainerTest.assertSameTensors(plain, withTeacher, 3);
    }

    @Test
    void aTeacherWithAnotherTokenizerOrVocabularyIsRefusedNamingBothFiles() throws IOException {
        Path otherShards = TestShards.write(dir.resolve("other/shards"), 16, RandomCheckpoint.TOKENIZER_VOCAB, 1, 4, 2, 3);
        InvalidConfigException tokenizer = assertThrows(InvalidConfigException.class,
                () -> trainer(distill(twin, 0.5), manifest(otherShards), dir.resolve("refused")).run());
        assertTrue(tokenizer.getMessage().contains("tokenizer_sha256 in " + twin.resolve("config.json"))
                && tokenizer.getMessage().contains(CheckpointFiles.readConfig(twin).tokenizerSha256())
                && tokenizer.getMessage().contains("SHA-256 test (tokenizer_sha256 in ")
                && tokenizer.getMessage().contains("/manifest.json)")
                && tokenizer.getMessage().contains("same tokenizer"), tokenizer.getMessage());

        Path wide = RandomCheckpoint.write(dir.resolve("wide"), student.withVocabSize(300), 7);
        InvalidConfigException vocabulary = assertThrows(InvalidConfigException.class,
                () -> trainer(distill(wide, 0.5), manifest(corpus), dir.resolve("refused-vocab")).run());
        assertTrue(vocabulary.getMessage().contains(wide.resolve("config.json").toString())
                && vocabulary.getMessage().contains("300") && vocabulary.getMessage().contains("260"), vocabulary.getMessage());
    }

    @Test
    void badDistillSettingsAreClearErrors() {
        InvalidConfigException alpha = assertThrows(InvalidConfigException.class,
                () -> TrainerTest.config("distill.alpha = 1.5"));
        assertTrue(alpha.getMessage().contains("distill.alpha"), alpha.getMessage());
        InvalidConfigException temperature = assertThrows(InvalidConfigException.class,
                () -> TrainerTest.config("distill.temperature = 0"));
        assertTrue(temperature.getMessage().contains("distill.temperature"), temperature.getMessage());
        assertEquals(2.0, TrainerTest.config("").distill().temperature());
    }
}
