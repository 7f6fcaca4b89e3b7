package io.lmforge.dedup;

import io.lmforge.config.Settings;
import io.lmforge.corpus.Columns;
import io.lmforge.corpus.Rejections;
import io.lmforge.corpus.Stage;
import io.lmforge.corpus.StageContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.lmforge.corpus.Columns.ID;
import static io.lmforge.corpus.Columns.SOURCE;
import static io.lmforge.corpus.Columns.UID;
import static io.lmforge.dedup.Fingerprints.EXACT_HI;
import static io.lmforge.dedup.Fingerprints.EXACT_LO;
import static io.lmforge.dedup.Fingerprints.QUALITY;
import static io.lmforge.dedup.Fingerprints.RUN_ID;
import static io.lmforge.dedup.Fingerprints.SIMHASH;
import static io.lmforge.dedup.Fingerprints.TOKENS;
import static org.apache.spark.sql.functions.bit_count;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

/**
 * The {@code dedup} stage: exact duplicates, then SimHash near-duplicates, removed across the
 * whole corpus and, on a refresh, against the fingerprints of earlier runs.
 *
 * <ol>
 *   <li>Fingerprint every kept document (the only pass over text): exact hash and SimHash.</li>
 *   <li>Nodes: this run's documents ({@code node = _uid >= 0}) and earlier runs' stored
 *       fingerprints ({@code node < 0}).</li>
 *   <li>Exact duplicates: nodes with the same exact hash; the {@link KeepRule} picks one.</li>
 *   <li>Near-duplicates among the remaining representatives: {@link CandidatePairs} within
 *       distance k, clusters by {@link ConnectedComponents}, the {@link KeepRule} picks one per
 *       cluster.</li>
 *   <li>Removed documents get reason {@code exact_duplicate} or {@code near_duplicate},
 *       {@code duplicate_of} (the kept document's id; {@code detail} names its source, and its
 *       run when it is an earlier run's) and {@code distance} (Hamming distance of the SimHashes).
 *       Documents keep a {@code simhash} signal column.</li>
 *   <li>The fingerprints of every document still kept, earlier runs' included, go to
 *       {@code OUT/fingerprints/}; with {@code previous-wins = false}, earlier documents that a
 *       better new one replaced are listed in {@code OUT/superseded/}.</li>
 * </ol>
 * Every intermediate is small (no text) and written to {@code OUT/_work/dedup}, so no step is
 * computed twice and no lineage grows across connected-component rounds.
 */
public final class DedupStage implements Stage {
    public static final String NAME = "dedup";
    public static final String EXACT = "exact_duplicate";
    public static final String NEAR = "near_duplicate";
    public static final String SUPERSEDED = "superseded";

    private static final String NODE = KeepRule.NODE;
    private static final String KEEPER = "keeper";
    private static final String REASON = "reason";

    private final DedupSettings settings;
    private final Map<String, Object> report = new LinkedHashMap<>();

    public DedupStage(DedupSettings settings) {
        this.settings = settings;
    }

    public static DedupStage from(Settings section) {
        return new DedupStage(DedupSettings.from(section));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean needsMaterializedInput() {
        return true;
    }

    @Override
    public Dataset<Row> apply(Dataset<Row> corpus, StageContext ctx) {
        SparkSession spark = ctx.spark();
        Work work = new Work(ctx);
        boolean hasSignal = Arrays.asList(corpus.columns()).contains(settings.keepBy());
        Column signal = hasSignal ? col(settings.keepBy()) : lit(null);
        KeepRule rule = new KeepRule(settings.previousWins(), settings.keepHighest());
        PermutationTables tables = settings.tables();

        Timer timer = new Timer();
        Dataset<Row> computed = work.save(Fingerprints.compute(corpus.filter(Rejections.isKept()), signal, settings),
                "fingerprints");
        timer.lap("fingerprint");
        Dataset<Row> nodes = computed.select(col(UID).as(NODE), col(ID), col(SOURCE), lit(ctx.runId()).as(RUN_ID),
                col(SIMHASH), col(EXACT_HI), col(EXACT_LO), col(TOKENS), col(QUALITY));
        if (!settings.previous().isEmpty()) {
            Dataset<Row> previous = Fingerprints.readPrevious(spark, settings.previous(), settings);
            nodes = nodes.unionByName(previous.withColumn(NODE, lit(-1L).minus(monotonically_increasing_id())));
        }

        // Exact duplicates: one representative per exact hash. Saved once, this also fixes the
        // earlier runs' node numbers.
        Dataset<Row> ranked = work.save(nodes.withColumn(KEEPER,
                min(rule.key()).over(Window.partitionBy(EXACT_HI, EXACT_LO))), "nodes");
        nodes = ranked.drop(KEEPER);
        Dataset<Row> exactMoves = ranked.filter(col(KEEPER + "." + NODE).notEqual(col(NODE)))
                .select(col(NODE), col(KEEPER));
        Dataset<Row> representatives = ranked.filter(col(KEEPER + "." + NODE).equalTo(col(NODE)))
                .filter(col(SIMHASH).isNotNull().and(col(TOKENS).geq(settings.minTokens())))
                .select(col(NODE), col(SIMHASH).as("fp"));
        timer.lap("exact");

        // Near-duplicates: pairs within k, clusters, one keeper per cluster. Pairs of two earlier
        // documents are left alone: earlier corpora stay as they were.
        CandidatePairs.Counters counters = new CandidatePairs.Counters(
                spark.sparkContext().longAccumulator("dedup comparisons"),
                spark.sparkContext().longAccumulator("dedup giant buckets"),
                spark.sparkContext().longAccumulator("dedup fingerprints in giant buckets"));
        Dataset<Row> pairs = CandidatePairs.find(representatives, tables, settings.bucketWindow(), counters)
                .filter(col(CandidatePairs.A).geq(0).or(col(CandidatePairs.B).geq(0)));
        ConnectedComponents cc = new ConnectedComponents();
        Dataset<Row> components = cc.run(pairs, work::save, timer);
        timer.lap("components");
        Dataset<Row> members = components.join(nodes, NODE);
        Dataset<Row> nearMoves = work.save(members
                .withColumn(KEEPER, min(rule.key()).over(Window.partitionBy(ConnectedComponents.COMPONENT)))
                .filter(col(KEEPER + "." + NODE).notEqual(col(NODE)))
                .select(col(NODE), col(KEEPER),
                        bit_count(col(SIMHASH).bitwiseXOR(col(KEEPER + "." + SIMHASH))).cast("int").as(Columns.DISTANCE)),
                "near");

        // An exact duplicate follows its representative when that one is removed as a near-duplicate.
        Dataset<Row> x = exactMoves.alias("x");
        Dataset<Row> n = nearMoves.alias("n");
        Column repRemoved = col("n." + NODE).isNotNull()
                .and(col("n." + NODE).geq(0).or(col("n." + KEEPER + "." + NODE).geq(0)));
        Dataset<Row> exactResolved = x.join(n, col("x." + KEEPER + "." + NODE).equalTo(col("n." + NODE)), "left")
                .select(col("x." + NODE).as(NODE),
                        when(repRemoved, col("n." + KEEPER)).otherwise(col("x." + KEEPER)).as(KEEPER),
                        when(repRemoved, lit(NEAR)).otherwise(lit(EXACT)).as(REASON),
                        when(repRemoved, col("n." + Columns.DISTANCE)).otherwise(lit(0)).as(Columns.DISTANCE));
        // Moves that take effect: this run's removed documents, and earlier ones a new document replaced.
        Dataset<Row> moves = work.save(nearMoves.withColumn(REASON, lit(NEAR))
                .select(col(NODE), col(KEEPER), col(REASON), col(Columns.DISTANCE))
                .unionByName(exactResolved)
                .filter(col(NODE).geq(0).or(col(KEEPER + "." + NODE).geq(0))), "moves");
        timer.lap("clusters");

        Fingerprints.write(nodes.join(moves.select(NODE), nodes.col(NODE).equalTo(moves.col(NODE)), "left_anti"),
                ctx.layout().staged(Fingerprints.OUTPUT), settings, "zstd");
        long superseded = 0;
        if (!settings.previous().isEmpty() && !settings.previousWins()) {
            Dataset<Row> replaced = moves.filter(col(NODE).lt(0)).join(nodes, NODE)
                    .select(col(ID), col(SOURCE), col(RUN_ID), col(KEEPER + "." + ID).as("replaced_by"),
                            col(KEEPER + "." + SOURCE).as("replaced_by_source"), col(REASON), col(Columns.DISTANCE));
            replaced.write().mode("overwrite").option("compression", "zstd").parquet(ctx.layout().staged(SUPERSEDED));
            superseded = spark.read().parquet(ctx.layout().staged(SUPERSEDED)).count();
        }

        timer.lap("store");
        record(nodes, moves, tables, counters, cc, rule.describe(settings.keepBy(), hasSignal), superseded);
        report.put("seconds", timer.laps());
        return mark(corpus, nodes.filter(col(NODE).geq(0)), moves.filter(col(NODE).geq(0)));
    }

    /** Joins the decisions onto the corpus by {@code _uid}: one row out for each row in. */
    private static Dataset<Row> mark(Dataset<Row> corpus, Dataset<Row> newNodes, Dataset<Row> removed) {
        Dataset<Row> marks = newNodes.select(col(NODE).as("_dd_uid"), col(SIMHASH).as("_dd_simhash"))
                .join(removed.select(col(NODE).as("_dd_uid"), col(KEEPER).as("_dd_keeper"), col(REASON).as("_dd_reason"),
                        col(Columns.DISTANCE).as("_dd_distance")), "_dd_uid", "left");
        Dataset<Row> joined = corpus.join(marks, corpus.col(UID).equalTo(marks.col("_dd_uid")), "left");
        Column keeper = col("_dd_keeper");
        Column detail = concat(lit("kept document is in source '"), keeper.getField(SOURCE), lit("'"),
                when(keeper.getField(NODE).lt(0), concat(lit(", from run "), keeper.getField(RUN_ID))).otherwise(lit("")));
        // coalesce: never null under the when, but the rejection schema's reason is declared non-null.
        Column rejection = when(col("_dd_reason").isNotNull(), struct(
                lit(NAME).as(Columns.STAGE), coalesce(col("_dd_reason"), lit(NEAR)).as(Columns.REASON), detail.as(Columns.DETAIL),
                keeper.getField(ID).as(Columns.DUPLICATE_OF), col("_dd_distance").as(Columns.DISTANCE)));
        return Rejections.withRejection(joined, rejection)
                .withColumn(SIMHASH, col("_dd_simhash"))
                .drop("_dd_uid", "_dd_simhash", "_dd_keeper", "_dd_reason", "_dd_distance");
    }

    private void record(Dataset<Row> nodes, Dataset<Row> moves, PermutationTables tables,
                        CandidatePairs.Counters counters, ConnectedComponents cc, String keepRule, long superseded) {
        long documents = nodes.filter(col(NODE).geq(0)).count();
        long previous = nodes.filter(col(NODE).lt(0)).count();
        Map<String, Long> byReason = new LinkedHashMap<>();
        for (Row r : moves.filter(col(NODE).geq(0)).groupBy(REASON).agg(count("*")).collectAsList()) {
            byReason.put(r.getString(0), r.getLong(1));
        }
        report.clear();
        report.put("documents", documents);
        report.put("previous_documents", previous);
        report.put(EXACT, byReason.getOrDefault(EXACT, 0L));
        report.put(NEAR, byReason.getOrDefault(NEAR, 0L));
        report.put(SUPERSEDED, superseded);
        report.put("k", tables.k());
        report.put("layout", tables.describe());
        report.put("expected_candidates_per_document", tables.expectedCandidatesPerDocument(documents + previous));
        report.put("comparisons", counters.comparisons().value());
        report.put("giant_buckets", counters.giantBuckets().value());
        report.put("fingerprints_in_giant_buckets", counters.inGiantBuckets().value());
        report.put("bucket_window", settings.bucketWindow());
        report.put("component_rounds", cc.rounds());
        report.put("keep_rule", keepRule);
        report.put("previous", settings.previous());
    }

    /** Figures of the last {@link #apply}: duplicates by kind, comparisons, giant buckets, rounds. */
    @Override
    public Map<String, Object> report(Dataset<Row> documents) {
        return new LinkedHashMap<>(report);
    }

    /** Wall-clock seconds of each step, for the manifest. */
    static final class Timer {
        private final Map<String, Double> laps = new LinkedHashMap<>();
        private long start = System.nanoTime();

        void lap(String step) {
            long now = System.nanoTime();
            laps.merge(step, Math.round((now - start) / 1e6) / 1e3, Double::sum);
            start = now;
        }

        Map<String, Double> laps() {
            return new LinkedHashMap<>(laps);
        }
    }

    /** Materializes intermediates under {@code OUT/_work/dedup/NAME}. */
    private static final class Work {
        private final StageContext ctx;

        Work(StageContext ctx) {
            this.ctx = ctx;
        }

        Dataset<Row> save(Dataset<Row> rows, String name) {
            String path = ctx.layout().work("dedup/" + name);
            rows.write().mode("overwrite").option("compression", "zstd").parquet(path);
            return ctx.spark().read().schema(rows.schema()).parquet(path);
        }
    }
}
