package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.dist.GradientSync;
import io.lmforge.trainer.freeze.FreezeSpec;
import io.lmforge.trainer.freeze.ParameterFreeze;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train.freeze}: a real short run keeps the frozen tensors and gives them no optimizer state. */
class FreezeTrainingTest {
    static final String CONFIG = DistillationTrainingTest.CONFIG + "train.freeze = \"embeddings,layers:1\"\n";

    @TempDir
    static Path dir;
    static ShardManifest shards;
    static Path run;
    static ModelConfig model;

    @BeforeAll
    static void train() throws IOException {
        shards = ShardManifest.load(TestShards.write(dir.resolve("shards"), 16, 64, 2, 12, 8, 11).toString(),
                new Configuration());
        run = dir.resolve("run");
        Trainer trainer = new Trainer(TrainerTest.config(CONFIG), shards, run, GradientSync.singleProcess(),
                new Trainer.Options(0, true, new PrintStream(new ByteArrayOutputStream())));
        model = trainer.modelConfigFor(shards);
        assertEquals(3, trainer.run().step());
    }

    @Test
    void frozenParametersStayBitForBitAndHaveNoOptimizerStateWhileTheOthersTrain() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, float[]> initial = new LinkedHashMap<>();
            new DeepSeekModel(model).initialize(m, DataType.FLOAT32, 7).namedParameters()
                    .forEach((name, p) -> initial.put(name, p.getArray().toFloatArray()));
            Checkpoints.Loaded last = new Checkpoints(run).loadLatest(m).orElseThrow();
            assertEquals(3, last.state().step());
            Set<String> moments = new HashSet<>();
            for (NDArray a : last.optimizer()) {
                moments.add(a.getName());
            }
            int frozen = 0;
            int trained = 0;
            for (NDArray a : last.model()) {
                String name = a.getName();
                boolean isFrozen = name.startsWith("embed.") || name.startsWith("layers.0.");
                if (isFrozen) {
                    assertArrayEquals(initial.get(name), a.toFloatArray(), name + " is frozen");
                    assertFalse(moments.contains("exp_avg." + name) || moments.contains("exp_avg_sq." + name),
                            "no AdamW moments for the frozen " + name);
                    frozen++;
                } else {
                    assertFalse(Arrays.equals(initial.get(name), a.toFloatArray()), name + " trains");
                    assertTrue(moments.contains("exp_avg." + name) && moments.contains("exp_avg_sq." + name), name);
                    trained++;
                }
            }
            assertTrue(frozen >= 2 && trained >= 2, frozen + " frozen, " + trained + " trained");
            assertEquals(2 * trained, moments.size(), "moments of the trained tensors only: " + moments);
        }
    }

    @Test
    void aStoppedAndResumedFrozenRunEndsAsTheUninterruptedOne() throws IOException {
        Path resumed = dir.resolve("resumed");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        new Trainer(TrainerTest.config(CONFIG), shards, resumed, GradientSync.singleProcess(),
                new Trainer.Options(2, true, quiet)).run();
        Trainer.Result r = new Trainer(TrainerTest.config(CONFIG), shards, resumed, GradientSync.singleProcess(),
                new Trainer.Options(0, true, quiet)).run();
        assertEquals(2, r.resumedFrom());
        TrainerTest.assertSameTensors(run, resumed, 3);
    }

    @Test
    void theLogSaysHowManyParametersTrain() throws IOException {
        List<JsonObject> log = TrainerTest.log(run);
        JsonObject event = log.stream().filter(o -> o.has("event") && o.get("event").getAsString().equals("freeze"))
                .findFirst().orElseThrow();
        long trainable = 0;
        long total = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (Map.Entry<String, Parameter> e : new DeepSeekModel(model).initialize(m, DataType.FLOAT32, 7)
                    .namedParameters().entrySet()) {
                long size = e.getValue().getArray().size();
                total += size;
                if (!e.getKey().startsWith("embed.") && !e.getKey().startsWith("layers.0.")) {
                    trainable += size;
                }
            }
        }
        assertEquals(trainable, event.get("trainable_parameters").getAsLong());
        assertEquals(total - trainable, event.get("frozen_parameters").getAsLong());
        assertEquals(total, event.get("total_parameters").getAsLong());
    }

    @Test
    void aFractionFreezesWholeTensorsBottomUpUntilItIsReached() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, Parameter> parameters = new DeepSeekModel(model).initialize(m, DataType.FLOAT32, 7).namedParameters();
            ParameterFreeze f = ParameterFreeze.select(FreezeSpec.parse("freeze", "fraction:0.6"), parameters, 2);
            List<String> names = List.copyOf(parameters.keySet());
            List<String> frozen = List.copyOf(f.frozen());
            assertEquals(names.subList(0, frozen.size()), frozen, "a bottom-up prefix");
            long total = 0;
            long beforeLast = 0;
            for (String name : frozen) {
                beforeLast = total;
                total += parameters.get(name).getArray().size();
            }
            assertEquals(total, f.frozenParameters());
            assertTrue(total >= 0.6 * f.totalParameters(), "reached: " + total + " of " + f.totalParameters());
            assertTrue(beforeLast < 0.6 * f.totalParameters(), "stops once reached");
            assertEquals(f.totalParameters() - total, f.trainableParameters());
            assertEquals(parameters.size() - frozen.size(), f.trainable(parameters).size());

            InvalidConfigException all = assertThrows(InvalidConfigException.class,
                    () -> ParameterFreeze.select(FreezeSpec.parse("freeze", "fraction:0.99999"), parameters, 2));
            assertTrue(all.getMessage().contains("nothing would train"), all.getMessage());
            InvalidConfigException layers = assertThrows(InvalidConfigException.class,
                    () -> ParameterFreeze.select(FreezeSpec.parse("freeze", "layers:3"), parameters, 2));
            assertTrue(layers.getMessage().contains("only 2 layers"), layers.getMessage());
        }
    }

    @Test
    void badSpecsAreClearErrors() {
        for (String[] bad : new String[][]{
                {"layers:0", "N >= 1"}, {"layers:two", "does not end in a number"}, {"fraction:1", "0 < F < 1"},
                {"fraction:0.9,embeddings", "does not combine"}, {"head", "unknown term 'head'"}}) {
            InvalidConfigException e = assertThrows(InvalidConfigException.class,
                    () -> TrainerTest.config("train.freeze = \"" + bad[0] + "\""));
            assertTrue(e.getMessage().contains("train.freeze") && e.getMessage().contains(bad[1]), e.getMessage());
        }
        assertEquals(new FreezeSpec(true, 2, 0, "embeddings,layers:2"), TrainerTest.config(
                "train.freeze = \"embeddings,layers:2\"").freeze());
        assertFalse(TrainerTest.config("").freeze().freezes());
    }
}
