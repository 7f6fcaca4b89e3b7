package io.lmforge.dedup;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PermutationTablesTest {

    @Test
    void defaultLayoutIsTwentyTablesOf31To33Bits() {
        PermutationTables t = new PermutationTables(3, 6);
        assertEquals(20, t.tables());
        int[] count = new int[65];
        for (int i = 0; i < t.tables(); i++) {
            count[t.keyBits(i)]++;
        }
        assertEquals(4, count[33]);
        assertEquals(12, count[32]);
        assertEquals(4, count[31]);
        assertEquals("20 tables of 31-33 key bits (6 blocks, k = 3)", t.describe());
    }

    @Test
    void expectedCandidatesFollowTheFormula() {
        PermutationTables t = new PermutationTables(3, 6);
        // (n - 1) * (4 * 2^-33 + 12 * 2^-32 + 4 * 2^-31) = (n - 1) * 44 / 2^33
        assertEquals((1e6 - 1) * 44 / Math.pow(2, 33), t.expectedCandidatesPerDocument(1e6), 1e-12);
        assertEquals(5.12e-3, t.expectedCandidatesPerDocument(1e6), 1e-5);
        assertEquals(5.12, t.expectedCandidatesPerDocument(1e9), 1e-2);
        // The layout the issue warns about: four 16-bit blocks, one table per block.
        assertEquals(61_035, new PermutationTables(3, 4).expectedCandidatesPerDocument(1e9), 1);
    }

    @Test
    void everyPairWithinKSharesABucket() {
        Random random = new Random(1);
        for (int[] layout : new int[][]{{3, 6}, {3, 4}, {0, 1}, {1, 4}, {2, 5}, {4, 7}}) {
            PermutationTables t = new PermutationTables(layout[0], layout[1]);
            for (int trial = 0; trial < 5000; trial++) {
                long a = random.nextLong();
                long b = a;
                int d = random.nextInt(t.k() + 1);
                while (Long.bitCount(a ^ b) < d) {
                    // Half the trials put the differing bits at block edges, the hardest places.
                    int bit = trial % 2 == 0 ? random.nextInt(64) : (random.nextInt(t.blocks()) * 64 / t.blocks());
                    b ^= 1L << bit;
                }
                assertTrue(shareBucket(t, a, b), "k=" + t.k() + " a=" + Long.toHexString(a) + " b=" + Long.toHexString(b));
            }
        }
    }

    @Test
    void permutationKeepsHammingDistance() {
        PermutationTables t = new PermutationTables(3, 6);
        Random random = new Random(2);
        for (int trial = 0; trial < 1000; trial++) {
            long a = random.nextLong();
            long b = random.nextLong();
            int table = random.nextInt(t.tables());
            assertEquals(Long.bitCount(a ^ b), Long.bitCount(t.permute(a, table) ^ t.permute(b, table)));
        }
    }

    @Test
    void farPairsRarelyShareABucket() {
        PermutationTables t = new PermutationTables(3, 6);
        Random random = new Random(3);
        int shared = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            if (shareBucket(t, random.nextLong(), random.nextLong())) {
                shared++;
            }
        }
        assertEquals(0, shared);
    }

    @Test
    void layoutsThatCannotGuaranteeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PermutationTables(3, 3));
        assertThrows(IllegalArgumentException.class, () -> new PermutationTables(3, 65));
    }

    private static boolean shareBucket(PermutationTables t, long a, long b) {
        for (int i = 0; i < t.tables(); i++) {
            if (t.key(t.permute(a, i), i) == t.key(t.permute(b, i), i)) {
                return true;
            }
        }
        return false;
    }
}
