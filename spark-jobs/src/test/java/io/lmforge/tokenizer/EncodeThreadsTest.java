package io.lmforge.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EncodeThreadsTest {
    @Test
    void resultsComeBackInOrderFromThePoolsThreads() {
        String[] texts = new String[200];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = "x".repeat(i % 17);
        }
        Set<String> threads = ConcurrentHashMap.newKeySet();
        int[][] out = EncodeThreads.each(texts, t -> {
            threads.add(Thread.currentThread().getName());
            return new int[]{t.length()};
        });
        for (int i = 0; i < texts.length; i++) {
            assertArrayEquals(new int[]{i % 17}, out[i], "text " + i);
        }
        assertFalse(threads.contains(Thread.currentThread().getName()), "the caller waits, the pool encodes");
    }

    @Test
    void anEncodersFailureReachesTheCaller() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncodeThreads.each(
                new String[]{"a", "bad", "c"}, t -> {
                    if (t.equals("bad")) {
                        throw new IllegalArgumentException("cannot encode " + t);
                    }
                    return new int[0];
                }));
        assertEquals("cannot encode bad", e.getMessage());
    }

    @Test
    void oneThreadPerCoreOfTheExecutor() {
        assertEquals(3, EncodeThreads.cores("local[3]", 8, 16));
        assertEquals(16, EncodeThreads.cores("local[*]", 8, 16));
        assertEquals(4, EncodeThreads.cores("local[4,2]", 8, 16));
        assertEquals(1, EncodeThreads.cores("local", 8, 16));
        assertEquals(8, EncodeThreads.cores(null, 8, 16));   // an executor of a cluster: spark.executor.cores
    }
}
