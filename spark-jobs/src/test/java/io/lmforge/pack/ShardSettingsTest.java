package io.lmforge.pack;

import com.typesafe.config.ConfigFactory;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.tokenizer.DocumentEncoder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardSettingsTest {

    private static ShardSettings parse(String hocon) {
        return ShardSettings.from(Settings.of(ConfigFactory.parseString(hocon), "lmforge.corpus", "shards"));
    }

    @Test
    void theEncoderIsChosenByNameAndAutoByDefault() {
        assertEquals(DocumentEncoder.Choice.AUTO, parse("").encoder());
        assertEquals(DocumentEncoder.Choice.JVM, parse("encoder = jvm").encoder());
        assertEquals(DocumentEncoder.Choice.HF, parse("encoder = HF").encoder());
    }

    @Test
    void anUnknownEncoderIsAnErrorNamingTheKeyAndTheChoices() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> parse("encoder = rust"));
        assertTrue(e.getMessage().contains("shards.encoder") && e.getMessage().contains("auto, jvm or hf")
                && e.getMessage().contains("rust"), e.getMessage());
    }

    @Test
    void anEncodeBatchBelowOneIsAnError() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> parse("encode-batch = 0"));
        assertTrue(e.getMessage().contains("shards.encode-batch"), e.getMessage());
    }
}
