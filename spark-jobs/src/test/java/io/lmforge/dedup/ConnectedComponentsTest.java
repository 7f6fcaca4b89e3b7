package io.lmforge.dedup;

import io.lmforge.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectedComponentsTest {
    @TempDir
    Path dir;

    static final StructType EDGES = new StructType()
            .add("a", DataTypes.LongType, false).add("b", DataTypes.LongType, false);

    @Test
    void matchesUnionFindOnChainsStarsAndRandomGraphs() {
        List<long[]> edges = new ArrayList<>();
        // A long chain (what a giant bucket's sliding window produces), shuffled ids.
        Random random = new Random(11);
        List<Long> chain = new ArrayList<>();
        for (long i = 0; i < 120; i++) {
            chain.add(10_000 + i * 7919 % 120);
        }
        java.util.Collections.shuffle(chain, random);
        for (int i = 1; i < chain.size(); i++) {
            edges.add(new long[]{chain.get(i - 1), chain.get(i)});
        }
        // A star, negative ids (earlier runs' documents), self loops and repeated edges.
        for (long i = 1; i <= 50; i++) {
            edges.add(new long[]{-1, -1 - i});
            edges.add(new long[]{-1 - i, -1});
        }
        edges.add(new long[]{5, 5});
        // Sparse random graph: many small components.
        for (int i = 0; i < 300; i++) {
            edges.add(new long[]{20_000 + random.nextInt(600), 20_000 + random.nextInt(600)});
        }

        Map<Long, Long> expected = unionFind(edges);
        ConnectedComponents rounds = new ConnectedComponents(0);
        assertEquals(expected, run(edges, rounds), "large-star / small-star rounds");
        assertTrue(rounds.rounds() >= 2, "rounds " + rounds.rounds());
        ConnectedComponents oneTask = new ConnectedComponents();
        assertEquals(expected, run(edges, oneTask), "union-find in one task");
        assertEquals(0, oneTask.rounds());
    }

    @Test
    void noEdgesNoComponents() {
        assertTrue(run(List.of(), new ConnectedComponents(0)).isEmpty());
        assertTrue(run(List.of(), new ConnectedComponents()).isEmpty());
    }

    private Map<Long, Long> run(List<long[]> edges, ConnectedComponents cc) {
        SparkSession spark = SparkTestSession.get();
        List<Row> rows = new ArrayList<>();
        for (long[] e : edges) {
            rows.add(RowFactory.create(e[0], e[1]));
        }
        Dataset<Row> df = spark.createDataFrame(rows, EDGES);
        Dataset<Row> components = cc.run(df, 2, (d, name) -> {
            String path = dir.resolve(name).toString();
            d.write().mode("overwrite").parquet(path);
            return spark.read().schema(d.schema()).parquet(path);
        }, new DedupStage.Timer());
        Map<Long, Long> out = new HashMap<>();
        for (Row r : components.collectAsList()) {
            Long before = out.put(r.getLong(0), r.getLong(1));
            assertEquals(null, before, "node " + r.getLong(0) + " listed twice");
        }
        cc.release();
        return out;
    }

    /** node -> smallest node of its component, for nodes with an edge to another node. */
    private static Map<Long, Long> unionFind(List<long[]> edges) {
        Map<Long, Long> parent = new HashMap<>();
        for (long[] e : edges) {
            if (e[0] == e[1]) {
                continue;
            }
            long a = find(parent, e[0]);
            long b = find(parent, e[1]);
            parent.put(Math.max(a, b), Math.min(a, b));
        }
        Map<Long, Long> out = new HashMap<>();
        for (Long node : new ArrayList<>(parent.keySet())) {
            out.put(node, find(parent, node));
        }
        return out;
    }

    private static long find(Map<Long, Long> parent, long x) {
        parent.putIfAbsent(x, x);
        long root = x;
        while (parent.get(root) != root) {
            root = parent.get(root);
        }
        return root;
    }
}
