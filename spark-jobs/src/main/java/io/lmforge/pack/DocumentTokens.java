package io.lmforge.pack;

import io.lmforge.corpus.Columns;
import io.lmforge.tokenizer.DocumentEncoder;
import io.lmforge.tokenizer.TokenizerArtifact;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * The tokenization pass: every kept document becomes {@code <bos> ids <eos>}, encoded in the
 * executors by a {@link DocumentEncoder}, with its domain, a stable ordering key and a hash of its
 * text (which decides its split, see {@link ValSplit}).
 *
 * <p>The ids are kept as little-endian int32 bytes ({@link #IDS}, binary) until the shards are
 * assembled: Spark moves, slices and stores a binary value without touching each element.
 */
public final class DocumentTokens {
    public static final String DOC = "doc";
    public static final String SPLIT = "split";
    public static final String KEY = "key";
    public static final String TEXT_HASH = "text_hash";
    public static final String N = "n";
    public static final String IDS = "ids";
    public static final String TRAIN = "train";
    public static final String VAL = "val";

    static final StructType SCHEMA = new StructType(new StructField[]{
            DataTypes.createStructField(DOC, DataTypes.LongType, false),
            DataTypes.createStructField(Columns.DOMAIN, DataTypes.StringType, false),
            DataTypes.createStructField(KEY, DataTypes.LongType, false),
            DataTypes.createStructField(TEXT_HASH, DataTypes.LongType, false),
            DataTypes.createStructField(N, DataTypes.IntegerType, false),
            DataTypes.createStructField(IDS, DataTypes.BinaryType, false),
    });

    /** Documents encoded one by one are still taken in groups of this many. */
    private static final int PER_DOCUMENT_GROUP = 128;
    /** A batch is also cut at this much text, so one call never holds too much native memory. */
    private static final long BATCH_CHARS = 8L << 20;

    private DocumentTokens() {
    }

    /**
     * Lazily encodes the documents; the caller materializes the result. Each task also sends its
     * documents' lengths and hashes to {@code index} (a task with more than its share of
     * {@code indexLimit} documents sends only that it was over), and counts the documents Hugging
     * Face tokenizers encoded in {@code byHf}.
     */
    static Dataset<Row> encode(Dataset<Row> documents, TokenizerArtifact tokenizer, DocumentEncoder.Source encoder,
                               ShardSettings settings, DocumentIndex.Collector index, long indexLimit,
                               LongAccumulator byHf) {
        List<String> present = Arrays.asList(documents.columns());
        List<Column> keyParts = new ArrayList<>();
        for (String c : List.of(Columns.SOURCE, Columns.ID, Columns.FILE, Columns.OFFSET)) {
            if (present.contains(c)) {
                keyParts.add(col(c));
            }
        }
        keyParts.add(col(Columns.TEXT));
        Column domain = present.contains(Columns.SOURCE)
                ? coalesce(col(Columns.DOMAIN), col(Columns.SOURCE), lit("unknown")) : coalesce(col(Columns.DOMAIN), lit("unknown"));
        Dataset<Row> input = documents.filter(col(Columns.TEXT).isNotNull()).select(
                monotonically_increasing_id().as(DOC),
                domain.as(Columns.DOMAIN),
                xxhash64(keyParts.toArray(new Column[0])).as(KEY),
                xxhash64(col(Columns.TEXT)).as(TEXT_HASH),
                col(Columns.TEXT));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(documents.sparkSession().sparkContext());
        // Encoding is the whole cost of the pass: with fewer tasks than a few per core, one late task
        // leaves cores idle at the end, so a small input is spread out (moving the text is cheap beside
        // encoding it). Input files stand for input partitions in that test: asking Spark for the
        // partitions plans and compiles the query twice, which only a large input can afford.
        int partitions = 4 * jsc.defaultParallelism();
        if (documents.inputFiles().length < partitions) {
            input = input.repartition(partitions, col(KEY));
        } else {
            partitions = input.rdd().getNumPartitions();   // each task's share of the index budget
        }
        Broadcast<DocumentEncoder.Source> shared = jsc.broadcast(encoder);
        int bos = tokenizer.bos();
        int eos = tokenizer.eos();
        int batch = settings.encodeBatch();
        long budget = DocumentIndex.budget(indexLimit, partitions);
        return input.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new Encoded(rows,
                DocumentEncoder.shared(shared.value()), bos, eos, batch, new DocumentIndex.Gatherer(index, budget), byHf),
                Encoders.row(SCHEMA));
    }

    /** Encodes a partition batch by batch. */
    private static final class Encoded implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final DocumentEncoder encoder;
        private final int bos;
        private final int eos;
        private final int batch;
        private final DocumentIndex.Gatherer index;
        private final LongAccumulator byHf;
        private final List<Row> pending = new ArrayList<>();
        private Iterator<Row> out = java.util.Collections.emptyIterator();

        Encoded(Iterator<Row> rows, DocumentEncoder encoder, int bos, int eos, int batch, DocumentIndex.Gatherer index,
                LongAccumulator byHf) {
            this.rows = rows;
            this.encoder = encoder;
            this.bos = bos;
            this.eos = eos;
            this.batch = batch;
            this.index = index;
            this.byHf = byHf;
        }

        @Override
        public boolean hasNext() {
            while (!out.hasNext()) {
                if (!rows.hasNext()) {
                    index.finish();
                    return false;
                }
                pending.clear();
                long chars = 0;
                while (rows.hasNext() && pending.size() < Math.max(batch, PER_DOCUMENT_GROUP) && chars < BATCH_CHARS) {
                    Row r = rows.next();
                    pending.add(r);
                    chars += r.getString(4).length();
                }
                String[] texts = new String[pending.size()];
                for (int i = 0; i < texts.length; i++) {
                    texts[i] = pending.get(i).getString(4);
                }
                DocumentEncoder.Batch b = encoder.encode(texts, batch);
                int[][] encoded = b.ids();
                byHf.add(b.byHf());
                List<Row> done = new ArrayList<>(texts.length);
                for (int i = 0; i < texts.length; i++) {
                    Row r = pending.get(i);
                    int[] ids = encoded[i];
                    ByteBuffer packed = ByteBuffer.allocate(4 * (ids.length + 2)).order(ByteOrder.LITTLE_ENDIAN);
                    packed.putInt(bos);
                    for (int id : ids) {
                        packed.putInt(id);
                    }
                    packed.putInt(eos);
                    done.add(RowFactory.create(r.getLong(0), r.getString(1), r.getLong(2), r.getLong(3),
                            ids.length + 2, packed.array()));
                    index.add(r.getLong(0), r.getString(1), r.getLong(2), r.getLong(3), ids.length + 2);
                }
                out = done.iterator();
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            return out.next();
        }
    }
}
