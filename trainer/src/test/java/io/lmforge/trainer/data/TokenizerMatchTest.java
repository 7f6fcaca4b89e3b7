package io.lmforge.trainer.data;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.data.TokenizerMatch.Hash;
import io.lmforge.trainer.data.TokenizerMatch.Unrecorded;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerMatchTest {
    static ShardManifest shards(String sha) {
        return new ShardManifest(new Path("/data/shards"), 16, 260, sha, 0, Map.of(), 0.0, Map.of(), Map.of());
    }

    static void require(String modelSha, String shardsSha, Unrecorded unrecorded) {
        TokenizerMatch.require("the model m", new Hash(modelSha, "tokenizer_sha256 in m/config.json"), shards(shardsSha),
                unrecorded, "use the model's tokenizer");
    }

    @Test
    void aMismatchNamesBothHashesAndWhereEachWasRead() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> require("aaa", "bbb", Unrecorded.EITHER_SKIPS));
        assertEquals("the model m was trained with the tokenizer of SHA-256 aaa (tokenizer_sha256 in m/config.json), "
                + "but the shards were made with the tokenizer of SHA-256 bbb (tokenizer_sha256 in /data/shards/manifest.json); "
                + "use the model's tokenizer", e.getMessage());
    }

    @Test
    void equalHashesPassUnderEveryPolicy() {
        for (Unrecorded unrecorded : Unrecorded.values()) {
            assertDoesNotThrow(() -> require("aaa", "aaa", unrecorded));
            assertDoesNotThrow(() -> require("", "", unrecorded));
        }
    }

    @Test
    void eachPolicySkipsOnlyTheUnrecordedHashesItNames() {
        assertDoesNotThrow(() -> require("", "bbb", Unrecorded.EITHER_SKIPS));
        assertDoesNotThrow(() -> require("aaa", "", Unrecorded.EITHER_SKIPS));

        assertDoesNotThrow(() -> require("", "bbb", Unrecorded.MODEL_SKIPS));
        assertThrows(InvalidConfigException.class, () -> require("aaa", "", Unrecorded.MODEL_SKIPS));

        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> require("", "bbb", Unrecorded.NONE_SKIPS));
        assertTrue(e.getMessage().contains("SHA-256 not recorded (tokenizer_sha256 in m/config.json)"), e.getMessage());
        assertThrows(InvalidConfigException.class, () -> require("aaa", "", Unrecorded.NONE_SKIPS));
    }
}
