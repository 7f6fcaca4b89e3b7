package io.lmforge.serving;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServeOptionsTest {

    @Test
    void libtorchGetsEveryCoreButOneSharedAmongTheLanesAndAtLeastOne() {
        assertEquals(1, ServeOptions.defaultTorchThreads(1, 1));
        assertEquals(1, ServeOptions.defaultTorchThreads(2, 1));
        assertEquals(15, ServeOptions.defaultTorchThreads(16, 1));
        assertEquals(1, ServeOptions.defaultTorchThreads(2, 2));
        assertEquals(7, ServeOptions.defaultTorchThreads(16, 2));
    }

    @Test
    void twoLanesWhereThereAreTwoCores() {
        assertEquals(1, ServeOptions.defaultLanes(1));
        assertEquals(2, ServeOptions.defaultLanes(2));
        assertEquals(2, ServeOptions.defaultLanes(64));
    }

    @Test
    void lanesAreAtLeastOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServeOptions.defaults("m").withLanes(0));
        assertTrue(e.getMessage().contains("lanes"), e.getMessage());
    }

    @Test
    void theApiKeyIsNeverPrinted() {
        String printed = ServeOptions.defaults("m").withApiKey("sk-secret-123").toString();
        assertFalse(printed.contains("sk-secret-123"), printed);
    }
}
