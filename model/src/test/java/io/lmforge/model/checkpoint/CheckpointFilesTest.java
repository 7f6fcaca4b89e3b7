package io.lmforge.model.checkpoint;

import io.lmforge.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointFilesTest {
    @TempDir
    Path dir;

    @Test
    void configJsonRoundTripsEveryPreset() throws IOException {
        for (String preset : ModelConfig.PRESETS) {
            ModelConfig c = ModelConfig.preset(preset).withVocabSize(777);
            Path ckpt = Files.createDirectories(dir.resolve(preset));
            Files.write(ckpt.resolve(CheckpointFiles.CONFIG),
                    new CheckpointFiles.Config(c, Map.of("bos", 0, "eos", 1), "abc").toJson());
            CheckpointFiles.Config back = CheckpointFiles.readConfig(ckpt);
            assertEquals(c, back.model(), preset);
            assertEquals(Map.of("bos", 0, "eos", 1), back.specialTokens());
            assertEquals("abc", back.tokenizerSha256());
        }
    }

    private Path checkpoint(Path run, long step, long bestStep) throws IOException {
        Path c = Files.createDirectories(run.resolve("checkpoints").resolve(CheckpointFiles.stepName(step)));
        Files.writeString(c.resolve(CheckpointFiles.STATE), "{\"state\": {\"step\": " + step + ", \"bestStep\": " + bestStep
                + "}, \"files\": {}}");
        return c;
    }

    @Test
    void aRunMeansItsBestCheckpointElseItsNewest() throws IOException {
        Path run = dir.resolve("run");
        checkpoint(run, 2, 2);
        Path best = checkpoint(run, 4, 4);
        Path newest = checkpoint(run, 6, 4);
        assertEquals(best, CheckpointFiles.resolve(run));
        assertEquals(newest, CheckpointFiles.resolve(newest), "a checkpoint directory is itself");

        Path noEval = dir.resolve("no-eval");
        checkpoint(noEval, 10, -1);
        Path last = checkpoint(noEval, 20, -1);
        assertEquals(last, CheckpointFiles.resolve(noEval));

        Path empty = Files.createDirectories(dir.resolve("empty/checkpoints"));
        IOException e = assertThrows(IOException.class, () -> CheckpointFiles.resolve(empty.getParent()));
        assertTrue(e.getMessage().contains("has no checkpoints yet"), e.getMessage());
    }

    @Test
    void aCheckpointWithoutConfigSaysWhy() throws IOException {
        Path old = checkpoint(dir.resolve("old"), 2, -1);
        IOException e = assertThrows(IOException.class, () -> CheckpointFiles.readConfig(old));
        assertTrue(e.getMessage().contains("config.json is missing"), e.getMessage());
    }
}
