package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.lmforge.trainer.data.DataPosition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointsTest {

    private static CheckpointState state(long step) {
        return new CheckpointState(step, step * 100, List.of(new DataPosition(0, step * 4)), 1, 2.5, step, 0, step,
                Map.of("hidden-size", 8), null);
    }

    private static NDList tensors(NDManager m, float value) {
        NDArray w = m.full(new ai.djl.ndarray.types.Shape(2, 3), value);
        w.setName("layers.0.w");
        return new NDList(w);
    }

    @Test
    void savesAtomicallyKeepsTheNewestAndTheBest(@TempDir Path run) throws IOException {
        Checkpoints c = new Checkpoints(run);
        try (NDManager m = NDManager.newBaseManager()) {
            for (long step = 1; step <= 5; step++) {
                c.save(state(step), tensors(m, step), tensors(m, -step));
                c.prune(2, 2);
            }
            assertEquals(List.of("step-00000002", "step-00000004", "step-00000005"),
                    c.list().stream().map(p -> p.getFileName().toString()).toList());
            try (var files = Files.list(c.directory())) {
                assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".tmp")));
            }
            Checkpoints.Loaded latest = c.loadLatest(m).orElseThrow();
            assertEquals(5, latest.state().step());
            assertEquals(new DataPosition(0, 20), latest.state().dataPositions().get(0));
            assertArrayEquals(new float[]{5, 5, 5, 5, 5, 5}, latest.model().get(0).toFloatArray());
            assertEquals("layers.0.w", latest.model().get(0).getName());
        }
    }

    @Test
    void aCorruptNewestCheckpointFallsBackToThePreviousOne(@TempDir Path run) throws IOException {
        Checkpoints c = new Checkpoints(run);
        try (NDManager m = NDManager.newBaseManager()) {
            c.save(state(1), tensors(m, 1), tensors(m, -1));
            Path second = c.save(state(2), tensors(m, 2), tensors(m, -2));
            byte[] bytes = Files.readAllBytes(second.resolve("model.safetensors"));
            bytes[bytes.length - 1] ^= 1;
            Files.write(second.resolve("model.safetensors"), bytes);
            assertEquals(1, c.loadLatest(m).orElseThrow().state().step());
        }
    }

    @Test
    void leftoversOfAKilledWriteAreRemoved(@TempDir Path run) throws IOException {
        Checkpoints c = new Checkpoints(run);
        Path temp = c.directory().resolve(".tmp-step-00000009-1234");
        Files.createDirectories(temp);
        Files.writeString(temp.resolve("model.safetensors"), "partial");
        assertTrue(c.list().isEmpty(), "a temporary directory is not a checkpoint");
        c.removeIncomplete();
        assertFalse(Files.exists(temp));
    }
}
