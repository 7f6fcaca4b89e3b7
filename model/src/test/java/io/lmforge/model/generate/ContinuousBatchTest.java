package io.lmforge.model.generate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.nn.CachedPart;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.model.nn.KvCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Sequences that join and leave a running batch produce what each produces alone. */
class ContinuousBatchTest {
    private static NDManager manager;
    private static DeepSeekModel model;
    private static Generator alone;

    @BeforeAll
    static void models() {
        manager = NDManager.newBaseManager();
        ModelConfig m = new ModelConfig("mini", 97, 32, 3, 4, 40, 64, 10_000, 1e-5, 0.2, false,
                new ModelConfig.Moe(8, 2, 1, 12, 1, 0.01, true));
        model = new DeepSeekModel(m).initialize(manager, DataType.FLOAT32, 5);
        alone = new Generator(model, manager);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static int[] prompt(long seed, int length) {
        Random r = new Random(seed);
        int[] p = new int[length];
        for (int i = 0; i < length; i++) {
            p[i] = i == 0 ? 0 : 4 + r.nextInt(93);
        }
        return p;
    }

    private static class Capture implements ContinuousBatch.Listener {
        final List<Integer> tokens = new ArrayList<>();
        Generator.Output output;
        final int stopAfter;

        Capture(int stopAfter) {
            this.stopAfter = stopAfter;
        }

        @Override
        public boolean onToken(int token) {
            tokens.add(token);
            return tokens.size() != stopAfter;
        }

        @Override
        public void onFinish(Generator.Output o) {
            output = o;
        }
    }

    @Test
    void joiningAndLeavingBetweenStepsEqualsEachSequenceAlone() {
        Sampling sampled = new Sampling(0.9, 20, 0.95, 1.1);
        int[][] prompts = {prompt(1, 3), prompt(2, 17), prompt(3, 1), prompt(4, 9), prompt(5, 12), prompt(6, 5)};
        int[] maxNew = {14, 6, 20, 9, 11, 16};
        // A small capacity: the cache fills and is compacted while sequences run.
        try (ContinuousBatch batch = new ContinuousBatch(model, manager, 32, -1, 2)) {
            for (Sampling s : List.of(Sampling.GREEDY, sampled)) {
                Capture[] c = new Capture[prompts.length];
                for (int i = 0; i < prompts.length; i++) {
                    c[i] = new Capture(-1);
                }
                batch.add(List.of(seq(prompts[0], maxNew[0], s, 0, c[0])));
                batch.step();
                batch.step();
                batch.add(List.of(seq(prompts[1], maxNew[1], s, 1, c[1]), seq(prompts[2], maxNew[2], s, 2, c[2])));
                for (int i = 0; i < 4; i++) {
                    batch.step();
                }
                batch.add(List.of(seq(prompts[3], maxNew[3], s, 3, c[3])));
                batch.step();
                batch.add(List.of(seq(prompts[4], maxNew[4], s, 4, c[4]), seq(prompts[5], maxNew[5], s, 5, c[5])));
                while (batch.size() > 0) {
                    batch.step();
                }
                for (int i = 0; i < prompts.length; i++) {
                    Generator.Result one = alone.generate(new int[][]{prompts[i]}, maxNew[i], s, i, -1, 2, null);
                    assertNotNull(c[i].output, "sequence " + i + " finished");
                    assertArrayEquals(one.outputs()[0].tokens(), c[i].output.tokens(), s + " sequence " + i);
                    assertEquals(Generator.Finish.LENGTH, c[i].output.finish());
                    assertEquals(maxNew[i], c[i].tokens.size());
                }
            }
        }
    }

    @Test
    void randomJoinsAndLeavesInOneBufferEqualEachSequenceAlone() {
        randomJoinsAndLeaves(false);
    }

    @Test
    void joinersPrefilledInTheDecodePassEqualEachSequenceAlone() {
        randomJoinsAndLeaves(true);
    }

    /** @param merged joiners join through {@code step(joiners)}, prefilled in the running rows' decode pass */
    private static void randomJoinsAndLeaves(boolean merged) {
        // Rows leave from the middle (the last row moves into the hole), longer prompts join behind
        // shorter running ones (the window moves right), the buffer grows in rows and slots and its
        // window moves to the front when it reaches the end of a small capacity.
        Random r = new Random(11);
        int count = 14;
        int[][] prompts = new int[count][];
        int[] maxNew = new int[count];
        for (int i = 0; i < count; i++) {
            prompts[i] = prompt(100 + i, 1 + r.nextInt(18));
            maxNew[i] = 1 + r.nextInt(12);
        }
        int joinedWhileRunning = 0;
        for (Sampling s : List.of(Sampling.GREEDY, new Sampling(0.8, 0, 0.9, 1.2))) {
            Capture[] c = new Capture[count];
            try (ContinuousBatch batch = new ContinuousBatch(model, manager, 40, 6, -1, 2)) {
                int next = 0;
                while (next < count || batch.size() > 0) {
                    int joining = next < count && r.nextInt(3) == 0 ? Math.min(count - next, 1 + r.nextInt(3)) : 0;
                    List<ContinuousBatch.Sequence> joiners = new ArrayList<>();
                    for (int j = 0; j < joining && batch.size() + joiners.size() < 6; j++, next++) {
                        c[next] = new Capture(-1);
                        joiners.add(seq(prompts[next], maxNew[next], s, next, c[next]));
                    }
                    if (merged) {
                        joinedWhileRunning += batch.size() > 0 && !joiners.isEmpty() ? 1 : 0;
                        batch.step(joiners);
                    } else {
                        if (!joiners.isEmpty()) {
                            batch.add(joiners);
                        }
                        batch.step();
                    }
                }
            }
            for (int i = 0; i < count; i++) {
                int[] one = alone.generate(new int[][]{prompts[i]}, maxNew[i], s, i, -1, 2, null).outputs()[0].tokens();
                assertArrayEquals(one, c[i].output.tokens(), s + " sequence " + i);
            }
        }
        assertEquals(merged, joinedWhileRunning > 0, "prompts prefilled in a decode pass");
    }

    @Test
    void aListenerOrACancelEndsTheSequenceAndFreesItsRow() {
        try (ContinuousBatch batch = new ContinuousBatch(model, manager, 64, -1, 2)) {
            Capture stops = new Capture(3);
            Capture cancelled = new Capture(-1);
            Capture runs = new Capture(-1);
            ContinuousBatch.Sequence c = seq(prompt(7, 4), 30, Sampling.GREEDY, 0, cancelled);
            batch.add(List.of(seq(prompt(8, 6), 30, Sampling.GREEDY, 0, stops), c, seq(prompt(9, 2), 10, Sampling.GREEDY, 0, runs)));
            assertEquals(3, batch.size());
            batch.step();
            batch.step();
            assertEquals(2, batch.size());
            assertEquals(Generator.Finish.STOP, stops.output.finish());
            assertEquals(3, stops.output.tokens().length);
            c.cancel();
            batch.step();
            assertEquals(1, batch.size());
            assertEquals(Generator.Finish.STOP, cancelled.output.finish());
            while (batch.size() > 0) {
                batch.step();
            }
            int[] expected = alone.generate(new int[][]{prompt(9, 2)}, 10, Sampling.GREEDY, 0, -1, 2, null).outputs()[0].tokens();
            assertArrayEquals(expected, runs.output.tokens());
        }
    }

    @Test
    void aSequenceLongerThanTheCapacityIsRefused() {
        try (ContinuousBatch batch = new ContinuousBatch(model, manager, 16, -1, 2)) {
            assertThrows(IllegalArgumentException.class,
                    () -> batch.add(List.of(seq(prompt(1, 10), 8, Sampling.GREEDY, 0, null))));
            AtomicInteger n = new AtomicInteger();
            batch.add(List.of(seq(prompt(1, 10), 7, Sampling.GREEDY, 0, new Capture(-1) {
                @Override
                public boolean onToken(int token) {
                    n.incrementAndGet();
                    return true;
                }
            })));
            while (batch.size() > 0) {
                batch.step();
            }
            assertEquals(7, n.get());
        }
    }

    @Test
    void aPassOfTwoPartsGivesTheLogitsOfEachPartAlone() {
        // Rows 0-1 decode their sixth slot while rows 2-3 prefill six-slot prompts (one left-padded):
        // in one pass (weights read once) and in two; the same cache contents before, the same logits.
        ParameterStore ps = new ParameterStore(manager, false);
        int[][] running = {prompt(21, 5), prompt(22, 5)};
        int[][] joining = {prompt(23, 6), {0, 9, 10, 11, 12}};
        float[][][] logits = new float[2][][];
        for (int merged = 0; merged < 2; merged++) {
            try (KvCache cache = KvCache.allocate(manager, model.config(), 4, 16, DataType.FLOAT32);
                 NDScope scope = new NDScope()) {
                Generator.logits(model, ps, List.of(Generator.part(model, manager, cache.view(0, 2, 0, 0), running,
                        new int[][]{{0, 1, 2, 3, 4}, {0, 1, 2, 3, 4}}, new int[2], DataType.FLOAT32)));
                CachedPart decode = Generator.part(model, manager, cache.view(0, 2, 0, 5),
                        new int[][]{{7}, {8}}, new int[][]{{5}, {5}}, new int[2], DataType.FLOAT32);
                CachedPart prefill = Generator.part(model, manager, cache.view(2, 4, 0, 0),
                        new int[][]{joining[0], {2, 0, 9, 10, 11, 12}}, new int[][]{{0, 1, 2, 3, 4, 5}, {0, 0, 1, 2, 3, 4}},
                        new int[]{0, 1}, DataType.FLOAT32);
                if (merged == 1) {
                    logits[merged] = Generator.logits(model, ps, List.of(decode, prefill));
                } else {
                    float[][] a = Generator.logits(model, ps, List.of(decode));
                    float[][] b = Generator.logits(model, ps, List.of(prefill));
                    logits[merged] = new float[][]{a[0], a[1], b[0], b[1]};
                }
            }
        }
        for (int r = 0; r < 4; r++) {
            assertArrayEquals(logits[0][r], logits[1][r], 1e-4f, "row " + r);
            assertEquals(Sampler.argmax(logits[0][r]), Sampler.argmax(logits[1][r]), "greedy token of row " + r);
        }
    }

    private static ContinuousBatch.Sequence seq(int[] prompt, int maxNew, Sampling s, long seed, ContinuousBatch.Listener l) {
        return new ContinuousBatch.Sequence(prompt, maxNew, s, seed, l);
    }
}
