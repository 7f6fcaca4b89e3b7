package io.lmforge.cli.yarn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.TestData;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * lmforge on YARN, as a user submits it: {@code scripts/submit/yarn.sh} in cluster deploy mode
 * against an in-process YARN and HDFS ({@link YarnTestCluster}). The driver runs in a YARN
 * container (the application master) from the cluster jar, reads its config from HDFS and writes
 * its output to HDFS. What this cannot show: several machines (the NodeManager and every container
 * run on this one), Kerberos, or a queue with other tenants.
 */
class YarnClusterIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static YarnTestCluster cluster;
    /** The corpus run on YARN (hdfs:///user/NAME/out/sample), shared by the tests: training reads its shards. */
    static String corpusOut;
    /** The manifest of conf/sample.conf run locally, made while the cluster runs the corpus job. */
    static CompletableFuture<JsonNode> localCorpus;

    @BeforeAll
    static void startCluster() throws Exception {
        for (String jar : List.of("lmforge-corpus.jar", "lmforge-train.jar")) {
            assertTrue(Files.isRegularFile(YarnTestCluster.ROOT.resolve("cli/target").resolve(jar)),
                    "cli/target/" + jar + " is built by mvn verify (pre-integration-test) or mvn -Pcluster package");
        }
        cluster = YarnTestCluster.start(dir, 6144);
        // The local run the YARN run is compared with goes on in this JVM meanwhile: the YARN side
        // spends much of its time waiting (container starts, heartbeats, HDFS copies), not computing.
        localCorpus = CompletableFuture.supplyAsync(YarnClusterIT::localCorpusRun);
    }

    @AfterAll
    static void stopCluster() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** conf/sample.conf on the committed samples, run locally (embedded Spark): its manifest. */
    private static JsonNode localCorpusRun() {
        try {
            Path samples = YarnTestCluster.ROOT.resolve("samples");
            return CorpusRun.run(TestData.config("sample.conf", "samples/", samples), dir.resolve("local-out")).manifest();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The committed sample corpus and conf/sample.conf on HDFS, run through yarn.sh once. */
    static synchronized String corpusOnYarn() throws Exception {
        if (corpusOut != null) {
            return corpusOut;
        }
        FileSystem fs = cluster.fs();
        // conf/sample.conf names its sources relative to the working directory: on HDFS, the home directory.
        org.apache.hadoop.fs.Path home = fs.getHomeDirectory();
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(YarnTestCluster.ROOT.resolve("samples").toUri()),
                new org.apache.hadoop.fs.Path(home, "samples"));
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(YarnTestCluster.ROOT.resolve("conf/sample.conf").toUri()),
                new org.apache.hadoop.fs.Path(home, "lmforge/sample.conf"));
        String out = home.toUri().getPath() + "/out/sample";
        YarnTestCluster.Submission s = cluster.submit(List.of(
                "--name", "lmforge-corpus-it", "--queue", "default",
                "--driver-memory", "1g", "--executor-memory", "1536m", "--num-executors", "1", "--executor-cores", "2",
                "--conf", "spark.yarn.jars=local:" + cluster.sparkHome.resolve("jars") + "/*",
                "--", "corpus", "--config", cluster.uri(home.toUri().getPath() + "/lmforge/sample.conf"),
                "--out", cluster.uri(out)));
        assertEquals(0, s.exitCode(), () -> s.output() + cluster.containerLogs());
        corpusOut = out;
        return out;
    }

    static JsonNode readJson(String hdfsPath) throws IOException {
        try (InputStream in = cluster.fs().open(new org.apache.hadoop.fs.Path(hdfsPath))) {
            return JSON.readTree(in);
        }
    }

    @Test
    void theCorpusJobRunsInClusterModeFromHdfsToHdfs() throws Exception {
        String out = corpusOnYarn();
        JsonNode manifest = readJson(out + "/manifest.json");
        assertTrue(manifest.at("/accounting/holds").asBoolean(), manifest.toPrettyString());

        // The same config, run locally (embedded Spark) on the same files: the same counts per source.
        JsonNode localManifest = localCorpus.join();
        JsonNode sources = manifest.get("sources");
        assertEquals(6, sources.size(), sources.toPrettyString());
        for (Iterator<Map.Entry<String, JsonNode>> it = sources.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode s = e.getValue();
            assertTrue(s.get("input").asLong() > 0, e.getKey());
            assertEquals(s.get("input").asLong(),
                    s.get("kept").asLong() + s.get("rejected").asLong() + s.get("quarantined").asLong(), e.getKey());
            JsonNode l = localManifest.at("/sources/" + e.getKey());
            for (String count : List.of("files", "input", "kept", "rejected", "quarantined")) {
                assertEquals(l.get(count).asLong(), s.get(count).asLong(), e.getKey() + " " + count);
            }
        }
        // Every output of the layout is on HDFS, none in the container's working directory.
        FileSystem fs = cluster.fs();
        for (String part : List.of("documents", "rejected", "quarantine", "shards/train", "shards/manifest.json",
                "tokenizer/tokenizer.json")) {
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path(out + "/" + part)), part);
        }
    }

    /**
     * {@code train --distributed 2} on the corpus run's shards on HDFS: two executors, one rank
     * each, in one barrier stage. The config travels with {@code --files} (the driver's working
     * directory is a container's); the run directory is an absolute local path, which every
     * container sees because they all run on this machine (on a cluster: a shared mount).
     */
    @Test
    void distributedTrainingRunsTwoRanksOnYarnExecutors() throws Exception {
        String shards = cluster.uri(corpusOnYarn() + "/shards");
        Path config = dir.resolve("train-yarn.conf");
        // The tiny preset, a few short steps, checkpoints every 2 of them.
        Files.writeString(config, Files.readString(YarnTestCluster.ROOT.resolve("conf/train-tiny.conf"))
                + "\neval { every = 4, max-sequences = 8 }\ncheckpoint { every = 2 }\nmetrics { log-every = 1 }\n");
        Path run = dir.resolve("runs/tiny-yarn");
        YarnTestCluster.Submission s = cluster.submit(List.of(
                "--name", "lmforge-train-it", "--queue", "default",
                "--driver-memory", "512m", "--executor-memory", "1g", "--executor-cores", "1",
                "--conf", "spark.yarn.jars=local:" + cluster.sparkHome.resolve("jars") + "/*",
                "--files", config.toString(),
                "--", "train", "--config", "train-yarn.conf", "--data", shards, "--out", run.toString(),
                "--distributed", "2", "--threads", "1", "--max-steps", "4", "--micro-batch", "2",
                "--prometheus-port", "-1"));
        assertEquals(0, s.exitCode(), () -> s.output() + cluster.containerLogs());

        Path checkpoint = CheckpointFiles.resolve(run);
        assertEquals(run.resolve("checkpoints").resolve(CheckpointFiles.stepName(4)), checkpoint);
        assertTrue(Files.isRegularFile(checkpoint.resolve(CheckpointFiles.STATE)));
        assertTrue(Files.isRegularFile(run.resolve("checkpoints").resolve(CheckpointFiles.stepName(2)).resolve(CheckpointFiles.STATE)));
        JsonNode start = null;
        long lastStep = 0;
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode m = JSON.readTree(line);
            if (m.has("world_size")) {
                start = m;
            }
            if ("train".equals(m.path("type").asText())) {
                lastStep = m.get("step").asLong();
                assertEquals(2, m.get("rank_tokens_per_sec").size(), line);
            }
        }
        assertTrue(start != null, "a start event with world_size");
        assertEquals(2, start.get("world_size").asInt());
        assertEquals(4, lastStep);
        // The driver (in the application master's container) prints a row per rank: rank, executor,
        // host, pid, stage attempt, steps. Two ranks on two executors, both at step 4, first attempt.
        String logs = cluster.containerLogs();
        java.util.regex.Matcher row = java.util.regex.Pattern.compile("(?m)^([01])\\s+(\\S+)\\s+\\S+\\s+\\d+\\s+0\\s+4\\s").matcher(logs);
        java.util.Map<String, String> executorOfRank = new java.util.TreeMap<>();
        while (row.find()) {
            executorOfRank.put(row.group(1), row.group(2));
        }
        assertEquals(2, executorOfRank.size(), logs);
        assertEquals(2, new java.util.HashSet<>(executorOfRank.values()).size(), executorOfRank.toString());
        assertTrue(logs.contains("last checkpoint: " + checkpoint), logs);
    }
}
