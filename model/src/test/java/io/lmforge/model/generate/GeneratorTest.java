package io.lmforge.model.generate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.nn.DeepSeekModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Incremental decoding against recomputing the whole sequence, batches against single prompts. */
class GeneratorTest {
    private static NDManager manager;
    private static Generator tiny;
    private static Generator mini;

    @BeforeAll
    static void models() {
        manager = NDManager.newBaseManager();
        // The tiny preset with a small vocabulary (the trunk and MoE layers are the preset's).
        tiny = new Generator(new DeepSeekModel(ModelConfig.preset("tiny").withVocabSize(300))
                .initialize(manager, DataType.FLOAT32, 11), manager);
        // Larger init: peaked logits, routing far from ties, an untied head, normalised gates.
        ModelConfig m = new ModelConfig("mini", 97, 32, 3, 4, 40, 64, 10_000, 1e-5, 0.2, false,
                new ModelConfig.Moe(8, 2, 1, 12, 1, 0.01, true));
        mini = new Generator(new DeepSeekModel(m).initialize(manager, DataType.FLOAT32, 5), manager);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** Greedy by recomputing the whole sequence at every step. */
    private static int[] greedyWithoutCache(Generator g, int[] prompt, int newTokens) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + newTokens);
        for (int i = 0; i < newTokens; i++) {
            seq[prompt.length + i] = Sampler.argmax(g.logitsWithoutCache(Arrays.copyOf(seq, prompt.length + i)));
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    private static int[] prompt(long seed, int length, int vocab) {
        Random r = new Random(seed);
        int[] p = new int[length];
        for (int i = 0; i < length; i++) {
            p[i] = i == 0 ? 0 : 4 + r.nextInt(vocab - 4);
        }
        return p;
    }

    @Test
    void greedyWithCacheEqualsRecomputingTheSequence() {
        for (Generator g : List.of(tiny, mini)) {
            int vocab = g == tiny ? 300 : 97;
            for (int length : new int[]{1, 7, 19}) {
                int[] p = prompt(length, length, vocab);
                int[] expected = greedyWithoutCache(g, p, 12);
                Generator.Result r = g.generate(new int[][]{p}, 12, Sampling.GREEDY, 1, -1, 2, null);
                assertArrayEquals(expected, r.outputs()[0].tokens(), "prompt length " + length);
                assertEquals(Generator.Finish.LENGTH, r.outputs()[0].finish());
            }
        }
    }

    @Test
    void aBatchOfPromptsOfDifferentLengthsEqualsOneAtATime() {
        for (Generator g : List.of(tiny, mini)) {
            int vocab = g == tiny ? 300 : 97;
            int[][] prompts = {prompt(1, 3, vocab), prompt(2, 17, vocab), prompt(3, 1, vocab), prompt(4, 9, vocab)};
            Generator.Result batch = g.generate(prompts, 10, Sampling.GREEDY, 1, -1, 2, null);
            for (int i = 0; i < prompts.length; i++) {
                Generator.Result alone = g.generate(new int[][]{prompts[i]}, 10, Sampling.GREEDY, 1, -1, 2, null);
                assertArrayEquals(alone.outputs()[0].tokens(), batch.outputs()[i].tokens(), "prompt " + i);
            }
            // Sampling too: sequence i draws from seed + i, so the batch equals each prompt with its own seed.
            Sampling s = new Sampling(0.9, 20, 0.95, 1.1);
            Generator.Result sampled = g.generate(prompts, 10, s, 40, -1, 2, null);
            for (int i = 0; i < prompts.length; i++) {
                Generator.Result alone = g.generate(new int[][]{prompts[i]}, 10, s, 40 + i, -1, 2, null);
                assertArrayEquals(alone.outputs()[0].tokens(), sampled.outputs()[i].tokens(), "sampled prompt " + i);
            }
        }
    }

    @Test
    void aSeedMakesSamplingReproducible() {
        Sampling s = new Sampling(1.0, 0, 1.0, 1.0);
        int[][] p = {prompt(9, 5, 97)};
        int[] a = mini.generate(p, 20, s, 123, -1, 2, null).outputs()[0].tokens();
        int[] b = mini.generate(p, 20, s, 123, -1, 2, null).outputs()[0].tokens();
        int[] c = mini.generate(p, 20, s, 124, -1, 2, null).outputs()[0].tokens();
        assertArrayEquals(a, b);
        assertNotEquals(Arrays.toString(a), Arrays.toString(c));
    }

    @Test
    void eosAndTheListenerEndASequence() {
        int[] p = prompt(5, 6, 97);
        int[] free = mini.generate(new int[][]{p}, 8, Sampling.GREEDY, 1, -1, 2, null).outputs()[0].tokens();
        // eos = the third greedy token: the output stops before it.
        Generator.Result r = mini.generate(new int[][]{p}, 8, Sampling.GREEDY, 1, free[2], 2, null);
        int cut = 0;
        while (free[cut] != free[2]) {
            cut++;
        }
        assertArrayEquals(Arrays.copyOf(free, cut), r.outputs()[0].tokens());
        assertEquals(Generator.Finish.EOS, r.outputs()[0].finish());
        List<Integer> seen = new ArrayList<>();
        Generator.Result stopped = mini.generate(new int[][]{p}, 8, Sampling.GREEDY, 1, -1, 2,
                (seq, token) -> seen.add(token) && seen.size() < 4);
        assertEquals(4, stopped.outputs()[0].tokens().length);
        assertEquals(Generator.Finish.STOP, stopped.outputs()[0].finish());
    }
}
