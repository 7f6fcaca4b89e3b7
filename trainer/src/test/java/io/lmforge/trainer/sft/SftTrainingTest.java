package io.lmforge.trainer.sft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.model.LanguageModelLoss;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.TestShards;
import io.lmforge.trainer.Trainer;
import io.lmforge.trainer.TrainerTest;
import io.lmforge.trainer.data.Batch;
import io.lmforge.trainer.data.ShardSplit;
import io.lmforge.trainer.data.TokenWindow;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loss of fine-tuning shards counts the responses only, and training on them lowers it. */
class SftTrainingTest {
    static final Configuration CONF = new Configuration();
    static final int T = 16;

    @TempDir
    static Path dir;

    @Test
    void changingContextTargetsLeavesTheLossAsItIsAndChangingAResponseTargetDoesNot() {
        // Two windows: bos, 8 context tokens, 7 response tokens, eos (the targets at 8..15 count).
        byte[] mask = new byte[T + 1];
        java.util.Arrays.fill(mask, 9, T + 1, (byte) 1);
        int[] a = new int[T + 1];
        int[] b = new int[T + 1];
        for (int p = 1; p <= T; p++) {
            a[p] = 4 + 'a' + p;
            b[p] = 4 + 'A' + 2 * p;
        }
        a[T] = 1;
        b[T] = 1;
        try (NDManager manager = NDManager.newBaseManager()) {
            DeepSeekModel model = new DeepSeekModel(SftTestData.model()).initialize(manager, DataType.FLOAT32, 5);
            Batch batch = batch(a, b, mask);
            // One forward pass; the batches below differ from it in targets only.
            NDArray logits = model.forward(new ParameterStore(manager, false), batch.inputs(manager), null, false).get(0);
            LanguageModelLoss loss = new LanguageModelLoss(2, 0);
            double base = crossEntropy(loss, logits, batch, manager);

            float[] logProbs = logits.logSoftmax(-1).toFloatArray();
            int vocab = (int) logits.getShape().get(2);
            double nll = 0;
            int scored = 0;
            int[][] rows = {a, b};
            for (int r = 0; r < 2; r++) {
                for (int t = 0; t < T; t++) {
                    if (mask[t + 1] == 1) {
                        nll -= logProbs[(r * T + t) * vocab + rows[r][t + 1]];
                        scored++;
                    }
                }
            }
            assertEquals(2 * 8, scored);
            assertEquals(nll / scored, base, 1e-5, "the mean over the response targets");
            assertEquals(scored, loss.scoredTargets(batch.targetIds()));
            assertEquals(8.0, loss.perSequence(logits, batch.targets(manager))[1][0], "validation counts the same targets");

            int[] otherContext = a.clone();
            for (int p = 1; p <= 8; p++) {
                otherContext[p] = 4 + '0' + p;
            }
            assertEquals(base, crossEntropy(loss, logits, batch(otherContext, b, mask), manager),
                    "context targets do not count");
            int[] otherResponse = a.clone();
            otherResponse[12] = 4 + '#';
            assertNotEquals(base, crossEntropy(loss, logits, batch(otherResponse, b, mask), manager),
                    "a response target does");
            assertNotEquals(base, crossEntropy(loss, logits, batch(otherContext, b, null), manager),
                    "and without a mask (pre-training shards) every target does");
        }
    }

    private static Batch batch(int[] a, int[] b, byte[] mask) {
        return new Batch(List.of(new TokenWindow(a, "sft", new int[]{0}, mask), new TokenWindow(b, "sft", new int[]{0}, mask)), T);
    }

    private static double crossEntropy(LanguageModelLoss loss, NDArray logits, Batch batch, NDManager manager) {
        return loss.compute(logits, batch.targets(manager), null).crossEntropy().getFloat();
    }

    @Test
    void aShortFineTuningRunFromACheckpointLowersTheResponseLoss() throws IOException {
        Path checkpoint = SftTestData.checkpoint(dir.resolve("checkpoint"));
        String[] colors = {"red", "green", "blue"};
        List<String> lines = new ArrayList<>();
        for (int k = 0; k < 60; k++) {
            lines.add("{\"context\": \"What color is item " + k + "?\", \"response\": \"Item " + k + " is "
                    + colors[k % 3] + ".\"}");
        }
        Path data = dir.resolve("colors.jsonl");
        Files.write(data, lines);
        SftShards.Report built = SftShards.build(new SftShards.Options(List.of(data), checkpoint, dir.resolve("sft"), 64, 0.2, 1, 8));
        ShardManifest shards = ShardManifest.load(dir.resolve("sft/shards").toString(), CONF);

        Path run = dir.resolve("run");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Trainer.Result result = new Trainer(TrainerTest.config(SftTestData.MODEL + """
                train { seed = 3, max-steps = 30, micro-batch = 4, mask-documents = true, threads = 1 }
                optimizer { lr = 3e-3, warmup-steps = 3 }
                eval { every = 15 }
                checkpoint { every = 30 }
                metrics { log-every = 1, prometheus-port = -1 }
                """), shards, run, GradientSync.singleProcess(),
                new Trainer.Options(0, true, new PrintStream(console), 0, checkpoint.toString())).run();
        assertTrue(console.toString().contains("initialized from " + checkpoint), console.toString());

        List<JsonObject> log = TrainerTest.log(run);
        List<Double> losses = log.stream().filter(o -> o.get("type").getAsString().equals("train"))
                .map(o -> o.get("cross_entropy").getAsDouble()).toList();
        double first = losses.get(0);
        assertTrue(first > Math.log(260) - 1, "step 1 scores the random checkpoint: " + first);
        double lastEval = result.lastEval().loss();
        assertTrue(lastEval < first - 1, "the response loss falls: " + first + " -> " + lastEval);
        assertEquals(trainedTargets(shards, ShardManifest.VAL), result.lastEval().tokens(),
                "validation scores the val split's response tokens only");
        assertTrue(built.valExamples() > 0 && built.trainExamples() > built.valExamples());
    }

    private static long trainedTargets(ShardManifest shards, String split) {
        ShardSplit s = ShardSplit.open(shards, split, shards.seqLen(), CONF);
        long n = 0;
        for (ShardSplit.Block block : s.blocks()) {
            for (TokenWindow w : s.read(block)) {
                for (int p = 1; p < w.tokens().length; p++) {
                    n += w.scored(p) ? 1 : 0;
                }
            }
        }
        return n;
    }

    @Test
    void initFromACheckpointOfAnotherTokenizerIsRefused() throws IOException {
        Path checkpoint = SftTestData.checkpoint(dir.resolve("base"));
        Path shards = TestShards.write(dir.resolve("other-tokenizer"), 16, 260, 1, 4, 2, 1);   // tokenizer_sha256 "test"
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> new Trainer(
                TrainerTest.config(SftTestData.MODEL + "train { max-steps = 1, micro-batch = 2 }\n"
                        + "metrics { prometheus-port = -1 }"),
                ShardManifest.load(shards.toString(), CONF), dir.resolve("refused"), GradientSync.singleProcess(),
                new Trainer.Options(0, true, new PrintStream(new ByteArrayOutputStream()), 0, checkpoint.toString())).run());
        assertTrue(e.getMessage().contains("--init-from " + checkpoint + " was trained with the tokenizer of SHA-256")
                && e.getMessage().contains("\"test\"") || e.getMessage().contains("SHA-256 test"), e.getMessage());
    }
}
