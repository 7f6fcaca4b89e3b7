package io.lmforge.model;

import com.typesafe.config.ConfigFactory;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {

    private static ModelConfig parse(String hocon) {
        Settings root = Settings.of(ConfigFactory.parseString(hocon).resolve(), "lmforge", "");
        return ModelConfig.fromSettings(root.section("model"));
    }

    @Test
    void keysOverrideThePreset() {
        ModelConfig c = parse("model { preset = tiny, hidden-size = 128, heads = 2, moe { top-k = 4 } }");
        assertEquals(128, c.hiddenSize());
        assertEquals(2, c.heads());
        assertEquals(4, c.moe().topK());
        assertEquals(ModelConfig.preset("tiny").layers(), c.layers());
        assertEquals(16, c.moe().routedExperts());
    }

    @Test
    void sevenBillionPresetHasTheDocumentsShape() {
        ModelConfig c = parse("model { preset = 7b }");
        assertEquals(52_000, c.vocabSize());
        assertEquals(4096, c.hiddenSize());
        assertEquals(32, c.layers());
        assertEquals(32, c.heads());
        assertEquals(11_008, c.intermediateSize());
        assertEquals(2048, c.maxPositions());
        assertEquals(0.02, c.initStd());
        assertEquals(1e-5, c.normEps());
        assertFalse(c.moe().enabled());
    }

    @Test
    void moeCanBeSwitchedOff() {
        ModelConfig c = parse("model { preset = tiny, moe { routed-experts = 0 } }");
        assertFalse(c.moe().enabled());
        assertEquals(0, c.moeLayers());
    }

    @Test
    void unknownKeysNameTheirFullPath() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> parse("model { preset = tiny, hiden-size = 128 }"));
        assertTrue(e.getMessage().contains("model.hiden-size"), e.getMessage());
        e = assertThrows(InvalidConfigException.class, () -> parse("model { moe { top_k = 2 } }"));
        assertTrue(e.getMessage().contains("model.moe.top_k"), e.getMessage());
    }

    @Test
    void invalidShapesAreRejectedWithTheKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> parse("model { hidden-size = 100, heads = 3 }"));
        assertTrue(e.getMessage().contains("model.heads"), e.getMessage());
        e = assertThrows(InvalidConfigException.class, () -> parse("model { moe { top-k = 17 } }"));
        assertTrue(e.getMessage().contains("model.moe.top-k"), e.getMessage());
        e = assertThrows(InvalidConfigException.class, () -> parse("model { preset = huge }"));
        assertTrue(e.getMessage().contains("tiny, small, 7b, 7b-moe"), e.getMessage());
    }
}
