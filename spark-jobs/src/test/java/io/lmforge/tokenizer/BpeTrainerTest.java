package io.lmforge.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The incremental trainer against a worked example and against a naive reference that recounts
 * every pair after every merge, on random corpora full of repeated symbols (the overlapping
 * cases "aaa" and "abab" are where incremental bookkeeping goes wrong).
 */
class BpeTrainerTest {

    @Test
    void workedExample() {
        // (a,b) is seen 5+3 = 8 times, (b,c) 3+1 = 4: ab first; then (ab,c) 3 beats (b,c) 1.
        BpeTrainer.Result r = new BpeTrainer(10, 2).train(new String[]{"ab", "abc", "bc"}, new long[]{5, 3, 1});
        assertEquals(List.of("a b", "ab c"), mergeStrings(r));
        assertEquals("abc", r.tokens().get(257));
        assertEquals(258, r.tokens().size(), "(b,c) is seen once, under min frequency 2");
    }

    @Test
    void stopsAtMaxMergesAndWhenNoPairIsLeft() {
        assertEquals(1, new BpeTrainer(1, 1).train(new String[]{"abc"}, new long[]{9}).merges().size());
        assertEquals(2, new BpeTrainer(100, 1).train(new String[]{"abc"}, new long[]{9}).merges().size());
    }

    @Test
    void matchesNaiveRecountingOnRandomCorpora() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(30);
            String[] words = new String[n];
            long[] counts = new long[n];
            String alphabet = "abcd".substring(0, 1 + random.nextInt(4));
            for (int i = 0; i < n; i++) {
                StringBuilder w = new StringBuilder();
                int len = 1 + random.nextInt(12);
                for (int j = 0; j < len; j++) {
                    w.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                words[i] = w.toString();
                counts[i] = 1 + random.nextInt(5);
            }
            int maxMerges = random.nextInt(40);
            long minFrequency = 1 + random.nextInt(3);
            List<String> expected = naive(words, counts, maxMerges, minFrequency);
            assertEquals(expected, mergeStrings(new BpeTrainer(maxMerges, minFrequency).train(words, counts)),
                    "trial " + trial + ": " + Arrays.toString(words) + " " + Arrays.toString(counts));
        }
    }

    /** Merges as "left right" token strings. */
    static List<String> mergeStrings(BpeTrainer.Result r) {
        List<String> out = new ArrayList<>();
        for (int[] m : r.merges()) {
            out.add(r.tokens().get(m[0]) + " " + r.tokens().get(m[1]));
        }
        return out;
    }

    /** Textbook BPE: recount all pairs, merge the most frequent (ties: smaller ids), repeat. */
    static List<String> naive(String[] words, long[] counts, int maxMerges, long minFrequency) {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.charOf(b)));
        }
        List<List<Integer>> sym = new ArrayList<>();
        for (String w : words) {
            List<Integer> s = new ArrayList<>();
            for (char c : w.toCharArray()) {
                s.add(ByteLevel.byteOf(c));
            }
            sym.add(s);
        }
        List<String> merges = new ArrayList<>();
        while (merges.size() < maxMerges) {
            java.util.Map<List<Integer>, Long> pairCounts = new java.util.HashMap<>();
            for (int w = 0; w < sym.size(); w++) {
                List<Integer> s = sym.get(w);
                for (int i = 0; i + 1 < s.size(); i++) {
                    pairCounts.merge(List.of(s.get(i), s.get(i + 1)), counts[w], Long::sum);
                }
            }
            List<Integer> best = null;
            long bestCount = 0;
            for (var e : pairCounts.entrySet()) {
                List<Integer> p = e.getKey();
                long c = e.getValue();
                if (best == null || c > bestCount || (c == bestCount && (p.get(0) < best.get(0)
                        || (p.get(0).equals(best.get(0)) && p.get(1) < best.get(1))))) {
                    best = p;
                    bestCount = c;
                }
            }
            if (best == null || bestCount < minFrequency) {
                break;
            }
            int merged = tokens.size();
            tokens.add(tokens.get(best.get(0)) + tokens.get(best.get(1)));
            merges.add(tokens.get(best.get(0)) + " " + tokens.get(best.get(1)));
            for (List<Integer> s : sym) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i).equals(best.get(0)) && s.get(i + 1).equals(best.get(1))) {
                        s.set(i, merged);
                        s.remove(i + 1);
                    }
                }
            }
        }
        assertTrue(merges.size() <= maxMerges);
        return merges;
    }
}
