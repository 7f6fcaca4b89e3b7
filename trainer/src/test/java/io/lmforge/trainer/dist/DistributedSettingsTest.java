package io.lmforge.trainer.dist;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistributedSettingsTest {

    private static DistributedSettings parse(String hocon) {
        return DistributedSettings.from(Settings.parse(hocon, "test.conf", "lmforge.train").section("distributed"));
    }

    @Test
    void readsEveryKey() {
        DistributedSettings s = parse("""
                distributed { ranks = 4, backend = nccl, gpus-per-task = 1, timeout = 90s, connect-timeout = 1m,
                  segment-bytes = 512 KiB, socket-buffer-bytes = 8 MiB, bucket-bytes = 50 MB, advertise-host = "10.0.0.5" }
                """);
        assertEquals(4, s.ranks());
        assertEquals(DistributedSettings.Backend.NCCL, s.backend());
        assertEquals(1, s.gpusPerTask());
        assertEquals(Duration.ofSeconds(90), s.collectiveOptions().timeout());
        assertEquals(Duration.ofMinutes(1), s.collectiveOptions().connectTimeout());
        assertEquals(512 * 1024, s.collectiveOptions().segmentBytes());
        assertEquals(8 << 20, s.collectiveOptions().socketBufferBytes());
        assertEquals(50_000_000L, s.bucketBytes());
        assertEquals(Optional.of("10.0.0.5"), s.advertised());
    }

    @Test
    void defaultsAreACpuRingOfOne() {
        DistributedSettings s = parse("x = 1");
        assertEquals(1, s.ranks());
        assertEquals(DistributedSettings.Backend.TCP, s.backend());
        assertEquals(CollectiveOptions.DEFAULT_TIMEOUT, s.timeout());
        assertEquals(Optional.empty(), s.advertised());
    }

    @Test
    void errorsNameTheKey() {
        assertTrue(assertThrows(InvalidConfigException.class, () -> parse("distributed { rnaks = 2 }"))
                .getMessage().contains("unknown config key distributed.rnaks"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> parse("distributed { timeout = soon }"))
                .getMessage().contains("distributed.timeout must be a duration"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> parse("distributed { backend = mpi }"))
                .getMessage().contains("distributed.backend = 'mpi' is not one of [nccl, tcp]"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> parse("distributed { backend = nccl, gpus-per-task = 0 }"))
                .getMessage().contains("needs distributed.gpus-per-task >= 1"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> parse("distributed { segment-bytes = 100 }"))
                .getMessage().contains("segmentBytes must be a multiple of 4 and at least 4096"));
    }
}
