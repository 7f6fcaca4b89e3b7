package io.lmforge.mix;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every run of batch-size consecutive sequences carries the mixture, for random mixtures. */
class BatchScheduleTest {

    @Test
    void everyWindowOfBlockSizeIsWithinOnePerDomain() {
        Random random = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            int k = 1 + random.nextInt(6);
            int blockSize = 1 + random.nextInt(40);
            long blocks = 1 + random.nextInt(60);
            double[] share = randomShares(random, k);
            long[] counts = MixPlanner.apportion(blockSize * blocks, share);
            check(new BatchSchedule(blockSize, blocks, counts), counts, blocks, "trial " + trial);
        }
    }

    @Test
    void theSourceDocumentsMixtureAtBatch32() {
        // web 0.50, academic 0.20, code 0.15, wiki 0.15 at 32 per batch: 16, 6.4, 4.8, 4.8.
        long blocks = 1000;
        long[] counts = MixPlanner.apportion(32 * blocks, new double[]{0.50, 0.20, 0.15, 0.15});
        BatchSchedule s = new BatchSchedule(32, blocks, counts);
        check(s, counts, blocks, "source mixture");
        double[] target = {16, 6.4, 4.8, 4.8};
        int[] window = new int[4];
        for (long p = 0; p < s.size(); p++) {
            window[s.domainAt(p)]++;
            if (p >= 32) {
                window[s.domainAt(p - 32)]--;
            }
            if (p >= 31) {
                for (int d = 0; d < 4; d++) {
                    assertTrue(Math.abs(window[d] - target[d]) < 1, "window ending at " + p + " domain " + d + ": " + window[d]);
                }
            }
        }
    }

    @Test
    void positionsAreFoundAcrossCheckpoints() {
        long[] counts = {7 * 500 + 3, 5 * 500 - 3};
        BatchSchedule s = new BatchSchedule(12, 500, counts);
        check(s, counts, 500, "two domains, 500 blocks");
    }

    @Test
    void aCursorAskedInOrderOrNotGivesThePositionsOfSingleLookups() {
        long[] counts = {7 * 300 + 5, 3 * 300 - 5, 2 * 300};
        BatchSchedule s = new BatchSchedule(12, 300, counts);
        for (int d = 0; d < counts.length; d++) {
            BatchSchedule.Cursor inOrder = s.cursor(d);
            for (long j = 0; j < counts[d]; j++) {
                assertEquals(s.position(d, j), inOrder.position(j), "domain " + d + " seq " + j + " in order");
            }
            // Back to earlier sequences (a new seek), the same one twice, and on again.
            Random random = new Random(d);
            for (int q = 0; q < 300; q++) {
                long j = random.nextLong(counts[d]);
                assertEquals(s.position(d, j), inOrder.position(j), "domain " + d + " seq " + j + " at random");
                assertEquals(s.position(d, j), inOrder.position(j), "domain " + d + " seq " + j + " again");
            }
        }
        assertThrows(IndexOutOfBoundsException.class, () -> s.cursor(0).position(counts[0]));
    }

    static void check(BatchSchedule s, long[] counts, long blocks, String what) {
        int k = counts.length;
        int n = (int) s.size();
        int[] domainOf = new int[n];
        java.util.Arrays.fill(domainOf, -1);
        for (int d = 0; d < k; d++) {
            long last = -1;
            for (long j = 0; j < counts[d]; j++) {
                long p = s.position(d, j);
                assertTrue(p > last && p < n, what + ": domain " + d + " seq " + j + " at " + p);
                assertEquals(-1, domainOf[(int) p], what + ": position " + p + " given twice");
                domainOf[(int) p] = d;
                last = p;
            }
        }
        int b = s.blockSize();
        int[] window = new int[k];
        for (int p = 0; p < n; p++) {
            assertEquals(domainOf[p], s.domainAt(p), what + ": domainAt " + p);
            window[domainOf[p]]++;
            if (p >= b) {
                window[domainOf[p - b]]--;
            }
            if (p >= b - 1) {
                for (int d = 0; d < k; d++) {
                    long lo = counts[d] / blocks;
                    long hi = (counts[d] + blocks - 1) / blocks;
                    assertTrue(window[d] >= lo && window[d] <= hi, what + ": window ending at " + p
                            + " has " + window[d] + " of domain " + d + ", bounds [" + lo + ", " + hi + "]");
                }
            }
        }
    }

    static double[] randomShares(Random random, int k) {
        double[] share = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            share[i] = random.nextInt(4) == 0 ? 0 : random.nextDouble();
            sum += share[i];
        }
        if (sum == 0) {
            share[0] = sum = 1;
        }
        for (int i = 0; i < k; i++) {
            share[i] /= sum;
        }
        return share;
    }
}
