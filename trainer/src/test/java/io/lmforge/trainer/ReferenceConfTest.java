package io.lmforge.trainer;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.model.ModelConfig;
import io.lmforge.trainer.dist.DistributedSettings;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * trainer's reference.conf is the list of every training config key (its model section is
 * model's): the code reads its defaults from there, and a key read that it does not list fails here.
 */
class ReferenceConfTest {

    private static final File OWN = new File("src/main/resources/reference.conf");

    private static TrainConfig build(String hocon) {
        return TrainConfig.from(Settings.of(ConfigFactory.parseString(hocon).resolve(), TrainConfig.NAMESPACE, ""));
    }

    private static List<File> trainConfs() {
        List<File> out = new ArrayList<>();
        for (File f : new File("../conf").listFiles((d, n) -> n.endsWith(".conf"))) {
            Config c = ConfigFactory.parseFile(f);
            if (!c.hasPath("sources") && (c.hasPath("train") || c.hasPath("model"))) {
                out.add(f);
            }
        }
        assertFalse(out.isEmpty(), "no training configs in ../conf");
        return out;
    }

    @Test
    void everyTrainingConfBuildsOverTheDefaults() {
        for (File f : trainConfs()) {
            TrainConfig.load(f);
        }
    }

    @Test
    void anEmptyConfigGivesTheFormerInlineDefaults() {
        TrainConfig c = build("");
        assertEquals(ModelConfig.preset("tiny"), c.model());
        assertFalse(c.vocabSizeExplicit());
        assertEquals(new TrainConfig.Run(1234, 1000, 8, 1, 0, 0.0, false, "cpu", 0, TrainConfig.Precision.FP32), c.run());
        assertEquals(new TrainConfig.Optimizer(3e-4, 1e-6, 100, 0, new AdamW.Hyper(0.9, 0.95, 1e-8, 0.1), 1.0),
                c.optimizer());
        assertEquals(new TrainConfig.Eval(100, 0, 0, 0.0), c.eval());
        assertEquals(new TrainConfig.Checkpoint(500, 5), c.checkpoint());
        assertEquals(new TrainConfig.Metrics(10, 8000, "0.0.0.0"), c.metrics());
        assertEquals(DistributedSettings.cpu(1), c.distributed());
        // fp16 turns loss scaling on by default; nccl one GPU per task.
        assertTrue(build("train.precision = fp16").run().precision().lossScaling());
        assertEquals(1, build("distributed.backend = nccl").distributed().gpusPerTask());
    }

    @Test
    void everyKeyTheCodeReadsIsInTheReferenceConf() {
        Set<String> read = Settings.recordReads(() -> {
            build("");
            build("train { precision = fp16, loss-scale { enabled = true } }, distributed { backend = nccl }, "
                    + "model { moe { top-k = 1 } }");
            for (File f : trainConfs()) {
                TrainConfig.load(f);
            }
        });
        Config own = ConfigFactory.parseFile(OWN);
        Config merged = Settings.reference();
        Set<String> missing = new TreeSet<>();
        for (String path : read) {
            // The model section is model's reference.conf, included by substitution.
            boolean found = path.startsWith("lmforge.train.model.") ? merged.hasPathOrNull(path) : own.hasPathOrNull(path);
            if (!found) {
                missing.add(path);
            }
        }
        assertTrue(missing.isEmpty(), "read by the code but missing from reference.conf: " + missing);
        for (String path : List.of("lmforge.train.train.loss-scale.max-overflows-at-min",
                "lmforge.train.distributed.gpus-per-task", "lmforge.train.model.moe.top-k", "lmforge.train.metrics.prometheus-host")) {
            assertTrue(read.contains(path), path + " not recorded: " + read);
        }
    }

    @Test
    void unknownKeysNameTheUsersKey() {
        assertTrue(assertThrows(InvalidConfigException.class, () -> build("train { max-step = 3 }"))
                .getMessage().contains("train.max-step"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> build("model { moe { topk = 3 } }"))
                .getMessage().contains("model.moe.topk"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> build("optimiser { lr = 1 }"))
                .getMessage().contains("optimiser"));
    }
}
