package io.lmforge.serving;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class ServeOptionsTest {

    @Test
    void libtorchGetsEveryCoreButOneAndAtLeastOne() {
        assertEquals(1, ServeOptions.defaultTorchThreads(1));
        assertEquals(1, ServeOptions.defaultTorchThreads(2));
        assertEquals(15, ServeOptions.defaultTorchThreads(16));
    }

    @Test
    void theApiKeyIsNeverPrinted() {
        String printed = ServeOptions.defaults("m").withApiKey("sk-secret-123").toString();
        assertFalse(printed.contains("sk-secret-123"), printed);
    }
}
