package io.lmforge.model.generate;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each sampling transform on hand-made logits. */
class SamplerTest {

    @Test
    void temperatureZeroIsTheArgmax() {
        float[] logits = {0.1f, 2.5f, -1f, 2.4f};
        Sampler greedy = new Sampler(Sampling.GREEDY, 1);
        for (int i = 0; i < 20; i++) {
            assertEquals(1, greedy.next(logits, new int[0], 0));
        }
        assertEquals(0, Sampler.argmax(new float[]{3f, 3f, 1f}), "ties go to the lowest id");
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        double[] p = {0.1, 0.5, 0.15, 0.25};
        Sampler.topP(p, 0.7);                            // 0.5 + 0.25 = 0.75 ≥ 0.7; 0.5 alone is not
        assertArrayEquals(new double[]{0, 0.5 / 0.75, 0, 0.25 / 0.75}, p, 1e-12);
        double[] q = {0.1, 0.5, 0.15, 0.25};
        Sampler.topP(q, 0.75);                           // reached exactly: the same two
        assertArrayEquals(new double[]{0, 0.5 / 0.75, 0, 0.25 / 0.75}, q, 1e-12);
        double[] r = {0.1, 0.5, 0.15, 0.25};
        Sampler.topP(r, 0.3);                            // the most likely token alone reaches it
        assertArrayEquals(new double[]{0, 1, 0, 0}, r, 1e-12);
        double[] s = {0.1, 0.5, 0.15, 0.25};
        Sampler.topP(s, 0.76);
        assertArrayEquals(new double[]{0, 0.5 / 0.9, 0.15 / 0.9, 0.25 / 0.9}, s, 1e-12);
    }

    @Test
    void topKKeepsTheKMostLikely() {
        double[] p = {0.1, 0.4, 0.2, 0.3};
        Sampler.topK(p, 2);
        assertArrayEquals(new double[]{0, 0.4 / 0.7, 0, 0.3 / 0.7}, p, 1e-12);
        double[] q = {0.1, 0.4, 0.2, 0.3};
        Sampler.topK(q, 4);
        assertArrayEquals(new double[]{0.1, 0.4, 0.2, 0.3}, q, 1e-12);
        Sampler oneOfTwo = new Sampler(new Sampling(1.0, 2, 1.0, 1.0), 3);
        Set<Integer> drawn = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            drawn.add(oneOfTwo.next(new float[]{1f, 3f, 0f, 2.9f}, new int[0], 0));
        }
        assertEquals(Set.of(1, 3), drawn);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        float[] logits = {2f, -2f, 1f, -1f};
        Sampler.applyRepetitionPenalty(logits, new int[]{0, 1, 0, 9}, 3, 2.0);   // token 0 twice counts once
        assertArrayEquals(new float[]{1f, -4f, 1f, -1f}, logits);
        // It can change the greedy choice: 0 (2.0 → 1.6) loses to 2 (1.8).
        Sampler g = new Sampler(new Sampling(0, 0, 1, 1.25), 1);
        assertEquals(2, g.next(new float[]{2f, 0f, 1.8f}, new int[]{0}, 1));
    }

    @Test
    void temperatureSharpensAndFlattens() {
        float[] logits = {1f, 2f};
        double[] hot = Sampler.softmax(logits, 2.0);
        double[] cold = Sampler.softmax(logits, 0.5);
        assertEquals(1 / (1 + Math.exp(0.5)), hot[0], 1e-12);
        assertEquals(1 / (1 + Math.exp(2)), cold[0], 1e-12);
    }

    @Test
    void drawFollowsTheCumulativeMassAndASeedRepeats() {
        double[] p = {0.2, 0, 0.5, 0.3};
        assertEquals(0, Sampler.draw(p, 0.1));
        assertEquals(2, Sampler.draw(p, 0.2));
        assertEquals(3, Sampler.draw(p, 0.95));
        float[] logits = {0.3f, 0.1f, 0.5f, 0.2f, 0.4f};
        Sampling s = new Sampling(1.0, 0, 0.9, 1.0);
        Sampler a = new Sampler(s, 77);
        Sampler b = new Sampler(s, 77);
        int differences = 0;
        for (int i = 0; i < 50; i++) {
            int x = a.next(logits, new int[0], 0);
            assertEquals(x, b.next(logits, new int[0], 0));
            differences += x != 2 ? 1 : 0;
        }
        assertTrue(differences > 0, "sampling at temperature 1 draws more than the argmax");
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Sampling(-1, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampling(1, -1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 0, 1, 0));
    }
}
