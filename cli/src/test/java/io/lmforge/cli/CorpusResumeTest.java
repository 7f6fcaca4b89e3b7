package io.lmforge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.SparkTestSession;
import io.lmforge.trainer.dist.ChildJvm;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash and resume: a real {@code lmforge corpus} process (a child JVM) over the bundled sample
 * corpus ({@link SampleCorpusRun}'s config) is killed with SIGKILL after ingest, inside dedup and
 * inside the shards stage, each time resumed with {@code --resume}; the finished outputs equal
 * those of an uninterrupted run.
 */
class CorpusResumeTest {

    /**
     * {@link SampleCorpusRun}'s config, so that its run (shared with the other tests of this JVM)
     * is the uninterrupted reference. The child's Spark gets the shared session's shuffle
     * partitions, which set how the shards are cut into files; in this JVM the config's Spark
     * settings do not apply.
     */
    private static String config() throws IOException {
        return SampleCorpusRun.config()
                + "spark { conf { spark.sql.shuffle.partitions = 4, spark.ui.enabled = false } }\n";
    }

    @Test
    void aRunKilledAtThreePointsAndResumedEqualsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        // The uninterrupted run, in this JVM, while the child JVMs start and run (or already made).
        CompletableFuture<CorpusRun> uninterrupted = CompletableFuture.supplyAsync(SampleCorpusRun::get);
        Path conf = dir.resolve("corpus.conf");
        Files.writeString(conf, config());
        Path out = dir.resolve("killed");

        killAt("after:ingest", dir, conf, out, false);
        assertFalse(Files.exists(out.resolve(OutputLayout.MANIFEST)));

        // (A resume with another config refuses, naming what changed: RunStateTest, in one JVM.)
        killAt("in:dedup", dir, conf, out, true);
        assertTrue(Files.readString(dir.resolve("kill-in-dedup.log")).contains("reusing finished step ingest"));
        killAt("in:shards", dir, conf, out, true);
        String shardsLog = Files.readString(dir.resolve("kill-in-shards.log"));
        for (String step : List.of("ingest", "segment-before-dedup")) {
            assertTrue(shardsLog.contains("reusing finished step " + step), step + ":\n" + shardsLog);
        }
        Child done = run(dir, "resumed", null, "corpus", "--config", conf.toString(), "--out", out.toString(),
                "--resume", "--master", "local[2]");
        assertEquals(0, done.exitCode, done.log);
        JsonNode manifest = new ObjectMapper().readTree(out.resolve(OutputLayout.MANIFEST).toFile());
        List<String> reused = new ArrayList<>();
        manifest.path("resumed").path("reused_steps").forEach(s -> reused.add(s.asText()));
        assertEquals(List.of("ingest", "documents", "artifact-tokenizer"), reused,
                reused.toString());
        assertFalse(Files.exists(out.resolve("_work")));
        assertFalse(Files.exists(out.resolve("_staging")));
        assertTrue(Files.readString(out.resolve(OutputLayout.REPORT)).contains("<td>resumed, reusing</td>"
                + "<td>ingest, documents, artifact-tokenizer</td>"), "the resumed run's report.html says what it reused");

        Path reference = uninterrupted.join().out;
        for (String output : List.of(OutputLayout.DOCUMENTS, OutputLayout.REJECTED, OutputLayout.QUARANTINE)) {
            assertEquals(sortedRows(reference.resolve(output)), sortedRows(out.resolve(output)), output);
        }
        assertSameFiles(reference.resolve(OutputLayout.TOKENIZER), out.resolve(OutputLayout.TOKENIZER));
        for (String split : List.of("train", "val")) {
            assertEquals(orderedRows(reference.resolve("shards").resolve(split)), orderedRows(out.resolve("shards").resolve(split)), split);
        }
        assertEquals(new ObjectMapper().readTree(reference.resolve("shards/manifest.json").toFile()),
                new ObjectMapper().readTree(out.resolve("shards/manifest.json").toFile()));
        assertEquals(new ObjectMapper().readTree(reference.resolve(OutputLayout.MANIFEST).toFile()).path("sources"),
                manifest.path("sources"));
    }

    private record Child(int exitCode, String log) {
    }

    /** Starts {@code lmforge corpus}, waits for it to reach {@code point}, and kills it with SIGKILL. */
    private static void killAt(String point, Path dir, Path conf, Path out, boolean resume) throws Exception {
        List<String> args = new ArrayList<>(List.of("corpus", "--config", conf.toString(), "--out", out.toString(),
                "--master", "local[2]"));
        if (resume) {
            args.add("--resume");
        }
        Path log = dir.resolve("kill-" + point.replace(':', '-') + ".log");
        long started = System.nanoTime();
        Process p = ChildJvm.start(LmForge.class, jvm(point), Map.of(), log, args.toArray(new String[0]));
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
            String marker = "lmforge-test: paused at " + point;
            while (!Files.readString(log).contains(marker)) {
                if (!p.isAlive()) {
                    fail("the run ended (exit " + p.exitValue() + ") before " + point + ":\n" + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    fail("no " + point + " within 4 minutes:\n" + Files.readString(log));
                }
                Thread.sleep(20);
            }
            ChildJvm.signal(p.pid(), "KILL");
            System.out.printf("killed at %s after %.1f s%n", point, (System.nanoTime() - started) / 1e9);
            assertEquals(137, p.waitFor());
        } finally {
            p.destroyForcibly();
        }
    }

    private static Child run(Path dir, String name, String point, String... args) throws Exception {
        Path log = dir.resolve(name + ".log");
        Process p = ChildJvm.start(LmForge.class, jvm(point), Map.of(), log, args);
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                fail("no exit within 5 minutes:\n" + Files.readString(log));
            }
            return new Child(p.exitValue(), Files.readString(log));
        } finally {
            p.destroyForcibly();
        }
    }

    private static List<String> jvm(String point) {
        List<String> options = new ArrayList<>(ChildJvm.sparkJvmFlags());
        options.add("-Xmx1g");
        if (point != null) {
            options.add("-Dlmforge.test.pause=" + point);
        }
        return options;
    }

    private static List<String> sortedRows(Path parquet) {
        return SparkTestSession.get().read().parquet(parquet.toString()).collectAsList().stream()
                .map(Row::toString).sorted().collect(Collectors.toList());
    }

    /** The rows of each shard file, file by file, in order. */
    private static List<String> orderedRows(Path split) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(split)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().toList()) {
                out.add(f.getFileName().toString());
                SparkTestSession.get().read().parquet(f.toString()).collectAsList().forEach(r -> out.add(r.toString()));
            }
        }
        return out;
    }

    private static void assertSameFiles(Path a, Path b) throws IOException {
        List<String> names;
        try (Stream<Path> files = Files.list(a)) {
            names = files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
        assertFalse(names.isEmpty());
        for (String n : names) {
            assertArrayEquals(Files.readAllBytes(a.resolve(n)), Files.readAllBytes(b.resolve(n)), n);
        }
    }
}
