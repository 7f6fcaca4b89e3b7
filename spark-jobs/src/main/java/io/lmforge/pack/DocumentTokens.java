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
 * The tokenization pass: every kept document becomes {@code <bos> ids <eos>} (either delimiter
 * may be absent, see {@link Delimiters}), encoded in the
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

    /** Spark's minimum of read tasks for a file scan. */
    static final String MIN_PARTITION_NUM = "spark.sql.files.minPartitionNum";

    /** Rows per batch of the Parquet reader in the tokenize pass (see {@link #splitConf}). */
    static final int READ_BATCH_ROWS = 64;

    /** Documents encoded one by one are still taken in groups of this many. */
    private static final int PER_DOCUMENT_GROUP = 128;
    /** A batch is also cut at this much text, so one call never holds too much native memory. */
    private static final long BATCH_CHARS = 8L << 20;

    private DocumentTokens() {
    }

    /**
     * The tokens put around each document's ids: {@code bos} before, {@code eos} after; -1 for none.
     * From {@code shards.bos-token} and {@code shards.eos-token}, else from tokenizer_config.json.
     */
    public record Delimiters(int bos, int eos) implements java.io.Serializable {
        /**
         * Resolves the settings against the tokenizer. A tokenizer whose config names neither a bos
         * nor an eos token, with neither setting given, is an error: documents would run together.
         */
        public static Delimiters of(TokenizerArtifact tokenizer, ShardSettings settings, String configFile) {
            java.util.Map<String, Integer> named = tokenizer.specialIds();
            if (settings.bosToken().isEmpty() && settings.eosToken().isEmpty()
                    && !named.containsKey("bos") && !named.containsKey("eos")) {
                throw new io.lmforge.config.InvalidConfigException(configFile + " names neither a bos_token nor an eos_token, "
                        + "so nothing says where a document ends: set shards.eos-token (and shards.bos-token) to a token "
                        + "of tokenizer.json, or to none");
            }
            com.fasterxml.jackson.databind.node.ObjectNode[] json = new com.fasterxml.jackson.databind.node.ObjectNode[1];
            int[] ids = new int[2];
            String[] roles = {"bos", "eos"};
            for (int k = 0; k < 2; k++) {
                java.util.Optional<String> setting = k == 0 ? settings.bosToken() : settings.eosToken();
                if (setting.isEmpty()) {
                    ids[k] = named.getOrDefault(roles[k], -1);
                } else if (setting.get().equals(ShardSettings.NONE)) {
                    ids[k] = -1;
                } else {
                    if (json[0] == null) {
                        json[0] = io.lmforge.tokenizer.TokenizerJson.parse(tokenizer.json(), "tokenizer.json");
                    }
                    ids[k] = io.lmforge.tokenizer.TokenizerJson.idOf(json[0], setting.get());
                    if (ids[k] < 0) {
                        throw new io.lmforge.config.InvalidConfigException("shards." + roles[k] + "-token = '" + setting.get()
                                + "' is not a token of the tokenizer (" + configFile.replaceAll("[^/]*$", "") + "tokenizer.json); "
                                + "name one of its tokens, or none");
                    }
                }
            }
            return new Delimiters(ids[0], ids[1]);
        }

        /** Tokens a document of {@code n} ids takes. */
        int length(int n) {
            return n + (bos >= 0 ? 1 : 0) + (eos >= 0 ? 1 : 0);
        }
    }

    /**
     * Lazily encodes the documents; the caller materializes the result. Each task also sends its
     * documents' lengths and hashes to {@code index} (a task with more than its share of
     * {@code indexLimit} documents sends only that it was over), and counts the documents Hugging
     * Face tokenizers encoded in {@code byHf}.
     */
    static Pass encode(Dataset<Row> documents, Delimiters delimiters, DocumentEncoder.Source encoder,
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
        // leaves cores idle at the end. The input is read in splits of about a task's share of its
        // bytes (splitConf), a row group each at least; only an input of fewer row groups than that is
        // spread out by a shuffle (moving the text of a small input is cheap beside encoding it).
        int target = tasks(jsc);
        String[] files = documents.inputFiles();
        int partitions = Math.max(target, files.length);   // each task's share of the index budget
        boolean shuffled = files.length < target && rowGroups(files, jsc.hadoopConfiguration()) < target;
        if (shuffled) {
            // Sorted so that a task that runs again (its cached block lost) numbers its documents alike.
            input = input.repartition(target, col(KEY)).sortWithinPartitions(KEY, TEXT_HASH, Columns.DOMAIN);
        }
        Broadcast<DocumentEncoder.Source> shared = jsc.broadcast(encoder);
        int batch = settings.encodeBatch();
        long budget = DocumentIndex.budget(indexLimit, partitions);
        return new Pass(input.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new Encoded(rows,
                DocumentEncoder.shared(shared.value()), delimiters, batch, new DocumentIndex.Gatherer(index, budget), byHf),
                Encoders.row(SCHEMA)), shuffled);
    }

    /** The encoded documents (rows of {@link #SCHEMA}, lazy), and whether their text is spread by a shuffle first. */
    record Pass(Dataset<Row> tokens, boolean shuffled) {
    }

    /**
     * Tasks the tokenize pass wants: eight per core, so that the last task, running while other
     * cores have nothing left, is short (with four, a core idled for half a task's time at the end:
     * 4 % of the pass with Hugging Face tokenizers on the bench's corpus).
     */
    static int tasks(JavaSparkContext jsc) {
        return 8 * jsc.defaultParallelism();
    }

    /**
     * The session settings under which the documents are read for the tokenize pass: splits of
     * about {@code 1 / tasks} of the input's bytes (Spark's default is one per core, and it packs
     * small files together as if opening one cost 4 MB, which encoding them makes negligible).
     * A key the user's Spark settings give (the config's {@code spark.conf}, spark-submit's
     * {@code --conf}) is left as they set it.
     */
    static java.util.Map<String, String> splitConf(JavaSparkContext jsc) {
        return splitConf(jsc.getConf(), tasks(jsc));
    }

    /** {@link #splitConf(JavaSparkContext)} given the context's settings and the pass's tasks. */
    static java.util.Map<String, String> splitConf(org.apache.spark.SparkConf user, int tasks) {
        java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();
        conf.put(MIN_PARTITION_NUM, String.valueOf(tasks));
        conf.put("spark.sql.files.openCostInBytes", "0");
        // Parquet's vectorized reader holds a batch's text in one growing array: at its default of
        // 4096 rows that is a task's whole text (tens of MB, regrown by doubling: 6 times the text
        // in garbage, in G1's humongous regions); a few documents at a time are as fast to read.
        conf.put("spark.sql.parquet.columnarReaderBatchSize", String.valueOf(READ_BATCH_ROWS));
        conf.keySet().removeIf(user::contains);
        return conf;
    }

    /** Row groups of the Parquet files among {@code files} (a file that is not Parquet counts as one). */
    private static long rowGroups(String[] files, org.apache.hadoop.conf.Configuration hadoop) {
        long n = 0;
        for (String f : files) {
            try (org.apache.parquet.hadoop.ParquetFileReader r = org.apache.parquet.hadoop.ParquetFileReader.open(
                    org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(f), hadoop))) {
                n += Math.max(1, r.getRowGroups().size());
            } catch (java.io.IOException | RuntimeException e) {
                n++;
            }
        }
        return n;
    }

    /** Encodes a partition batch by batch. */
    private static final class Encoded implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final DocumentEncoder encoder;
        private final Delimiters delimiters;
        private final int batch;
        private final DocumentIndex.Gatherer index;
        private final LongAccumulator byHf;
        private final List<Row> pending = new ArrayList<>();
        private Iterator<Row> out = java.util.Collections.emptyIterator();

        Encoded(Iterator<Row> rows, DocumentEncoder encoder, Delimiters delimiters, int batch, DocumentIndex.Gatherer index,
                LongAccumulator byHf) {
            this.rows = rows;
            this.encoder = encoder;
            this.delimiters = delimiters;
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
                    int n = delimiters.length(ids.length);
                    if (n == 0) {
                        continue;   // an empty text with neither delimiter: nothing to pack
                    }
                    byte[] bytes = new byte[4 * n];
                    // One bulk copy (an int per token through putInt cost a tenth of the encoding).
                    java.nio.IntBuffer packed = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
                    if (delimiters.bos() >= 0) {
                        packed.put(delimiters.bos());
                    }
                    packed.put(ids);
                    if (delimiters.eos() >= 0) {
                        packed.put(delimiters.eos());
                    }
                    done.add(RowFactory.create(r.getLong(0), r.getString(1), r.getLong(2), r.getLong(3), n, bytes));
                    index.add(r.getLong(0), r.getString(1), r.getLong(2), r.getLong(3), n);
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
