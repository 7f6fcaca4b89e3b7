package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.model.LanguageModelLoss;
import io.lmforge.model.checkpoint.AdapterCheckpoint;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.checkpoint.MergedCheckpoint;
import io.lmforge.model.checkpoint.Weights;
import io.lmforge.model.checkpoint.AdapterFiles;
import io.lmforge.model.lora.LoraAdapters;
import io.lmforge.model.lora.LoraConfig;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.data.Batch;
import io.lmforge.trainer.data.TokenWindow;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoRA on a real (tiny MoE) base trained here: the adapters train alone, the checkpoint holds only
 * them, and the merged model computes what base plus adapters compute.
 */
class LoraTrainingTest {
    /** The base; the LoRA runs add {@link #LORA} and start from its checkpoint. */
    static final String BASE = SelfContainedCheckpointTest.CONFIG;
    static final String LORA = BASE + """
            train { max-steps = 4 }
            optimizer { lr = 1e-2, warmup-steps = 0 }
            lora { rank = 4, alpha = 8, targets = [q, v, o, gate, up, down] }
            """;
    /** Merged against unmerged logits: the same sums in another order, in fp32. */
    static final float MERGE_TOLERANCE = 1e-4f;

    @TempDir
    static Path dir;
    static Path shards;
    static Path base;
    static Path adapterRun;

    @BeforeAll
    static void train() throws IOException {
        shards = TestTokenizer.writeCorpus(dir.resolve("corpus"), 16);
        base = dir.resolve("base");
        SelfContainedCheckpointTest.train(shards, base);
        adapterRun = dir.resolve("lora");
        lora(LORA, adapterRun, base.toString());
    }

    static Trainer.Result lora(String hocon, Path out, String initFrom) throws IOException {
        ShardManifest manifest = ShardManifest.load(shards.toString(), new Configuration());
        return new Trainer(TrainerTest.config(hocon), manifest, out, GradientSync.singleProcess(),
                new Trainer.Options(0, true, new PrintStream(new ByteArrayOutputStream()), 0, initFrom)).run();
    }

    @Test
    void adapterCheckpointHoldsOnlyTheAdaptersAndNamesItsBase() throws IOException {
        Path adapter = CheckpointFiles.resolve(adapterRun);
        Path baseDir = CheckpointFiles.resolve(base);
        AdapterFiles.Reference ref = AdapterFiles.read(adapter);
        assertEquals(baseDir.toAbsolutePath().normalize(), ref.basePath());
        assertEquals(CheckpointFiles.sha256(baseDir.resolve("model.safetensors")), ref.baseWeightsSha256());
        assertEquals(new LoraConfig(4, 8, List.of("q", "v", "o", "gate", "up", "down"), 0), ref.lora());
        try (NDManager m = NDManager.newBaseManager()) {
            Checkpoints.Loaded loaded = new Checkpoints(adapterRun).load(adapter, m);
            assertFalse(loaded.model().isEmpty());
            for (NDArray a : loaded.model()) {
                assertTrue(a.getName().contains(".lora_A.") || a.getName().contains(".lora_B."), a.getName());
            }
            // AdamW moments of the adapters only: no optimizer state for the frozen weights.
            for (NDArray a : loaded.optimizer()) {
                assertTrue(a.getName().contains(".lora_"), a.getName());
            }
        }
        long adapterBytes = Files.size(adapter.resolve("model.safetensors")) + Files.size(adapter.resolve("optimizer.safetensors"));
        long baseBytes = Files.size(baseDir.resolve("model.safetensors")) + Files.size(baseDir.resolve("optimizer.safetensors"));
        assertTrue(adapterBytes * 4 < baseBytes, adapterBytes + " bytes of adapter against " + baseBytes + " of the base");
    }

    @Test
    void mergedModelGivesTheLogitsOfBasePlusAdapters() throws IOException {
        Path adapter = CheckpointFiles.resolve(adapterRun);
        AdapterFiles.Reference ref = AdapterFiles.read(adapter);
        int[][] tokens = {{5, 80, 81, 97, 33, 120, 4, 9}};
        try (CheckpointModel unmerged = CheckpointModel.load(base);
             NDManager scratch = NDManager.newBaseManager()) {
            float[] baseLogits = logits(unmerged.model(), tokens, unmerged.manager());
            LoraAdapters lora = LoraAdapters.attach(unmerged.model(), ref.lora(), unmerged.manager(), DataType.FLOAT32, 0);
            float[] fresh = logits(unmerged.model(), tokens, unmerged.manager());
            assertArrayEquals(baseLogits, fresh, "B = 0: the adapted model starts as the base, bit for bit");

            Weights.load(lora.parameters(), new Checkpoints(adapterRun).load(adapter, scratch).model(), adapter);
            float[] adapted = logits(unmerged.model(), tokens, unmerged.manager());
            assertTrue(maxAbsDiff(adapted, baseLogits) > 1e-3, "training moved the adapters");
            try (CheckpointModel merged = CheckpointModel.load(adapterRun)) {
                assertEquals(adapter, merged.directory());
                float[] mergedLogits = logits(merged.model(), tokens, merged.manager());
                assertTrue(maxAbsDiff(adapted, mergedLogits) < MERGE_TOLERANCE,
                        "merged vs base + adapters: " + maxAbsDiff(adapted, mergedLogits));

                Path written = MergedCheckpoint.write(merged, dir.resolve("merged"));
                try (CheckpointModel reloaded = CheckpointModel.load(written)) {
                    assertArrayEquals(mergedLogits, logits(reloaded.model(), tokens, reloaded.manager()));
                }
            }
        }
    }

    @Test
    void baseWeightsStayBitIdenticalWhileTheAdaptersTrain() throws IOException {
        JniUtils.setGradMode(false);
        try (NDManager manager = NDManager.newBaseManager()) {
            DeepSeekModel model = new DeepSeekModel(CheckpointFiles.readConfig(CheckpointFiles.resolve(base)).model());
            model.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
            CheckpointModel.loadWeightsInto(CheckpointFiles.resolve(base), model, manager);
            LoraAdapters lora = LoraAdapters.attach(model, new LoraConfig(2, 4, List.of("q", "k", "v", "o", "gate", "up", "down"), 0.1),
                    manager, DataType.FLOAT32, 3);
            Map<String, float[]> before = new LinkedHashMap<>();
            model.namedParameters().forEach((name, p) -> before.put(name, p.getArray().toFloatArray()));
            Map<String, float[]> adaptersBefore = new LinkedHashMap<>();
            lora.parameters().forEach((name, p) -> adaptersBefore.put(name, p.getArray().toFloatArray()));

            MixedPrecision models = MixedPrecision.fp32(model, lora.parameters(), manager);
            TrainingStep step = new TrainingStep(models, manager, new AdamW(AdamW.Hyper.DEFAULT, lora.parameters(), manager),
                    GradientSync.singleProcess(), new TrainingStep.Options(new LanguageModelLoss(-100, 0), 1.0, 1, false));
            SplittableRandom random = new SplittableRandom(5);
            for (int i = 0; i < 3; i++) {
                step.run(() -> randomBatch(random, 2, 12, TestTokenizer.VOCAB), 1e-2);
            }
            model.namedParameters().forEach((name, p) -> {
                assertArrayEquals(before.get(name), p.getArray().toFloatArray(), name + " changed");
                assertFalse(p.getArray().hasGradient(), name + " has a gradient");
            });
            long changed = lora.parameters().entrySet().stream()
                    .filter(e -> !java.util.Arrays.equals(adaptersBefore.get(e.getKey()), e.getValue().getArray().toFloatArray()))
                    .count();
            assertTrue(changed > lora.parameters().size() / 2, changed + " of " + lora.parameters().size() + " adapters moved");
        }
    }

    @Test
    void aBaseOtherThanTheAdaptersIsRefusedNamingBoth() throws IOException {
        Path other = dir.resolve("other-base");
        // The same model retrained: here, one weight nudged.
        try (CheckpointModel m = CheckpointModel.load(base)) {
            m.model().namedParameters().get("embed.weight").getArray().set(new ai.djl.ndarray.index.NDIndex("0, 0"), 0.5f);
            MergedCheckpoint.write(m, other);
        }
        Path adapter = CheckpointFiles.resolve(adapterRun);
        IOException e = assertThrows(IOException.class, () -> AdapterCheckpoint.load(adapter, other, ai.djl.Device.cpu()));
        String ref = AdapterFiles.read(adapter).baseWeightsSha256();
        assertTrue(e.getMessage().contains(ref) && e.getMessage().contains(AdapterFiles.weightsSha256(other))
                && e.getMessage().contains(adapter.toString()), e.getMessage());
    }

    @Test
    void badLoraSettingsAreRefused() {
        InvalidConfigException unknown = assertThrows(InvalidConfigException.class,
                () -> TrainerTest.config(BASE + "lora { rank = 4, targets = [q, wq] }"));
        assertTrue(unknown.getMessage().contains("'wq'") && unknown.getMessage().contains("gate"), unknown.getMessage());
        assertThrows(InvalidConfigException.class, () -> TrainerTest.config(BASE + "lora { rank = -1 }"));
        assertThrows(InvalidConfigException.class, () -> LoraConfig.OFF.with(0, null, null, null));
        assertThrows(InvalidConfigException.class, () -> LoraConfig.OFF.with(null, null, List.of("q"), null));
        InvalidConfigException noBase = assertThrows(InvalidConfigException.class,
                () -> lora(LORA, dir.resolve("no-base"), null));
        assertTrue(noBase.getMessage().contains("--init-from"), noBase.getMessage());
        InvalidConfigException otherSettings = assertThrows(InvalidConfigException.class,
                () -> lora(LORA + "lora { targets = [q] }", adapterRun, base.toString()));
        assertTrue(otherSettings.getMessage().contains("use a new --out"), otherSettings.getMessage());
        InvalidConfigException adapterAsBase = assertThrows(InvalidConfigException.class,
                () -> lora(LORA, dir.resolve("stacked"), adapterRun.toString()));
        assertTrue(adapterAsBase.getMessage().contains("adapter"), adapterAsBase.getMessage());
    }

    static float[] logits(DeepSeekModel model, int[][] tokens, NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            return model.forward(new ParameterStore(m, false), m.create(tokens), null, false).get(0).toFloatArray();
        }
    }

    static float maxAbsDiff(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static Batch randomBatch(SplittableRandom random, int sequences, int context, int vocab) {
        List<TokenWindow> windows = new ArrayList<>(sequences);
        for (int b = 0; b < sequences; b++) {
            int[] t = new int[context + 1];
            for (int i = 0; i < t.length; i++) {
                t[i] = random.nextInt(vocab);
            }
            windows.add(new TokenWindow(t, "test", new int[]{0}));
        }
        return new Batch(windows, context);
    }
}
