package io.lmforge.dedup;

import io.lmforge.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CandidatePairsTest {
    static final StructType NODES = new StructType()
            .add("node", DataTypes.LongType, false).add("fp", DataTypes.LongType, false)
            .add("segments", DataTypes.createArrayType(DataTypes.LongType, false), true);

    @Test
    void findsExactlyThePairsWithinKThatBruteForceFinds() {
        Random random = new Random(5);
        List<long[]> nodes = new ArrayList<>();
        for (long n = 0; n < 600; n++) {
            long fp = random.nextLong();
            nodes.add(new long[]{n, fp});
            if (n % 3 == 0) {
                // A planted neighbour 0 to 5 bits away: pairs beyond k = 3 must not come back.
                long near = fp;
                for (int f = random.nextInt(6); f > 0; f--) {
                    near ^= 1L << random.nextInt(64);
                }
                nodes.add(new long[]{10_000 + n, near});
            }
        }
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (int j = i + 1; j < nodes.size(); j++) {
                int d = Long.bitCount(nodes.get(i)[1] ^ nodes.get(j)[1]);
                if (d <= 3) {
                    long a = Math.min(nodes.get(i)[0], nodes.get(j)[0]);
                    long b = Math.max(nodes.get(i)[0], nodes.get(j)[0]);
                    expected.add(a + "-" + b);
                }
            }
        }
        assertTrue(expected.size() > 100, "planted pairs within k: " + expected.size());
        assertEquals(expected, pairs(nodes, layout(256, 64), counters()));
    }

    @Test
    void documentsThatShareASegmentAreCandidatesAndBoilerplateIsBounded() {
        Random random = new Random(9);
        List<long[]> nodes = new ArrayList<>();
        List<long[]> segments = new ArrayList<>();
        long footer = random.nextLong();
        for (long n = 0; n < 400; n++) {
            nodes.add(new long[]{n, random.nextLong()});
            // Every page carries the footer; pages 2i and 2i+1 also share a segment of their own.
            segments.add(new long[]{footer, 0x5eed0000L + n / 2, random.nextLong()});
        }
        CandidatePairs.Counters c = counters();
        Set<String> pairs = pairs(nodes, segments, layout(256, 8), c);
        for (long n = 0; n < 400; n += 2) {
            assertTrue(pairs.contains(n + "-" + (n + 1)), "pages " + n + " and " + (n + 1) + " share a segment");
        }
        // The footer pairs only its first 8 pages (smallest nodes): 28 pairs, not 400 * 399 / 2.
        long footerPairs = pairs.stream().filter(p -> {
            String[] ab = p.split("-");
            return Long.parseLong(ab[1]) != Long.parseLong(ab[0]) + 1 || Long.parseLong(ab[0]) % 2 == 1;
        }).count();
        assertTrue(footerPairs <= 28, "footer pairs " + footerPairs);
        assertTrue(pairs.contains("0-7"));
        assertEquals(400 - 8, c.boilerplateSkipped().value());
    }

    @Test
    void aGiantBucketCostsAtMostTheWindowPerFingerprint() {
        // 3,000 boilerplate pages, all one bit apart from a common fingerprint: one giant bucket per table.
        long base = 0x0123456789abcdefL;
        List<long[]> nodes = new ArrayList<>();
        for (long n = 0; n < 3000; n++) {
            nodes.add(new long[]{n, base ^ (1L << (n % 64))});
        }
        CandidatePairs.Counters c = counters();
        Set<String> pairs = pairs(nodes, layout(16, 64), c);
        PermutationTables t = new PermutationTables(3, 6);
        assertTrue(c.comparisons().value() <= (long) t.tables() * nodes.size() * 16, "" + c.comparisons().value());
        assertTrue(c.giantBuckets().value() >= 1);
        // Bounded, yet every page has a neighbour found: clustering will join them all.
        Set<Long> seen = new HashSet<>();
        for (String p : pairs) {
            String[] ab = p.split("-");
            seen.add(Long.parseLong(ab[0]));
            seen.add(Long.parseLong(ab[1]));
        }
        assertEquals(nodes.size(), seen.size());
        assertTrue(pairs.size() <= c.comparisons().value(), "pairs " + pairs.size());
        assertTrue(pairs.size() < nodes.size() * (nodes.size() - 1L) / 2 / 50, "pairs " + pairs.size());
    }

    private static CandidatePairs.Layout layout(int window, int boilerplate) {
        return new CandidatePairs.Layout(new PermutationTables(3, 6), new PermutationTables(0, 3), window, boilerplate);
    }

    private static CandidatePairs.Counters counters() {
        return CandidatePairs.Counters.create(SparkTestSession.get().sparkContext());
    }

    private static Set<String> pairs(List<long[]> nodes, CandidatePairs.Layout layout, CandidatePairs.Counters counters) {
        return pairs(nodes, null, layout, counters);
    }

    private static Set<String> pairs(List<long[]> nodes, List<long[]> segments, CandidatePairs.Layout layout,
                                     CandidatePairs.Counters counters) {
        SparkSession spark = SparkTestSession.get();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            long[] n = nodes.get(i);
            List<Long> segs = segments == null ? null
                    : java.util.Arrays.stream(segments.get(i)).boxed().toList();
            rows.add(RowFactory.create(n[0], n[1], segs));
        }
        Dataset<Row> df = spark.createDataFrame(rows, NODES);
        Set<String> out = new HashSet<>();
        for (Row r : CandidatePairs.find(df, layout, counters, 3).collectAsList()) {
            assertTrue(out.add(r.getLong(0) + "-" + r.getLong(1)), "pair twice: " + r);
        }
        // Without the distinct shuffle: the same pairs, repeats allowed, still a < b.
        Set<String> repeated = new HashSet<>();
        for (Row r : CandidatePairs.find(df, layout, counters(), 3, false).collectAsList()) {
            assertTrue(r.getLong(0) < r.getLong(1), "a < b: " + r);
            repeated.add(r.getLong(0) + "-" + r.getLong(1));
        }
        assertEquals(out, repeated);
        return out;
    }
}
