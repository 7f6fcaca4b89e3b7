package io.lmforge.dedup;

import io.lmforge.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Candidate pairs are kept by their estimated Jaccard similarity, the same way broadcast or joined. */
class JaccardFilterTest {
    @Test
    void keepsThePairsWhoseSketchesAgreeWhetherBroadcastOrJoined() {
        SparkSession spark = SparkTestSession.get();
        String[] texts = {
                Texts.KERNEL,
                Texts.KERNEL.replace("memory region", "memory area"),   // a near copy of 0
                Texts.CAKE,
                Texts.CAKE + " " + Texts.TRAIN,                          // half new text: not a duplicate of 2
                Texts.GARDEN,
        };
        Fingerprinter fp = DedupSettings.defaults().fingerprinter();
        List<Row> sketches = new ArrayList<>();
        byte[][] bytes = new byte[texts.length][];
        for (int i = 0; i < texts.length; i++) {
            fp.fingerprint(texts[i]);
            bytes[i] = fp.sketch();
            sketches.add(RowFactory.create((long) i, bytes[i]));
        }
        List<Row> pairs = new ArrayList<>();
        Set<String> expected = new TreeSet<>();
        for (int a = 0; a < texts.length; a++) {
            for (int b = a + 1; b < texts.length; b++) {
                pairs.add(RowFactory.create((long) a, (long) b));
                if (MinHashSketch.jaccard(bytes[a], bytes[b], 128) >= 0.7) {
                    expected.add(a + "-" + b);
                }
            }
        }
        pairs.add(RowFactory.create(0L, 99L));   // a node without a sketch never passes
        assertEquals(Set.of("0-1"), expected);

        var sketchRows = spark.createDataFrame(sketches, new StructType()
                .add("node", DataTypes.LongType, false).add("sketch", DataTypes.BinaryType, false));
        var pairRows = spark.createDataFrame(pairs, CandidatePairs.PAIRS);
        JaccardFilter filter = new JaccardFilter(0.7, 128);
        for (boolean small : new boolean[]{true, false}) {
            Set<String> got = new TreeSet<>();
            for (Row r : filter.apply(pairRows, sketchRows, small).collectAsList()) {
                got.add(r.getLong(0) + "-" + r.getLong(1));
            }
            assertEquals(expected, got, small ? "broadcast" : "joined");
        }
        assertEquals(pairs.size(), new JaccardFilter(0, 128).apply(pairRows, sketchRows, true).count(),
                "min-jaccard 0 keeps every candidate");
    }
}
