package io.lmforge.pack;

import io.lmforge.corpus.Columns;
import io.lmforge.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stratified validation split: every domain gives round(n * fraction) documents, the
 * smallest text hashes; copies of a text never straddle the split, within or across domains; and
 * the Spark computation (large corpora) picks exactly what the driver's does.
 */
class ValSplitTest {
    static final int[] SIZES = {0, 1, 4, 5, 19, 20, 21, 199, 1000, 20_000};

    static Map<String, long[]> domains(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, long[]> out = new LinkedHashMap<>();
        for (int size : SIZES) {
            out.put("d" + size, random.longs(size).toArray());
        }
        return out;
    }

    @Test
    void everyDomainGivesItsFractionOfDocumentsWithTheSmallestHashes() {
        for (double fraction : new double[]{0.005, 0.1, 0.25, 0.5}) {
            Map<String, long[]> domains = domains(Double.doubleToLongBits(fraction));
            ValSplit split = ValSplit.of(domains, fraction);
            for (Map.Entry<String, long[]> d : domains.entrySet()) {
                long[] hashes = d.getValue();
                long val = Arrays.stream(hashes).filter(split::isVal).count();
                assertEquals(Math.round(hashes.length * fraction), val, d.getKey() + " at " + fraction);
                long maxVal = Arrays.stream(hashes).filter(split::isVal).map(h -> h ^ Long.MIN_VALUE).max().orElse(Long.MIN_VALUE);
                long minTrain = Arrays.stream(hashes).filter(h -> !split.isVal(h)).map(h -> h ^ Long.MIN_VALUE).min().orElse(Long.MAX_VALUE);
                assertTrue(maxVal < minTrain, d.getKey() + ": validation takes the smallest hashes (unsigned)");
            }
        }
    }

    @Test
    void identicalTextsNeverStraddleTheSplit() {
        // Domain a: 10 documents, 3 of them one text at the boundary of its quota; b holds a copy of
        // a text that a chose, and c of one that a did not choose but c does.
        long[] a = {1, 2, 3, 4, 4, 4, 5, 6, 7, 8};
        long[] b = {2, 100, 101, 102, 103, 104, 105, 106, 107, 108};
        long[] c = {8, 200, 201, 202, 203, 204, 205, 206, 207, 208};
        Map<String, long[]> domains = Map.of("a", a, "b", b, "c", c);
        ValSplit split = ValSplit.of(domains, 0.4);   // quota 4 of 10 in each
        assertEquals(List.of(true, true, true, true, true, true, false, false, false, true),
                Arrays.stream(a).mapToObj(split::isVal).toList(), "all three copies of 4 go with the fourth smallest; 8 goes with c");
        assertTrue(split.isVal(2) && split.isVal(8));
        assertEquals(4, Arrays.stream(b).filter(split::isVal).count(), "b: its own 4 smallest (2, 100, 101, 102) and none more");
    }

    @Test
    void sparkPicksWhatTheDriverPicks() {
        Map<String, long[]> domains = domains(42);
        List<Row> rows = new ArrayList<>();
        domains.forEach((name, hashes) -> Arrays.stream(hashes).forEach(h -> rows.add(RowFactory.create(name, h))));
        StructType schema = new StructType(new StructField[]{
                DataTypes.createStructField(Columns.DOMAIN, DataTypes.StringType, false),
                DataTypes.createStructField(DocumentTokens.TEXT_HASH, DataTypes.LongType, false)});
        var tokens = SparkTestSession.get().createDataFrame(rows, schema).repartition(3);
        for (double fraction : new double[]{0.005, 0.3}) {
            ValSplit driver = ValSplit.of(domains, fraction);
            ValSplit spark = ValSplit.of(tokens, fraction);
            assertEquals(driver.size(), spark.size(), "at " + fraction);
            domains.values().forEach(hashes -> Arrays.stream(hashes).forEach(h -> assertEquals(driver.isVal(h), spark.isVal(h))));
            long labelled = spark.label(tokens).filter(org.apache.spark.sql.functions.col(DocumentTokens.SPLIT)
                    .equalTo(DocumentTokens.VAL)).count();
            assertEquals(driver.size(), labelled);
        }
    }
}
