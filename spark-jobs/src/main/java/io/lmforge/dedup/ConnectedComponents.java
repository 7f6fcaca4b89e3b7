package io.lmforge.dedup;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiFunction;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.min;

/**
 * Connected components of an undirected graph, computed in Spark with the alternating
 * large-star / small-star rounds of Kiveris et al. ("Connected Components in MapReduce and
 * Beyond", SoCC 2014): O(log^2 n) rounds, each a couple of shuffles of the edge list, and
 * nothing collected on the driver but a convergence count.
 *
 * <p>Edges are kept as {@code (hi, lo)} with {@code hi > lo}. Large-star links every node's
 * larger neighbours to its smallest neighbour (or itself); small-star links a node and its
 * smaller neighbours to the smallest of them. The graph converges to one star per component,
 * centred on the component's smallest node. Each round's edges are written to {@code work} and
 * read back, which cuts the lineage (otherwise every round would re-plan all earlier ones).
 *
 * <p>A graph of at most {@code oneTaskEdges} edges (2^21 by default, 32 MiB of edges: every
 * near-duplicate graph of a corpus up to some millions of documents) is solved by union-find
 * in one Spark task instead: one stage instead of a few shuffles per round. Still an executor's
 * work, never the driver's; larger graphs take the rounds.
 */
final class ConnectedComponents {
    static final String NODE = "node";
    static final String COMPONENT = "component";
    private static final String HI = "hi";
    private static final String LO = "lo";
    /** A safety net: the algorithm needs O(log^2 n) rounds, a few dozen at 10^12 nodes. */
    static final int MAX_ROUNDS = 200;

    static final StructType COMPONENTS = new StructType()
            .add(NODE, DataTypes.LongType, false).add(COMPONENT, DataTypes.LongType, false);
    static final long ONE_TASK_EDGES = 1L << 21;

    private final long oneTaskEdges;
    /** Rounds the last call needed (for the manifest); 0 when solved in one task. */
    private int rounds;
    private long edges;
    private Dataset<Row> persisted;

    ConnectedComponents() {
        this(ONE_TASK_EDGES);
    }

    ConnectedComponents(long oneTaskEdges) {
        this.oneTaskEdges = oneTaskEdges;
    }

    int rounds() {
        return rounds;
    }

    /** Distinct edges of the last call. */
    long edges() {
        return edges;
    }

    /** Releases what the last call cached. */
    void release() {
        if (persisted != null) {
            persisted.unpersist();
            persisted = null;
        }
    }

    /**
     * {@code edges}: columns {@code a, b} (bigint). Returns {@code node, component} for every
     * node that has an edge, {@code component} being the smallest node of its component.
     * {@code checkpoint} materializes a dataset under a name and returns it read back.
     */
    Dataset<Row> run(Dataset<Row> edges, int partitions, BiFunction<Dataset<Row>, String, Dataset<Row>> checkpoint,
                     DedupStage.Timer timer) {
        Dataset<Row> e = edges.filter(col("a").notEqual(col("b")))
                .select(greatest(col("a"), col("b")).as(HI), least(col("a"), col("b")).as(LO))
                .repartition(partitions, col(HI), col(LO))
                .distinct()
                .persist(StorageLevel.MEMORY_AND_DISK());
        release();
        persisted = e;
        // An RDD count: one stage after the shuffle, where a Dataset count adds a second.
        this.edges = e.javaRDD().count();
        timer.lap("candidates");
        rounds = 0;
        if (this.edges <= oneTaskEdges) {
            return e.coalesce(1).mapPartitions(new UnionFind(), Encoders.row(COMPONENTS));
        }
        e = checkpoint.apply(e, "cc-0");
        while (!isStarForest(e)) {
            if (++rounds > MAX_ROUNDS) {
                throw new IllegalStateException("connected components did not converge in " + MAX_ROUNDS + " rounds");
            }
            e = checkpoint.apply(smallStar(largeStar(e)), "cc-" + rounds);
        }
        Dataset<Row> leaves = e.select(col(HI).as(NODE), col(LO).as(COMPONENT));
        Dataset<Row> centres = e.select(col(LO).as(NODE), col(LO).as(COMPONENT)).distinct();
        return leaves.unionByName(centres);
    }

    /**
     * Union-find over the edges of one partition: every node that has an edge, with the smallest
     * node of its component. Nodes are numbered by sorting, so memory is a few arrays of the
     * edge count, not an object per node.
     */
    static final class UnionFind implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            long[] hi = new long[1024];
            long[] lo = new long[1024];
            int n = 0;
            while (rows.hasNext()) {
                Row r = rows.next();
                if (n == hi.length) {
                    hi = Arrays.copyOf(hi, 2 * n);
                    lo = Arrays.copyOf(lo, 2 * n);
                }
                hi[n] = r.getLong(0);
                lo[n] = r.getLong(1);
                n++;
            }
            long[] ids = new long[2 * n];
            System.arraycopy(hi, 0, ids, 0, n);
            System.arraycopy(lo, 0, ids, n, n);
            Arrays.sort(ids);
            int distinct = 0;
            for (int i = 0; i < ids.length; i++) {
                if (i == 0 || ids[i] != ids[i - 1]) {
                    ids[distinct++] = ids[i];
                }
            }
            // Sorted ids: the smaller index is the smaller node, so the root kept is the smallest.
            int[] parent = new int[distinct];
            for (int i = 0; i < distinct; i++) {
                parent[i] = i;
            }
            for (int i = 0; i < n; i++) {
                int a = root(parent, Arrays.binarySearch(ids, 0, distinct, hi[i]));
                int b = root(parent, Arrays.binarySearch(ids, 0, distinct, lo[i]));
                if (a != b) {
                    parent[Math.max(a, b)] = Math.min(a, b);
                }
            }
            List<Row> out = new ArrayList<>(distinct);
            for (int i = 0; i < distinct; i++) {
                out.add(RowFactory.create(ids[i], ids[root(parent, i)]));
            }
            return out.iterator();
        }

        private static int root(int[] parent, int x) {
            while (parent[x] != x) {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            return x;
        }
    }

    /** For every edge (hi, u): (hi, m(u)), where m(u) is the smallest of u and its smaller neighbours. */
    static Dataset<Row> largeStar(Dataset<Row> e) {
        Dataset<Row> smallest = e.groupBy(col(HI).as("u")).agg(min(col(LO)).as("m"));
        return e.join(smallest, e.col(LO).equalTo(smallest.col("u")), "left")
                .select(col(HI), least(col(LO), coalesce(col("m"), col(LO))).as(LO))
                .distinct();
    }

    /** For every node u with smaller neighbours N: each of N (but the smallest, m) and u linked to m. */
    static Dataset<Row> smallStar(Dataset<Row> e) {
        Dataset<Row> smallest = e.groupBy(col(HI).as("u")).agg(min(col(LO)).as("m"));
        Dataset<Row> withM = e.join(smallest, e.col(HI).equalTo(smallest.col("u")));
        Dataset<Row> neighbours = withM.filter(col(LO).notEqual(col("m"))).select(col(LO).as(HI), col("m").as(LO));
        Dataset<Row> self = smallest.select(col("u").as(HI), col("m").as(LO));
        return neighbours.unionByName(self).distinct();
    }

    /** Converged: every node has at most one smaller neighbour, and no centre is itself a leaf. */
    static boolean isStarForest(Dataset<Row> e) {
        Dataset<Row> twoParents = e.groupBy(col(HI).as("x")).agg(count("*").as("n")).filter(col("n").gt(1)).select("x");
        Dataset<Row> centreIsLeaf = e.select(col(LO).as("x")).join(e.select(col(HI).as("x")), "x");
        return twoParents.unionByName(centreIsLeaf).limit(1).count() == 0;
    }

}
