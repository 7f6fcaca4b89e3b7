package io.lmforge.trainer;

import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.lmforge.trainer.TrainerTest.CONFIG;
import static io.lmforge.trainer.TrainerTest.assertSameTensors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TrainerTest's child-process case, run by failsafe: it starts and kills a second JVM. */
class TrainerKilledProcessIT {
    @TempDir
    static Path shared;
    static Path shards;
    static Path uninterrupted;

    @BeforeAll
    static void trainOnce() throws IOException {
        shards = TestShards.write(shared.resolve("shards"), 16, 64, 3, 12, 8, 11);
        uninterrupted = shared.resolve("uninterrupted");
        train(CONFIG, uninterrupted);
    }

    static Trainer.Result train(String hocon, Path out) throws IOException {
        ShardManifest manifest = ShardManifest.load(shards.toString(), new Configuration());
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return new Trainer(TrainerTest.config(hocon), manifest, out, GradientSync.singleProcess(),
                new Trainer.Options(0, true, quiet)).run();
    }

    /**
     * A real training process (a child JVM running {@code lmforge train}) is killed with SIGKILL
     * while it writes a checkpoint; the next run resumes from the last complete checkpoint and
     * ends with the same parameters as the run that was never interrupted.
     */
    @Test
    void aProcessKilledWhileWritingACheckpointResumesFromTheLastCompleteOne() throws Exception {
        Path run = shared.resolve("killed");
        Path config = shared.resolve("killed.conf");
        Files.writeString(config, CONFIG);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m",
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-D" + Checkpoints.PAUSE_PROPERTY + "=4",
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                TrainProcess.class.getName(),
                "--config", config.toString(), "--data", shards.toString(), "--out", run.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        CompletableFuture<Boolean> paused = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.append(line).append('\n');
                    if (line.contains("checkpoint write paused at step 4")) {
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        });
        try {
            assertTrue(paused.get(120, TimeUnit.SECONDS), "the child never reached the checkpoint write:\n" + output);
            Path checkpoints = run.resolve("checkpoints");
            assertTrue(Files.isDirectory(checkpoints.resolve("step-00000002")));
            assertTrue(temporaries(checkpoints).size() == 1, "a half-written checkpoint is on disk");
        } finally {
            child.destroyForcibly();          // SIGKILL: no shutdown hooks, no cleanup
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertFalse(child.isAlive());
        assertFalse(Files.exists(run.resolve("checkpoints/step-00000004")), "the killed write never became a checkpoint");

        Trainer.Result resumed = train(CONFIG, run);
        assertEquals(2, resumed.resumedFrom());
        assertEquals(8, resumed.step());
        assertTrue(temporaries(run.resolve("checkpoints")).isEmpty(), "the leftover was removed");
        assertSameTensors(uninterrupted, run, 8);
    }

    private static List<Path> temporaries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
        }
    }
}
