package io.lmforge.trainer.dist.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lmforge.trainer.Checkpoints;
import io.lmforge.trainer.DynamicLossScaler;
import io.lmforge.trainer.TrainConfig;
import io.lmforge.trainer.Trainer;
import io.lmforge.shards.ShardManifest;
import io.lmforge.report.HeadlessChromium;
import io.lmforge.trainer.TestShards;
import io.lmforge.trainer.TrainProcess;
import io.lmforge.trainer.TrainerTest;
import io.lmforge.trainer.dist.CollectiveGradientSync;
import io.lmforge.trainer.dist.DistributedSettings;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel training through {@code lmforge train --distributed 2} on the shared local[2]
 * Spark: two ranks as two barrier tasks, gradients averaged over the TCP ring.
 */
class DistributedTrainingIT {
    /**
     * A small MoE model. The balance loss is switched off here: it is a statistic of each
     * micro-batch (f·P over the micro-batch's tokens), not a sum over tokens, so splitting a batch
     * changes it by definition; everything else must not depend on the split.
     */
    static final String CONFIG = """
            model { preset = tiny, hidden-size = 32, layers = 2, heads = 2, intermediate-size = 64, max-positions = 64
                    moe { routed-experts = 4, top-k = 2, shared-experts = 1, expert-intermediate-size = 16,
                          aux-loss-weight = 0 } }
            train { seed = 7, max-steps = 6, micro-batch = MICRO, grad-accumulation = 2, threads = 1 }
            optimizer { lr = 1e-3, warmup-steps = 2 }
            eval { every = 3, max-sequences = 8 }
            checkpoint { every = 3, keep = 2 }
            metrics { log-every = 1, prometheus-port = -1 }
            """;

    @TempDir
    static Path dir;
    static Path shards;

    @BeforeAll
    static void writeShards() throws IOException {
        // 36 training windows of 16 targets, up to 6 of them padding: micro-batches score unequal counts.
        shards = TestShards.write(dir.resolve("shards"), 16, 64, 3, 12, 8, 11, 6);
    }

    static Path train(String name, String hocon, String... extra) throws IOException {
        Path config = dir.resolve(name + ".conf");
        Files.writeString(config, hocon);
        Path out = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("--config", config.toString(), "--data", shards.toString(),
                "--out", out.toString()));
        args.addAll(List.of(extra));
        LocalSpark.get(); // the command reuses this JVM's Spark context (local[2]: one slot per rank)
        Map<String, String> pairs = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.size(); i += 2) {
            pairs.put(args.get(i), args.get(i + 1));
        }
        try {
            TrainProcess.trainOrNull(pairs);
        } catch (Exception e) {
            throw new AssertionError("lmforge train " + args, e);
        }
        return out;
    }

    /**
     * Rank r reads samples r, r + 2, … of each epoch, so per step the two ranks together read the
     * same 8 samples as the single rank (the run crosses an epoch boundary at 4.5 steps); the loss
     * is normalised by the step's scored targets over both ranks, so uneven padding weighs the same.
     */
    @Test
    void twoRanksWithMicroBatchBEndWhereOneRankWithMicroBatch2BEnds() throws Exception {
        Path one = train("one-rank", CONFIG.replace("MICRO", "4"));
        Path two = train("two-ranks", CONFIG.replace("MICRO", "2"), "--distributed", "2");

        // Relative error per tensor, ‖a − b‖ / ‖a‖ over its elements (parameters and both AdamW moments).
        // Element by element the largest differences sit where AdamW divides by a tiny second moment,
        // which magnifies rounding (the sum over 2B tokens vs two sums over B); they are printed too.
        double worstNorm = 0;
        double worstElement = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            Checkpoints.Loaded a = new Checkpoints(one).load(one.resolve("checkpoints/step-00000006"), m);
            Checkpoints.Loaded b = new Checkpoints(two).load(two.resolve("checkpoints/step-00000006"), m);
            Map<String, float[]> x = TrainerTest.tensors(a.model(), a.optimizer());
            Map<String, float[]> y = TrainerTest.tensors(b.model(), b.optimizer());
            assertEquals(x.keySet(), y.keySet());
            for (String name : x.keySet()) {
                float[] u = x.get(name);
                float[] v = y.get(name);
                double diff2 = 0;
                double norm2 = 0;
                double maxDiff = 0;
                double maxAbs = 0;
                for (int i = 0; i < u.length; i++) {
                    double d = (double) u[i] - v[i];
                    diff2 += d * d;
                    norm2 += (double) u[i] * u[i];
                    maxDiff = Math.max(maxDiff, Math.abs(d));
                    maxAbs = Math.max(maxAbs, Math.abs(u[i]));
                }
                double relative = Math.sqrt(diff2 / norm2);
                worstNorm = Math.max(worstNorm, relative);
                worstElement = Math.max(worstElement, maxDiff / maxAbs);
                assertTrue(relative <= 1e-6, name + ": ‖Δ‖ / ‖x‖ = " + relative);
            }
            assertEquals(2, b.state().dataPositions().size(), "every rank's data position is checkpointed");
            assertEquals(a.state().tokensSeen(), b.state().tokensSeen());
        }
        System.out.printf("2 ranks × B vs 1 rank × 2B after 6 steps: worst ‖Δ‖/‖x‖ %.2e, worst max|Δ|/max|x| %.2e%n",
                worstNorm, worstElement);

        List<JsonObject> oneLog = steps(one);
        List<JsonObject> twoLog = steps(two);
        assertEquals(6, twoLog.size());
        for (int s = 0; s < 6; s++) {
            double l1 = oneLog.get(s).get("loss").getAsDouble();
            double l2 = twoLog.get(s).get("loss").getAsDouble();
            assertEquals(l1, l2, 1e-6 * l1, "the logged loss is the objective over both ranks, step " + (s + 1));
        }
        assertTrue(twoLog.get(5).get("loss").getAsDouble() < twoLog.get(0).get("loss").getAsDouble(), "it learns");

        // Rank 0 logs every rank's pace; the start event states the data-parallel setup.
        JsonObject last = twoLog.get(5);
        JsonArray rates = last.getAsJsonArray("rank_tokens_per_sec");
        JsonArray shares = last.getAsJsonArray("rank_communication_share");
        assertEquals(2, rates.size());
        for (int r = 0; r < 2; r++) {
            assertTrue(rates.get(r).getAsDouble() > 0, "rank " + r + " throughput " + rates);
            double share = shares.get(r).getAsDouble();
            assertTrue(share > 0 && share < 1, "rank " + r + " communication share " + shares);
        }
        JsonObject start = TrainerTest.log(two).stream().filter(o -> o.has("event") && o.get("event").getAsString().equals("start"))
                .findFirst().orElseThrow();
        assertEquals(2, start.get("world_size").getAsInt());
        assertEquals(8, start.get("global_batch_sequences").getAsInt(), "micro-batch 2 × accumulation 2 × 2 ranks");
        assertTrue(oneLog.get(5).get("rank_tokens_per_sec") == null, "a single process logs no per-rank figures");

        // The report draws each rank's rate and communication share (and their mean) in a browser.
        HeadlessChromium.Page page = HeadlessChromium.open(two.resolve("report.html"));
        assertEquals(List.of(), page.scriptErrors());
        for (String chart : List.of("rank-tokens-per-second", "communication-share")) {
            String svg = page.figure(chart).orElseThrow().svg();
            assertTrue(page.figure(chart).get().drawn() && svg.contains(">rank 0<") && svg.contains(">rank 1<"), chart);
        }
        assertTrue(page.figure("communication-share").get().svg().contains(">mean<"));
    }

    /**
     * Mixed precision inside the data-parallel step: fp16 compute, fp32 master weights, dynamic loss
     * scaling. Rank 1 alone gets an infinite gradient at step 3: the all-reduce carries it to both
     * ranks, both skip that update and halve the scale, and the replicas stay identical bit for bit.
     */
    @Test
    void anOverflowOnOneRankMakesEveryRankSkipTheStepAndHalveTheScale() throws Exception {
        String hocon = CONFIG.replace("MICRO", "2").replace("threads = 1 }",
                "threads = 1, precision = fp16, loss-scale { initial = 1024, growth-interval = 2 } }");
        Path run = dir.resolve("overflow");
        List<long[]> checksums = new ArrayList<>();
        for (PoisonedRank.Report r : BarrierLauncher.run(LocalSpark.get(), DistributedSettings.cpu(2)
                .withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(60)),
                new PoisonedRank(TrainerTest.config(hocon), shards.toString(), run.toString(), 3, 1))) {
            checksums.add(r.parameterChecksums());
        }
        long[] rank0 = checksums.get(0);
        assertEquals(6, rank0.length, "one checksum before each step's all-reduce");
        assertArrayEquals(rank0, checksums.get(1), "both ranks hold the same weights before every step");
        assertEquals(rank0[2], rank0[3], "step 3 was skipped: the weights did not change");
        for (int s = 1; s < 6; s++) {
            if (s != 3) {
                assertNotEquals(rank0[s - 1], rank0[s], "step " + s + " updated the weights");
            }
        }

        // The scale each step ran with: doubles after 2 good steps, halves on the overflow.
        List<JsonObject> log = steps(run);
        double[] scales = log.stream().mapToDouble(o -> o.get("loss_scale").getAsDouble()).toArray();
        assertArrayEquals(new double[]{1024, 1024, 2048, 1024, 1024, 2048}, scales);
        for (JsonObject o : log) {
            assertEquals(o.get("step").getAsInt() == 3, o.has("skipped"), "only step 3 is skipped: " + o);
        }
        assertTrue(log.get(5).get("loss").getAsDouble() < log.get(0).get("loss").getAsDouble(), "fp16 training learns");
        try (NDManager m = NDManager.newBaseManager()) {
            Checkpoints.Loaded c = new Checkpoints(run).load(run.resolve("checkpoints/step-00000006"), m);
            assertEquals(new DynamicLossScaler.State(2048f, 1, 0, 1), c.state().lossScale(), "the scaler is checkpointed");
            assertEquals(DataType.FLOAT32, c.model().get(0).getDataType(), "checkpoints hold the fp32 master weights");
        }
        assertTrue(TrainerTest.log(run).stream().anyMatch(o -> o.has("message")
                && o.get("message").getAsString().contains("fp16 on the CPU")), "a CPU fp16 run says it is slow there");
    }

    /** A rank whose gradient sync puts +inf into its own gradient at one step, before the all-reduce. */
    static final class PoisonedRank implements RankMain<PoisonedRank.Report> {
        record Report(long[] parameterChecksums) implements java.io.Serializable {
        }

        private final TrainConfig config;
        private final String data;
        private final String runDir;
        private final int poisonedStep;
        private final int poisonedRank;

        PoisonedRank(TrainConfig config, String data, String runDir, int poisonedStep, int poisonedRank) {
            this.config = config;
            this.data = data;
            this.runDir = runDir;
            this.poisonedStep = poisonedStep;
            this.poisonedRank = poisonedRank;
        }

        @Override
        public Report run(RankContext ctx) throws Exception {
            GradientSync real = new CollectiveGradientSync(ctx.collective(), 1 << 20);
            List<Long> checksums = new ArrayList<>();
            GradientSync poisoned = new GradientSync() {
                private Map<String, NDArray> weights;
                private int step;

                @Override
                public int rank() {
                    return real.rank();
                }

                @Override
                public int worldSize() {
                    return real.worldSize();
                }

                @Override
                public void replicate(Map<String, NDArray> tensors) {
                    weights = tensors;              // the live master weights, for the checksums
                    real.replicate(tensors);
                }

                @Override
                public void averageGradients(Map<String, NDArray> gradients) {
                    step++;
                    CRC32 crc = new CRC32();
                    weights.values().forEach(w -> crc.update(w.toByteBuffer(true)));
                    checksums.add(crc.getValue());
                    if (step == poisonedStep && rank() == poisonedRank) {
                        gradients.values().iterator().next().toByteBuffer(true).order(ByteOrder.nativeOrder())
                                .putFloat(0, Float.POSITIVE_INFINITY);
                    }
                    real.averageGradients(gradients);
                }

                @Override
                public double[] sum(double[] values) {
                    return real.sum(values);
                }

                @Override
                public double[] gather(double value) {
                    return real.gather(value);
                }
            };
            PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
            new Trainer(config, ShardManifest.load(data, new Configuration()), Path.of(runDir), poisoned,
                    new Trainer.Options(0, false, quiet)).run();
            return new Report(checksums.stream().mapToLong(Long::longValue).toArray());
        }
    }

    static List<JsonObject> steps(Path run) throws IOException {
        return TrainerTest.log(run).stream().filter(o -> o.get("type").getAsString().equals("train")).toList();
    }
}
