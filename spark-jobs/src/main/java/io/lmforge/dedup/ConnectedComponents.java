package io.lmforge.dedup;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

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
 */
final class ConnectedComponents {
    static final String NODE = "node";
    static final String COMPONENT = "component";
    private static final String HI = "hi";
    private static final String LO = "lo";
    /** A safety net: the algorithm needs O(log^2 n) rounds, a few dozen at 10^12 nodes. */
    static final int MAX_ROUNDS = 200;

    /** Rounds the last call needed (for the manifest). */
    private int rounds;

    int rounds() {
        return rounds;
    }

    /**
     * {@code edges}: columns {@code a, b} (bigint). Returns {@code node, component} for every
     * node that has an edge, {@code component} being the smallest node of its component.
     * {@code checkpoint} materializes a dataset under a name and returns it read back.
     */
    Dataset<Row> run(Dataset<Row> edges, BiFunction<Dataset<Row>, String, Dataset<Row>> checkpoint,
                     DedupStage.Timer timer) {
        Dataset<Row> e = edges.filter(col("a").notEqual(col("b")))
                .select(greatest(col("a"), col("b")).as(HI), least(col("a"), col("b")).as(LO))
                .distinct();
        e = checkpoint.apply(e, "cc-0");
        timer.lap("candidates");
        rounds = 0;
        while (!e.isEmpty() && !isStarForest(e)) {
            if (++rounds > MAX_ROUNDS) {
                throw new IllegalStateException("connected components did not converge in " + MAX_ROUNDS + " rounds");
            }
            e = checkpoint.apply(smallStar(largeStar(e)), "cc-" + rounds);
        }
        Dataset<Row> leaves = e.select(col(HI).as(NODE), col(LO).as(COMPONENT));
        Dataset<Row> centres = e.select(col(LO).as(NODE), col(LO).as(COMPONENT)).distinct();
        return leaves.unionByName(centres);
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
