package io.lmforge.model;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.lmforge.config.Settings;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** model's reference.conf lists every key of a model section; a key read that it does not list fails here. */
class ReferenceConfTest {

    private static ModelConfig build(Config model) {
        return ModelConfig.fromSettings(Settings.of(model, "lmforge", "model"));
    }

    @Test
    void everyModelSectionBuildsAndEveryKeyReadIsListed() {
        assertEquals(ModelConfig.preset("tiny"), build(ConfigFactory.empty()));
        Set<String> read = Settings.recordReads(() -> {
            build(ConfigFactory.empty());
            build(ConfigFactory.parseString("preset = small, moe { top-k = 1 }"));
            for (File f : new File("../conf").listFiles((d, n) -> n.endsWith(".conf"))) {
                Config c = ConfigFactory.parseFile(f).resolve();
                if (c.hasPath("model")) {
                    build(c.getConfig("model"));
                }
            }
        });
        Config own = ConfigFactory.parseFile(new File("src/main/resources/reference.conf"));
        Set<String> missing = new TreeSet<>();
        for (String path : read) {
            if (!own.hasPathOrNull(path)) {
                missing.add(path);
            }
        }
        assertTrue(missing.isEmpty(), "read by the code but missing from model's reference.conf: " + missing);
        assertTrue(read.contains("lmforge.model.moe.normalize-top-k"), read.toString());
    }
}
