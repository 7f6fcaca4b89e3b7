package io.lmforge.dedup;

import io.lmforge.config.Settings;
import io.lmforge.corpus.Columns;
import io.lmforge.corpus.Rejections;
import io.lmforge.corpus.Stage;
import io.lmforge.corpus.StageContext;
import io.lmforge.corpus.StageFactory;
import io.lmforge.corpus.StageReport;
import io.lmforge.corpus.StageResult;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.lmforge.corpus.Columns.ID;
import static io.lmforge.corpus.Columns.SOURCE;
import static io.lmforge.corpus.Columns.UID;
import static io.lmforge.dedup.Fingerprints.EXACT_HI;
import static io.lmforge.dedup.Fingerprints.EXACT_LO;
import static io.lmforge.dedup.Fingerprints.QUALITY;
import static io.lmforge.dedup.Fingerprints.RUN_ID;
import static io.lmforge.dedup.Fingerprints.SEGMENTS;
import static io.lmforge.dedup.Fingerprints.SIMHASH;
import static io.lmforge.dedup.Fingerprints.SKETCH;
import static io.lmforge.dedup.Fingerprints.TOKENS;
import static org.apache.spark.sql.functions.bit_count;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.format_number;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

/**
 * The {@code dedup} stage: exact duplicates, then near-duplicates, removed across the whole
 * corpus and, on a refresh, against the fingerprints of earlier runs.
 *
 * <ol>
 *   <li>Fingerprint every kept document (the only pass over text): exact hash, SimHash, segment
 *       SimHashes and a MinHash sketch ({@link Fingerprinter}).</li>
 *   <li>Nodes: this run's documents ({@code node = _uid >= 0}) and earlier runs' stored
 *       fingerprints ({@code node < 0}).</li>
 *   <li>Exact duplicates: nodes with the same exact hash; the {@link KeepRule} picks one.</li>
 *   <li>Near-duplicates among the remaining representatives: {@link CandidatePairs} (SimHashes
 *       within k, or a shared segment), kept when their estimated word 5-gram Jaccard similarity
 *       passes ({@link JaccardFilter}); clusters by {@link ConnectedComponents}; the
 *       {@link KeepRule} picks one per cluster.</li>
 *   <li>Removed documents get reason {@code exact_duplicate} or {@code near_duplicate},
 *       {@code duplicate_of} (the kept document's id; {@code detail} names its source, its run
 *       when it is an earlier run's, and the estimated similarity) and {@code distance} (Hamming
 *       distance of the two documents' SimHashes). Documents keep a {@code simhash} signal column.</li>
 *   <li>The fingerprints of every document still kept, earlier runs' included, go to
 *       {@code OUT/fingerprints/}; with {@code previous-wins = false}, earlier documents that a
 *       better new one replaced are listed in {@code OUT/superseded/}.</li>
 * </ol>
 * Intermediates are small (no text) and cached in memory (spilling to disk) for the few steps
 * that read them. The decisions the returned corpus is joined with must outlive that cache,
 * because the runner reads them after this method returns: a few are collected into a local
 * table, more are written to {@code OUT/_work/dedup}.
 */
public final class DedupStage implements Stage {
    public static final String NAME = "dedup";
    public static final String EXACT = "exact_duplicate";
    public static final String NEAR = "near_duplicate";
    public static final String SUPERSEDED = "superseded";
    /** Intermediates go under {@code OUT/_work/dedup/}. */
    private static final String WORK = "dedup/";

    private static final String NODE = KeepRule.NODE;
    private static final String KEEPER = "keeper";
    private static final String NEAR_KEEPER = "near_keeper";
    private static final String REASON = "reason";
    private static final String MOVED = "moved";
    /** A mark row on the driver: node, simhash, the keeper's key (ids and sources), reason, distance, similarity. */
    private static final long MARK_BYTES = 320;

    private final DedupSettings settings;
    private final long broadcastBytes;

    public DedupStage(DedupSettings settings) {
        this(settings, Sizing.BROADCAST_BYTES);
    }

    /** {@code broadcastBytes}: the small-scale paths' bound; 0 takes the distributed ones (tests). */
    public DedupStage(DedupSettings settings, long broadcastBytes) {
        this.settings = settings;
        this.broadcastBytes = broadcastBytes;
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
    public Set<String> requiredColumns() {
        return keepsByDefaultSignal() ? Set.of() : Set.of(settings.keepBy());
    }

    @Override
    public Set<String> addedColumns() {
        return Set.of(SIMHASH);
    }

    /**
     * The default {@code keep.by} ({@code lang_confidence}) is used when langid ran before this
     * stage and otherwise leaves the choice to the tie-break (smallest id), as the report's
     * {@code keep_rule} says; a column named explicitly must exist when the config loads.
     */
    private boolean keepsByDefaultSignal() {
        return settings.keepBy().equals(DedupSettings.DEFAULT_KEEP_BY);
    }

    @Override
    public StageResult apply(Dataset<Row> corpus, StageContext ctx) {
        SparkSession spark = ctx.spark();
        boolean hasSignal = !keepsByDefaultSignal() || Arrays.asList(corpus.columns()).contains(settings.keepBy());
        Column signal = hasSignal ? col(settings.keepBy()) : lit(null);
        KeepRule rule = new KeepRule(settings.previousWins(), settings.keepHighest());
        CandidatePairs.Layout layout = new CandidatePairs.Layout(settings.tables(), settings.segmentTables(),
                settings.bucketWindow(), settings.boilerplate());
        JaccardFilter jaccard = new JaccardFilter(settings.minJaccard(), settings.sketch());
        List<Dataset<Row>> cached = new ArrayList<>();
        ConnectedComponents cc = new ConnectedComponents();
        try {
            Timer timer = new Timer();
            Dataset<Row> nodes = Fingerprints.compute(corpus.filter(Rejections.isKept()), signal, settings)
                    .select(col(UID).as(NODE), col(ID), col(SOURCE), lit(ctx.runId()).as(RUN_ID), col(SIMHASH),
                            col(EXACT_HI), col(EXACT_LO), col(TOKENS), col(QUALITY), col(SEGMENTS), col(SKETCH));
            if (!settings.previous().isEmpty()) {
                Dataset<Row> previous = Fingerprints.readPrevious(spark, settings.previous(), settings);
                nodes = nodes.unionByName(previous.withColumn(NODE, lit(-1L).minus(monotonically_increasing_id())));
            }
            // The one pass over text. Cached, this also fixes the earlier runs' node numbers.
            describe(spark, "fingerprints (the one pass over text)");
            Dataset<Row> fingerprints = cache(cached, nodes);
            long[] sizes = tally(fingerprints, when(col(NODE).geq(0), lit(0)).otherwise(lit(1)), 2);
            long documents = sizes[0];
            long previousDocuments = sizes[1];
            Sizing sizing = Sizing.of(spark, documents + previousDocuments, settings, broadcastBytes);
            timer.lap("fingerprint");

            // Exact duplicates: one representative per exact hash. Materialized here, once: the
            // candidates' concurrent branches would otherwise each build it.
            describe(spark, "exact duplicates");
            Dataset<Row> ranked = cache(cached, fingerprints.repartition(sizing.partitions(), col(EXACT_HI), col(EXACT_LO))
                    .withColumn(KEEPER, min(rule.key()).over(Window.partitionBy(EXACT_HI, EXACT_LO))));
            // Whether the representatives' sketches fit a broadcast. Every node is an upper bound
            // for the representatives, and at small scale it decides alone: no counting job.
            long sketchBytes = 4L * settings.sketch() + 64;
            boolean sketchesFit = sizing.fits(documents + previousDocuments, sketchBytes)
                    || sizing.fits(ranked.filter(col(KEEPER + "." + NODE).equalTo(col(NODE))).count(), sketchBytes);
            timer.lap("exact");

            // Near-duplicates: candidate pairs, verified, clustered. Pairs of two earlier
            // documents are left alone: earlier corpora stay as they were.
            describe(spark, "near-duplicate candidates, verified, clustered");
            Dataset<Row> representatives = ranked.filter(col(KEEPER + "." + NODE).equalTo(col(NODE)))
                    .filter(col(SIMHASH).isNotNull().and(col(TOKENS).geq(settings.minTokens())));
            CandidatePairs.Counters counters = CandidatePairs.Counters.create(spark.sparkContext());
            Dataset<Row> pairs = CandidatePairs.find(representatives.select(col(NODE), col(SIMHASH).as("fp"),
                            settings.hasSegments() ? col(SEGMENTS) : lit(null).cast("array<bigint>").as(SEGMENTS)),
                    layout, counters, sizing.partitions(), !sketchesFit)
                    .filter(col(CandidatePairs.A).geq(0).or(col(CandidatePairs.B).geq(0)));
            Dataset<Row> sketches = representatives.select(col(NODE), col(SKETCH));
            Dataset<Row> edges = jaccard.apply(pairs, sketches, sketchesFit);
            Dataset<Row> components = cc.run(edges, sizing.partitions(), (rows, name) -> ctx.materialize(rows, WORK + name),
                    timer);
            fingerprints.unpersist();
            timer.lap("components");

            // One keeper per cluster; an exact duplicate follows its representative.
            describe(spark, "keepers");
            boolean smallGraph = sizing.fits(2 * cc.edges(), 4L * settings.sketch() + 256);
            Dataset<Row> members = (smallGraph ? broadcast(components) : components).join(ranked, NODE);
            // A small graph among few nodes: one task takes every cluster member, and the window
            // over it needs no shuffle (a single partition is clustered by any key).
            members = smallGraph && sketchesFit ? members.coalesce(1)
                    : members.repartition(sizing.partitions(), col(ConnectedComponents.COMPONENT));
            Dataset<Row> clusterKeeper = members
                    .select(col(NODE).as("rep"), min(rule.key(SKETCH)).over(Window.partitionBy(ConnectedComponents.COMPONENT))
                            .as(NEAR_KEEPER));
            Dataset<Row> decisions = cache(cached, decide(ranked, smallGraph ? broadcast(clusterKeeper) : clusterKeeper,
                    jaccard));
            Column[] markColumns = {col(NODE), col(SIMHASH), when(col(MOVED), col(KEEPER)).as(KEEPER),
                    when(col(MOVED), col(REASON)).as(REASON), col(Columns.DISTANCE), col(JaccardFilter.JACCARD)};
            Dataset<Row> marks;
            long[] moved;
            if (sizing.fitsDriver(documents + previousDocuments, MARK_BYTES)) {
                // Few marks: collected by one job, which also counts the removals, and handed back
                // as a local table (broadcast into the join): no Parquet written and read back, no
                // counting job.
                Dataset<Row> rows = decisions.filter(col(NODE).geq(0).or(col(MOVED))).select(markColumns);
                List<Row> collected = rows.collectAsList();
                moved = new long[3];
                List<Row> ours = new ArrayList<>(collected.size());
                for (Row r : collected) {
                    boolean isMoved = !r.isNullAt(2);
                    boolean ourDocument = r.getLong(0) >= 0;
                    if (isMoved) {
                        moved[!ourDocument ? 2 : NEAR.equals(r.getString(3)) ? 1 : 0]++;
                    }
                    if (ourDocument) {
                        ours.add(r);
                    }
                }
                marks = broadcast(spark.createDataFrame(ours, rows.schema()));
            } else {
                marks = ctx.materialize(decisions.filter(col(NODE).geq(0)).select(markColumns), WORK + "decisions");
                moved = null;
            }
            timer.lap("clusters");

            describe(spark, "fingerprint store");
            Fingerprints.write(decisions.filter(not(col(MOVED))), ctx.layout().staged(Fingerprints.OUTPUT), settings, "zstd");
            if (!settings.previous().isEmpty() && !settings.previousWins()) {
                decisions.filter(col(MOVED).and(col(NODE).lt(0)))
                        .select(col(ID), col(SOURCE), col(RUN_ID), col(KEEPER + "." + ID).as("replaced_by"),
                                col(KEEPER + "." + SOURCE).as("replaced_by_source"), col(REASON), col(Columns.DISTANCE))
                        .write().mode("overwrite").option("compression", "zstd").parquet(ctx.layout().staged(SUPERSEDED));
            }
            timer.lap("store");
            describe(spark, "counts");
            Map<String, Object> report = report(moved != null ? moved : movedByKind(decisions), documents,
                    previousDocuments, layout, counters, cc, rule.describe(settings.keepBy(), hasSignal));
            report.put("partitions", sizing.partitions());
            report.put("seconds", timer.laps());
            return new StageResult(mark(corpus, marks), StageReport.of(report));
        } finally {
            describe(spark, null);
            cc.release();
            cached.forEach(Dataset::unpersist);
        }
    }

    /**
     * Rows by {@code kind} (an int column, 0 to {@code kinds - 1}): counted by the tasks of one
     * stage and summed on the driver, where an aggregate would add a shuffle and a stage.
     */
    static long[] tally(Dataset<Row> rows, Column kind, int kinds) {
        return rows.select(kind).as(Encoders.INT()).javaRDD().aggregate(new long[kinds], (c, k) -> {
            c[k]++;
            return c;
        }, (x, y) -> {
            for (int i = 0; i < x.length; i++) {
                x[i] += y[i];
            }
            return x;
        });
    }

    /** Names the jobs that follow in Spark's UI and event log. */
    private static void describe(SparkSession spark, String step) {
        spark.sparkContext().setJobDescription(step == null ? null : NAME + ": " + step);
    }

    /**
     * How the stage sizes its own shuffles, whose rows are fingerprints (about 0.7 KiB a document
     * with the defaults), never text: about 64 MiB a partition, and at least as many partitions
     * as the cluster has cores (up to {@code spark.sql.shuffle.partitions}). At 8,000 documents
     * on two cores that is 2 partitions, not the session's 200. A side of a join of at most 64 MiB
     * is broadcast.
     */
    record Sizing(int partitions, long broadcastBytes) {
        static final long PARTITION_BYTES = 64L << 20;
        static final long BROADCAST_BYTES = 64L << 20;
        /** Rows collected to the driver and planned as a local table stay small: plans are copied. */
        static final long DRIVER_BYTES = 16L << 20;

        static Sizing of(SparkSession spark, long nodes, DedupSettings settings, long broadcastBytes) {
            long perNode = 4L * settings.sketch() + 8L * settings.segmenting().maxPerDocument() + 160;
            int cores = Math.min(spark.sparkContext().defaultParallelism(),
                    Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions")));
            long byBytes = nodes * perNode / PARTITION_BYTES + 1;
            return new Sizing((int) Math.min(1 << 20, Math.max(Math.max(1, cores), byBytes)), broadcastBytes);
        }

        boolean fits(long rows, long bytesPerRow) {
            return rows * bytesPerRow <= broadcastBytes;
        }

        /** Whether rows fit on the driver as a local table: the broadcast bound, at most {@link #DRIVER_BYTES}. */
        boolean fitsDriver(long rows, long bytesPerRow) {
            return rows * bytesPerRow <= Math.min(broadcastBytes, DRIVER_BYTES);
        }
    }

    private static Dataset<Row> cache(List<Dataset<Row>> cached, Dataset<Row> rows) {
        Dataset<Row> c = rows.persist(StorageLevel.MEMORY_AND_DISK());
        cached.add(c);
        return c;
    }

    /**
     * Every node with its keeper: its exact representative's cluster keeper when the
     * representative is in a cluster, else the representative (itself, if it is one). A removed
     * node's reason is {@code near_duplicate} when the cluster keeper is not its exact
     * representative; {@code moved} says whether the removal takes effect (this run's documents,
     * and earlier ones a new document replaced).
     */
    private static Dataset<Row> decide(Dataset<Row> ranked, Dataset<Row> clusterKeeper, JaccardFilter jaccard) {
        Dataset<Row> joined = ranked.join(clusterKeeper, col(KEEPER + "." + NODE).equalTo(col("rep")), "left");
        Column nearKeeper = col(NEAR_KEEPER);
        Column finalKeeper = coalesce(nearKeeper.dropFields(scala.jdk.javaapi.CollectionConverters.asScala(List.of(SKETCH)).toSeq()),
                col(KEEPER));
        Column removed = finalKeeper.getField(NODE).notEqual(col(NODE));
        Column near = nearKeeper.isNotNull().and(nearKeeper.getField(NODE).notEqual(col(KEEPER + "." + NODE)));
        return joined.select(col(NODE), col(ID), col(SOURCE), col(RUN_ID), col(SIMHASH), col(EXACT_HI), col(EXACT_LO),
                col(TOKENS), col(QUALITY), col(SEGMENTS), col(SKETCH), finalKeeper.as(KEEPER),
                when(removed, when(near, lit(NEAR)).otherwise(lit(EXACT))).as(REASON),
                removed.and(col(NODE).geq(0).or(finalKeeper.getField(NODE).geq(0))).as(MOVED),
                coalesce(bit_count(col(SIMHASH).bitwiseXOR(finalKeeper.getField(SIMHASH))).cast("int"), lit(0))
                        .as(Columns.DISTANCE),
                when(removed.and(near), jaccard.estimate(col(SKETCH), nearKeeper.getField(SKETCH)))
                        .as(JaccardFilter.JACCARD));
    }

    /** Joins the decisions onto the corpus by {@code _uid}: one row out for each row in. */
    private static Dataset<Row> mark(Dataset<Row> corpus, Dataset<Row> marks) {
        Dataset<Row> m = marks.select(col(NODE).as("_dd_uid"), col(SIMHASH).as("_dd_simhash"), col(KEEPER).as("_dd_keeper"),
                col(REASON).as("_dd_reason"), col(Columns.DISTANCE).as("_dd_distance"), col(JaccardFilter.JACCARD).as("_dd_jaccard"));
        Dataset<Row> joined = corpus.join(m, corpus.col(UID).equalTo(m.col("_dd_uid")), "left");
        Column keeper = col("_dd_keeper");
        Column detail = concat(lit("kept document is in source '"), keeper.getField(SOURCE), lit("'"),
                when(keeper.getField(NODE).lt(0), concat(lit(", from run "), keeper.getField(RUN_ID))).otherwise(lit("")),
                when(col("_dd_jaccard").isNotNull(), concat(lit("; estimated word 5-gram Jaccard similarity "),
                        format_number(col("_dd_jaccard"), 2))).otherwise(lit("")));
        // coalesce: never null under the when, but the rejection schema's reason is declared non-null.
        Column rejection = when(col("_dd_reason").isNotNull(), struct(
                lit(NAME).as(Columns.STAGE), coalesce(col("_dd_reason"), lit(NEAR)).as(Columns.REASON), detail.as(Columns.DETAIL),
                keeper.getField(ID).as(Columns.DUPLICATE_OF), col("_dd_distance").as(Columns.DISTANCE)));
        return Rejections.withRejection(joined, rejection)
                .withColumn(SIMHASH, col("_dd_simhash"))
                .drop("_dd_uid", "_dd_simhash", "_dd_keeper", "_dd_reason", "_dd_distance", "_dd_jaccard");
    }

    /** Removals that take effect: exact duplicates, near duplicates, earlier documents superseded. */
    private static long[] movedByKind(Dataset<Row> decisions) {
        return tally(decisions.filter(col(MOVED)),
                when(col(NODE).lt(0), lit(2)).when(col(REASON).equalTo(NEAR), lit(1)).otherwise(lit(0)), 3);
    }

    /** Duplicates by kind, comparisons, giant buckets, rounds. */
    private Map<String, Object> report(long[] moved, long documents, long previous, CandidatePairs.Layout layout,
                                       CandidatePairs.Counters counters, ConnectedComponents cc, String keepRule) {
        PermutationTables tables = layout.documents();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("documents", documents);
        report.put("previous_documents", previous);
        report.put(EXACT, moved[0]);
        report.put(NEAR, moved[1]);
        report.put(SUPERSEDED, moved[2]);
        report.put("k", tables.k());
        report.put("layout", tables.describe());
        report.put("segment_layout", settings.hasSegments() ? layout.segments().describe() : "no segments");
        report.put("min_jaccard", settings.minJaccard());
        report.put("expected_candidates_per_document", tables.expectedCandidatesPerDocument(documents + previous));
        // Up to s segments a document, each against every other document's s: s^2 chances per pair.
        int s = settings.hasSegments() ? settings.segmenting().maxPerDocument() : 0;
        report.put("expected_segment_candidates_per_document",
                (double) s * s * layout.segments().expectedCandidatesPerDocument(documents + previous));
        report.put("comparisons", counters.comparisons().value());
        report.put("verified_pairs", cc.edges());
        report.put("giant_buckets", counters.giantBuckets().value());
        report.put("fingerprints_in_giant_buckets", counters.inGiantBuckets().value());
        report.put("boilerplate_segments_skipped", counters.boilerplateSkipped().value());
        report.put("bucket_window", settings.bucketWindow());
        report.put("component_rounds", cc.rounds());
        report.put("keep_rule", keepRule);
        report.put("previous", settings.previous());
        return report;
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

    /** Found by the runner through {@code META-INF/services/io.lmforge.corpus.StageFactory}. */
    public static final class Factory extends StageFactory.Of {
        public Factory() {
            super(NAME, 50, DedupStage::from);
        }
    }
}
