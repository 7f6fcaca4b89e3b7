package io.lmforge.pack;

import io.lmforge.corpus.Columns;
import io.lmforge.mix.BatchSchedule;
import io.lmforge.mix.MixPlan;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.hash.Murmur3_x86_32;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.shiftrightunsigned;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Packs the tokenized documents of every split into sequences, in the order the trainer reads
 * them, partitioned so that partition {@code i} is shard file {@code i}.
 *
 * <p>Each domain of a split is a stream: pass 0 over its documents in the order of a seeded
 * hash, then pass 1 in another hash order, and so on for as many passes as its plan needs; the
 * stream is cut into sequences of {@code window} tokens and the first {@code planned} are kept.
 * A sequence so holds the end of one document and the start of the next, never padding, and
 * belongs to one domain. The split's {@link BatchSchedule} gives every sequence its position.
 *
 * <p>For a corpus the driver can index, {@link PiecePlan} works out every piece there and the
 * ids move once, to the shard file that owns their position (routed by position, so no sampling
 * pass, and files of exact sizes). For a larger one the same is computed in Spark: a document's
 * offset in its stream is a running sum of token counts in hash order, computed without
 * gathering a domain into one task (the hash's top bits split a stream into buckets, the driver
 * adds up the bucket totals, and each bucket sums its own documents), and the ids move twice: to
 * join the pieces they are cut into, then to their shard file.
 */
final class Packer {
    static final String SPLIT_INDEX = "split_index";
    static final String DOMAIN_INDEX = "domain_index";
    static final String EPOCH = "epoch";
    static final String LIMIT = "limit";
    static final String ORDER = "order";
    static final String BUCKET = "bucket";
    static final String START = "start";
    static final String SEQ = "seq";
    static final String INPUT_IDS = io.lmforge.shards.ShardColumns.INPUT_IDS;
    static final String DOC_STARTS = io.lmforge.shards.ShardColumns.DOC_STARTS;

    /** A piece of a sequence with its ids (little-endian int32 bytes); is_start: it begins with its document's first token (its bos, if any). */
    static final StructType PIECES = new StructType(new StructField[]{
            DataTypes.createStructField(SPLIT_INDEX, DataTypes.IntegerType, false),
            DataTypes.createStructField("position", DataTypes.LongType, false),
            DataTypes.createStructField("off", DataTypes.IntegerType, false),
            DataTypes.createStructField(Columns.DOMAIN, DataTypes.StringType, false),
            DataTypes.createStructField("piece", DataTypes.BinaryType, false),
            DataTypes.createStructField("is_start", DataTypes.BooleanType, false),
    });

    /** What the shards hold: the contract with the trainer. */
    static final StructType SHARD_SCHEMA = new StructType(new StructField[]{
            DataTypes.createStructField(INPUT_IDS, DataTypes.createArrayType(DataTypes.IntegerType, false), false),
            DataTypes.createStructField(Columns.DOMAIN, DataTypes.StringType, false),
            DataTypes.createStructField(DOC_STARTS, DataTypes.createArrayType(DataTypes.IntegerType, false), false),
    });

    /** What each file-writing task reports: its file (global index) and the sequences it wrote. */
    static final StructType WRITTEN = new StructType(new StructField[]{
            DataTypes.createStructField("file", DataTypes.IntegerType, false),
            DataTypes.createStructField("sequences", DataTypes.LongType, false),
    });

    /** One sequence of a shard: its window of ids, its domain, where its documents start. */
    record Sequence(int[] inputIds, String domain, int[] docStarts) {
    }

    /**
     * Where the splits' sequences go: split s covers global positions [first[s], first[s] + size[s]),
     * cut into files of sequencesPerFile[s], each cut into parts of at most sequencesPerPart[s]
     * (one Spark partition and one writing task each, so a file is written by several cores).
     * Parts are numbered densely: partFile[p] is the file of part p, partInFile[p] its place there.
     */
    record Layout(long[] first, long[] sequencesPerFile, long[] sequencesPerPart, int[] firstFile, int[] firstPart,
                  int[] partFile, int[] partInFile, int[] partsOfFile, int files) implements java.io.Serializable {
        static Layout of(List<MixPlan> plans, long[] perFile, long[] perPart) {
            int n = plans.size();
            long[] first = new long[n];
            long[] part = new long[n];
            int[] firstFile = new int[n + 1];
            int[] firstPart = new int[n + 1];
            List<Integer> fileOfPart = new ArrayList<>();
            List<Integer> inFile = new ArrayList<>();
            List<Integer> partsOfFile = new ArrayList<>();
            long global = 0;
            for (int s = 0; s < n; s++) {
                first[s] = global;
                long sequences = plans.get(s).sequences();
                global += sequences;
                // Parts of a file as even as whole sequences allow.
                long perFilePart = (perFile[s] + perPart[s] - 1) / perPart[s];
                part[s] = (perFile[s] + perFilePart - 1) / perFilePart;
                long files = (sequences + perFile[s] - 1) / perFile[s];
                firstFile[s + 1] = firstFile[s] + (int) files;
                for (long f = 0; f < files; f++) {
                    long inThisFile = Math.min(perFile[s], sequences - f * perFile[s]);
                    int parts = (int) ((inThisFile + part[s] - 1) / part[s]);
                    partsOfFile.add(parts);
                    for (int k = 0; k < parts; k++) {
                        fileOfPart.add(firstFile[s] + (int) f);
                        inFile.add(k);
                    }
                }
                firstPart[s + 1] = fileOfPart.size();
            }
            return new Layout(first, perFile.clone(), part, firstFile, firstPart,
                    fileOfPart.stream().mapToInt(Integer::intValue).toArray(), inFile.stream().mapToInt(Integer::intValue).toArray(),
                    partsOfFile.stream().mapToInt(Integer::intValue).toArray(), firstFile[n]);
        }

        int fileOf(int split, long position) {
            return firstFile[split] + (int) (position / sequencesPerFile[split]);
        }

        int partOf(int split, long position) {
            int firstOfFile = firstPart[split] + (int) ((position / sequencesPerFile[split])
                    * ((sequencesPerFile[split] + sequencesPerPart[split] - 1) / sequencesPerPart[split]));
            return firstOfFile + (int) ((position % sequencesPerFile[split]) / sequencesPerPart[split]);
        }

        int parts() {
            return partFile.length;
        }
    }

    private Packer() {
    }

    /**
     * The pieces of the sequences of all splits ({@link #PIECES}), routed so that partition
     * {@code i} holds those of shard file {@code i} of {@code layout}, sorted by position:
     * {@link #write} joins them into sequences.
     *
     * @param tokens rows of {@link DocumentTokens}, every split
     * @param plans  one per split; the split column's value is the plan's split name
     */
    static Dataset<Row> sequences(Dataset<Row> tokens, List<MixPlan> plans, long seed, Layout layout) {
        SparkSession spark = tokens.sparkSession();
        int window = plans.get(0).window();
        int bits = bucketBits(plans);
        Dataset<Row> starts = offsets(streamRows(tokens, plans, seed, bits));

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        BatchSchedule[] schedules = plans.stream().map(MixPlan::schedule).toArray(BatchSchedule[]::new);
        Broadcast<BatchSchedule[]> shared = jsc.broadcast(schedules);
        UserDefinedFunction position = udf((UDF3<Integer, Integer, Long, Long>) (split, domain, seq) ->
                shared.value()[split].position(domain, seq), DataTypes.LongType);

        Dataset<Row> pieces = starts
                .filter(col(START).lt(col(LIMIT).multiply(window)))
                .withColumn(SEQ, explode(sequence(expr(START + " div " + window),
                        least(expr("(" + START + " + " + DocumentTokens.N + " - 1) div " + window), col(LIMIT).minus(1)))))
                .withColumn("lo", greatest(col(START), col(SEQ).multiply(window)))
                .withColumn("hi", least(col(START).plus(col(DocumentTokens.N)), col(SEQ).plus(1).multiply(window)))
                .select(col(DocumentTokens.DOC), col(SPLIT_INDEX), col(Columns.DOMAIN),
                        position.apply(col(SPLIT_INDEX), col(DOMAIN_INDEX), col(SEQ)).as("position"),
                        col("lo").minus(col(SEQ).multiply(window)).cast("int").as("off"),
                        col("lo").minus(col(START)).cast("int").as("from"),
                        col("hi").minus(col("lo")).cast("int").as("len"));

        // Pieces are small rows (no ids). While they fit in memory comfortably, they go to every task
        // and the ids are joined where they are read; beyond that the join shuffles the ids.
        Dataset<Row> withIds = tokens.select(DocumentTokens.DOC, DocumentTokens.IDS)
                .join(pieceCount(plans) <= broadcastPieces() ? broadcast(pieces) : pieces, DocumentTokens.DOC)
                .select(col(SPLIT_INDEX), col("position"), col("off"), col(Columns.DOMAIN),
                        expr("substring(" + DocumentTokens.IDS + ", `from` * 4 + 1, len * 4)").as("piece"),
                        col("from").equalTo(0).as("is_start"));
        return route(withIds, layout);
    }

    /**
     * The same, from pieces the driver worked out ({@link PiecePlan}): each task cuts the pieces
     * of the documents it reads, and they go straight to the tasks that write their files.
     */
    static Dataset<Row> sequences(Dataset<Row> tokens, PiecePlan plan, Layout layout) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(tokens.sparkSession().sparkContext());
        Broadcast<PiecePlan> shared = jsc.broadcast(plan);
        Dataset<Row> withIds = tokens.select(DocumentTokens.DOC, Columns.DOMAIN, DocumentTokens.IDS)
                .flatMap((FlatMapFunction<Row, Row>) r -> shared.value().cut(r.getLong(0), r.getString(1), (byte[]) r.get(2)),
                        Encoders.row(PIECES));
        return route(withIds, layout);
    }

    /** Routes rows of {@link #PIECES} to the partition of their file, in order. */
    private static Dataset<Row> route(Dataset<Row> pieces, Layout layout) {
        // Partition i must be part i. Spark hash-partitions by pmod(murmur3(key, 42), n); a key per
        // part that lands in that part's partition is found on the driver (Assembled checks it).
        int[] route = routes(layout.parts());
        UserDefinedFunction routeOf = udf((UDF2<Integer, Long, Integer>) (split, pos) -> route[layout.partOf(split, pos)],
                DataTypes.IntegerType);
        return pieces.repartition(Math.max(1, layout.parts()), routeOf.apply(col(SPLIT_INDEX), col("position")))
                .sortWithinPartitions(SPLIT_INDEX, "position", "off");
    }

    /**
     * Writes the sequences of routed pieces: the task of partition p writes part p ({@link
     * ShardFileWriter}): {@code files[i]} itself for a file of one part, else {@link #partPath}
     * for {@link #concatenate} to join. It writes through a name of its own attempt renamed at the
     * end, so a retried task replaces what an earlier attempt left. Rows of {@link #WRITTEN}.
     */
    static Dataset<Row> write(Dataset<Row> routed, int window, Layout layout, String[] files,
                              io.lmforge.ingest.HadoopConf hadoop, long rowGroupBytes) {
        return routed.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            int part = TaskContext.getPartitionId();
            int file = layout.partFile()[part];
            org.apache.hadoop.fs.Path target = layout.partsOfFile()[file] == 1 ? new org.apache.hadoop.fs.Path(files[file])
                    : partPath(files[file], layout.partInFile()[part]);
            Assembled sequences = new Assembled(rows, window, layout);
            long written;
            org.apache.hadoop.fs.Path attempt = attemptPath(target);
            try (ShardFileWriter out = new ShardFileWriter(hadoop.get(), attempt, rowGroupBytes)) {
                while (sequences.hasNext()) {
                    Sequence s = sequences.next();
                    out.write(s.inputIds(), s.domain(), s.docStarts());
                }
                written = out.sequences();
            }
            replace(hadoop.get(), attempt, target);
            return List.of(RowFactory.create(file, written)).iterator();
        }, Encoders.row(WRITTEN));
    }

    /**
     * Joins the parts of every file of several parts into the file, in order, copying their row
     * groups as they are (no decoding), one task per file; removes the parts.
     */
    static void concatenate(JavaSparkContext jsc, Layout layout, String[] files, io.lmforge.ingest.HadoopConf hadoop,
                            long rowGroupBytes) {
        List<Integer> joined = new ArrayList<>();
        for (int f = 0; f < layout.files(); f++) {
            if (layout.partsOfFile()[f] > 1) {
                joined.add(f);
            }
        }
        if (joined.isEmpty()) {
            return;
        }
        jsc.parallelize(joined, joined.size()).foreach(file -> {
            List<org.apache.hadoop.fs.Path> parts = new ArrayList<>();
            for (int k = 0; k < layout.partsOfFile()[file]; k++) {
                parts.add(partPath(files[file], k));
            }
            org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(files[file]);
            org.apache.hadoop.fs.Path attempt = attemptPath(target);
            ShardFileWriter.concatenate(hadoop.get(), parts, attempt, rowGroupBytes);
            replace(hadoop.get(), attempt, target);
            org.apache.hadoop.fs.FileSystem fs = target.getFileSystem(hadoop.get());
            for (org.apache.hadoop.fs.Path p : parts) {
                fs.delete(p, false);
            }
        });
    }

    /** Where part k of a file waits to be joined: a hidden name that does not end in .parquet. */
    static org.apache.hadoop.fs.Path partPath(String file, int k) {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(file);
        return new org.apache.hadoop.fs.Path(target.getParent(), "." + target.getName() + String.format(".part-%05d", k));
    }

    private static org.apache.hadoop.fs.Path attemptPath(org.apache.hadoop.fs.Path target) {
        return new org.apache.hadoop.fs.Path(target.getParent(), "." + target.getName() + ".attempt-" + TaskContext.get().taskAttemptId());
    }

    private static void replace(org.apache.hadoop.conf.Configuration hadoop, org.apache.hadoop.fs.Path attempt,
                                org.apache.hadoop.fs.Path target) throws java.io.IOException {
        org.apache.hadoop.fs.FileSystem fs = target.getFileSystem(hadoop);
        fs.delete(target, false);
        if (!fs.rename(attempt, target)) {
            throw new java.io.IOException("could not move " + attempt + " to " + target);
        }
    }

    /** For each file f, an int whose Spark hash partition among {@code files} partitions is f. */
    static int[] routes(int files) {
        int n = Math.max(1, files);
        int[] route = new int[n];
        java.util.Arrays.fill(route, -1);
        int found = 0;
        for (int v = 0; found < n; v++) {
            int p = Math.floorMod(Murmur3_x86_32.hashInt(v, 42), n);
            if (route[p] < 0) {
                route[p] = v;
                found++;
            }
        }
        return route;
    }

    /**
     * At most how many pieces the driver broadcasts instead of shuffling the ids (~50 bytes each);
     * the system property {@code lmforge.shards.broadcast-pieces} overrides it (tests use 0).
     */
    static long broadcastPieces() {
        return Long.getLong("lmforge.shards.broadcast-pieces", 2_000_000);
    }

    /** An upper bound of the pieces: each document pass and each sequence start one at most. */
    static long pieceCount(List<MixPlan> plans) {
        long n = documentPasses(plans);
        for (MixPlan p : plans) {
            n += p.sequences();
        }
        return n;
    }

    /** Rows of the streams: each document once per pass over its domain. */
    static long documentPasses(List<MixPlan> plans) {
        long n = 0;
        for (MixPlan p : plans) {
            for (MixPlan.Domain d : p.domains()) {
                n += d.documents() * d.epochs();
            }
        }
        return n;
    }

    /**
     * Top hash bits that cut streams into buckets: about 20k documents per bucket, so the driver's
     * table stays small. The system property {@code lmforge.shards.bucket-bits} overrides it (tests).
     */
    static int bucketBits(List<MixPlan> plans) {
        // At least one bit: the stream order is then the unsigned hash order (bucket, then hash), as in PiecePlan.
        int bits = (int) Math.min(16, Math.max(1, Math.ceil(Math.log(documentPasses(plans) / 20_000.0 + 1) / Math.log(2))));
        return Math.max(1, Integer.getInteger("lmforge.shards.bucket-bits", bits));
    }

    /** One row per document and pass: split and domain indexes, the pass, hash order, bucket, length. */
    private static Dataset<Row> streamRows(Dataset<Row> tokens, List<MixPlan> plans, long seed, int bits) {
        SparkSession spark = tokens.sparkSession();
        List<Row> passes = new ArrayList<>();
        for (int s = 0; s < plans.size(); s++) {
            MixPlan plan = plans.get(s);
            for (int i = 0; i < plan.domains().size(); i++) {
                MixPlan.Domain d = plan.domains().get(i);
                for (int e = 0; e < d.epochs(); e++) {
                    passes.add(RowFactory.create(plan.split(), d.name(), s, i, e, d.sequences()));
                }
            }
        }
        StructType passSchema = new StructType(new StructField[]{
                DataTypes.createStructField(DocumentTokens.SPLIT, DataTypes.StringType, false),
                DataTypes.createStructField(Columns.DOMAIN, DataTypes.StringType, false),
                DataTypes.createStructField(SPLIT_INDEX, DataTypes.IntegerType, false),
                DataTypes.createStructField(DOMAIN_INDEX, DataTypes.IntegerType, false),
                DataTypes.createStructField(EPOCH, DataTypes.IntegerType, false),
                DataTypes.createStructField(LIMIT, DataTypes.LongType, false),
        });
        Dataset<Row> order = tokens.select(DocumentTokens.DOC, DocumentTokens.SPLIT, Columns.DOMAIN, DocumentTokens.KEY, DocumentTokens.N)
                .join(broadcast(spark.createDataFrame(passes, passSchema)), new String[]{DocumentTokens.SPLIT, Columns.DOMAIN})
                .withColumn(ORDER, xxhash64(lit(seed), col(EPOCH), col(DocumentTokens.KEY)));
        return order.withColumn(BUCKET, shiftrightunsigned(col(ORDER), 64 - bits));
    }

    /**
     * Adds each document's start offset in its stream: the bucket totals are added up on the
     * driver, in stream order (pass, then bucket), and each bucket sums its own documents.
     */
    private static Dataset<Row> offsets(Dataset<Row> streams) {
        SparkSession spark = streams.sparkSession();
        String[] bucketKey = {SPLIT_INDEX, DOMAIN_INDEX, EPOCH, BUCKET};
        List<Row> bases = new ArrayList<>();
        List<Row> totals = new ArrayList<>(streams.groupBy(SPLIT_INDEX, DOMAIN_INDEX, EPOCH, BUCKET)
                .agg(sum(DocumentTokens.N).as("t")).collectAsList());
        totals.sort(java.util.Comparator.<Row>comparingInt(r -> r.getInt(0)).thenComparingInt(r -> r.getInt(1))
                .thenComparingInt(r -> r.getInt(2)).thenComparingLong(r -> r.getLong(3)));
        Map<List<Integer>, Long> running = new HashMap<>();
        for (Row r : totals) {
            List<Integer> stream = List.of(r.getInt(0), r.getInt(1));
            long before = running.getOrDefault(stream, 0L);
            bases.add(RowFactory.create(r.getInt(0), r.getInt(1), r.getInt(2), r.getLong(3), before));
            running.put(stream, before + r.getLong(4));
        }
        StructType baseSchema = new StructType(new StructField[]{
                DataTypes.createStructField(SPLIT_INDEX, DataTypes.IntegerType, false),
                DataTypes.createStructField(DOMAIN_INDEX, DataTypes.IntegerType, false),
                DataTypes.createStructField(EPOCH, DataTypes.IntegerType, false),
                DataTypes.createStructField(BUCKET, DataTypes.LongType, false),
                DataTypes.createStructField("base", DataTypes.LongType, false),
        });
        return streams.join(broadcast(spark.createDataFrame(bases, baseSchema)), bucketKey)
                .withColumn(START, col("base").plus(sum(DocumentTokens.N).over(Window
                        .partitionBy(SPLIT_INDEX, DOMAIN_INDEX, EPOCH, BUCKET)
                        .orderBy(ORDER, DocumentTokens.DOC)
                        .rowsBetween(Window.unboundedPreceding(), Window.currentRow())))
                        .minus(col(DocumentTokens.N)));
    }

    /** Joins the sorted pieces of each position into one sequence. */
    private static final class Assembled implements Iterator<Sequence> {
        private final Iterator<Row> rows;
        private final int window;
        private final Layout layout;
        private final int partition = TaskContext.getPartitionId();
        private Row head;

        Assembled(Iterator<Row> rows, int window, Layout layout) {
            this.rows = rows;
            this.window = window;
            this.layout = layout;
            this.head = rows.hasNext() ? rows.next() : null;
        }

        @Override
        public boolean hasNext() {
            return head != null;
        }

        @Override
        public Sequence next() {
            if (head == null) {
                throw new java.util.NoSuchElementException();
            }
            int split = head.getInt(0);
            long position = head.getLong(1);
            if (layout.partOf(split, position) != partition) {
                throw new IllegalStateException("sequence " + position + " of split " + split + " belongs to part "
                        + layout.partOf(split, position) + " but reached partition " + partition
                        + ": Spark's hash partitioning is not the one the packer expects");
            }
            int[] ids = new int[window];
            int filled = 0;
            List<Integer> starts = new ArrayList<>(4);
            String domain = head.getString(3);
            while (head != null && head.getInt(0) == split && head.getLong(1) == position) {
                int off = head.getInt(2);
                ByteBuffer piece = ByteBuffer.wrap((byte[]) head.get(4)).order(ByteOrder.LITTLE_ENDIAN);
                int tokens = piece.remaining() / 4;
                if (off != filled || filled + tokens > window) {
                    throw new IllegalStateException("sequence " + position + ": piece at " + off + " of "
                            + tokens + " tokens after " + filled + " filled");
                }
                if (head.getBoolean(5)) {
                    starts.add(off);
                }
                piece.asIntBuffer().get(ids, filled, tokens);
                filled += tokens;
                head = rows.hasNext() ? rows.next() : null;
            }
            if (filled != window) {
                throw new IllegalStateException("sequence " + position + " has " + filled + " tokens, not " + window);
            }
            return new Sequence(ids, domain, starts.stream().mapToInt(Integer::intValue).toArray());
        }
    }
}
