package io.lmforge.dedup;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MinHashSketchTest {
    private static byte[] sketch(MinHashSketch s, Set<Long> set) {
        s.reset();
        for (long x : set) {
            s.add(x);
            s.add(x);   // repeats count once
        }
        return s.toBytes();
    }

    private static double jaccard(Set<Long> a, Set<Long> b) {
        Set<Long> both = new HashSet<>(a);
        both.retainAll(b);
        return (double) both.size() / (a.size() + b.size() - both.size());
    }

    /** Two sets of the given sizes sharing {@code common} elements. */
    private static Set<Long>[] pair(Random random, int onlyA, int onlyB, int common) {
        Set<Long> a = new HashSet<>();
        Set<Long> b = new HashSet<>();
        for (int i = 0; i < common; i++) {
            long x = Fingerprinter.fmix64(random.nextLong());
            a.add(x);
            b.add(x);
        }
        for (int i = 0; i < onlyA; i++) {
            a.add(Fingerprinter.fmix64(random.nextLong()));
        }
        for (int i = 0; i < onlyB; i++) {
            b.add(Fingerprinter.fmix64(random.nextLong()));
        }
        @SuppressWarnings("unchecked")
        Set<Long>[] out = new Set[]{a, b};
        return out;
    }

    /** The sketch is exactly the k smallest distinct high halves, whatever the order and the repeats. */
    @Test
    void theSketchIsTheKSmallestDistinctValues() {
        Random random = new Random(11);
        MinHashSketch s = new MinHashSketch(32);
        for (int n : new int[]{0, 1, 31, 32, 33, 64, 65, 96, 1000}) {
            java.util.List<Long> stream = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                long x = random.nextLong();
                stream.add(x);
                if (i % 3 == 0) {
                    stream.add(x ^ 0xFFFFL);   // the same high half: one value
                }
            }
            java.util.Collections.shuffle(stream, random);
            s.reset();
            stream.forEach(s::add);
            long[] expected = stream.stream().mapToLong(x -> x >>> 32).distinct().sorted().limit(32).toArray();
            byte[] bytes = s.toBytes();
            long[] got = new long[bytes.length / 4];
            for (int i = 0; i < got.length; i++) {
                got[i] = java.nio.ByteBuffer.wrap(bytes, 4 * i, 4).getInt() & 0xFFFFFFFFL;
            }
            assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(got), "n = " + n);
            org.junit.jupiter.api.Assertions.assertArrayEquals(bytes, s.toBytes(), "read twice, n = " + n);
        }
    }

    @Test
    void smallSetsAreComparedExactly() {
        MinHashSketch s = new MinHashSketch(128);
        Random random = new Random(1);
        for (int[] sizes : new int[][]{{3, 5, 40}, {0, 0, 60}, {30, 30, 0}, {10, 0, 50}, {1, 1, 1}}) {
            Set<Long>[] p = pair(random, sizes[0], sizes[1], sizes[2]);
            double estimate = MinHashSketch.jaccard(sketch(s, p[0]), sketch(s, p[1]), 128);
            assertEquals(jaccard(p[0], p[1]), estimate, 1e-12, java.util.Arrays.toString(sizes));
        }
        assertEquals(1.0, MinHashSketch.jaccard(new byte[0], new byte[0], 128));
    }

    @Test
    void largeSetsAreEstimatedWithinTheSamplingError() {
        MinHashSketch s = new MinHashSketch(128);
        Random random = new Random(2);
        double sumError = 0;
        int trials = 200;
        for (int t = 0; t < trials; t++) {
            int common = 200 + random.nextInt(3000);
            Set<Long>[] p = pair(random, random.nextInt(common / 2 + 1), random.nextInt(common / 2 + 1), common);
            double truth = jaccard(p[0], p[1]);
            byte[] a = sketch(s, p[0]);
            byte[] b = sketch(s, p[1]);
            assertEquals(512, a.length, "full sketches hold k values");
            double estimate = MinHashSketch.jaccard(a, b, 128);
            assertEquals(estimate, MinHashSketch.jaccard(b, a, 128), 1e-12, "symmetric");
            double sd = Math.sqrt(truth * (1 - truth) / 128);
            assertTrue(Math.abs(estimate - truth) <= 4.5 * sd + 1e-9, "truth " + truth + " estimate " + estimate);
            sumError += estimate - truth;
        }
        assertTrue(Math.abs(sumError / trials) < 0.01, "unbiased: mean error " + sumError / trials);
    }

    @Test
    void disjointAndIdenticalSets() {
        MinHashSketch s = new MinHashSketch(64);
        Set<Long>[] p = pair(new Random(3), 1000, 1000, 0);
        byte[] a = sketch(s, p[0]);
        assertEquals(0.0, MinHashSketch.jaccard(a, sketch(s, p[1]), 64));
        assertEquals(1.0, MinHashSketch.jaccard(a, sketch(s, p[0]), 64));
        assertEquals(0.0, MinHashSketch.jaccard(a, new byte[0], 64));
    }
}
