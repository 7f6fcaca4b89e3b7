package io.lmforge.dedup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lmforge.config.InvalidConfigException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static io.lmforge.corpus.Columns.ID;
import static io.lmforge.corpus.Columns.SOURCE;
import static io.lmforge.corpus.Columns.TEXT;
import static io.lmforge.corpus.Columns.UID;
import static org.apache.spark.sql.functions.col;

/**
 * Document fingerprints: computing them from text (the only step that reads text), and the
 * {@code OUT/fingerprints/} store a later run reads instead of the old text.
 *
 * <p>The store holds one row per document kept so far (this run's and, on a refresh, the
 * earlier ones it was given): {@code id, source, run_id, simhash, exact_hi, exact_lo, tokens,
 * quality, segments, sketch} (about 650 bytes a document with the default settings), plus {@code _lmforge_dedup.json} naming the fingerprint format, which a later run
 * checks before comparing.
 */
public final class Fingerprints {
    public static final String OUTPUT = "fingerprints";
    public static final String RUN_ID = "run_id";
    public static final String SIMHASH = "simhash";
    public static final String EXACT_HI = "exact_hi";
    public static final String EXACT_LO = "exact_lo";
    public static final String TOKENS = "tokens";
    public static final String QUALITY = "quality";
    public static final String SEGMENTS = "segments";
    public static final String SKETCH = "sketch";
    static final String META = "_lmforge_dedup.json";

    /** What {@link #compute} produces: one row per kept document of this run, without its text. */
    static final StructType COMPUTED = new StructType(new StructField[]{
            DataTypes.createStructField(UID, DataTypes.LongType, false),
            DataTypes.createStructField(ID, DataTypes.StringType, false),
            DataTypes.createStructField(SOURCE, DataTypes.StringType, false),
            DataTypes.createStructField(QUALITY, DataTypes.DoubleType, true),
            DataTypes.createStructField(SIMHASH, DataTypes.LongType, true),
            DataTypes.createStructField(EXACT_HI, DataTypes.LongType, false),
            DataTypes.createStructField(EXACT_LO, DataTypes.LongType, false),
            DataTypes.createStructField(TOKENS, DataTypes.IntegerType, false),
            DataTypes.createStructField(SEGMENTS, DataTypes.createArrayType(DataTypes.LongType, false), false),
            DataTypes.createStructField(SKETCH, DataTypes.BinaryType, false),
    });

    /** The stored form. */
    public static final StructType STORED = new StructType(new StructField[]{
            DataTypes.createStructField(ID, DataTypes.StringType, false),
            DataTypes.createStructField(SOURCE, DataTypes.StringType, false),
            DataTypes.createStructField(RUN_ID, DataTypes.StringType, false),
            DataTypes.createStructField(SIMHASH, DataTypes.LongType, true),
            DataTypes.createStructField(EXACT_HI, DataTypes.LongType, false),
            DataTypes.createStructField(EXACT_LO, DataTypes.LongType, false),
            DataTypes.createStructField(TOKENS, DataTypes.IntegerType, false),
            DataTypes.createStructField(QUALITY, DataTypes.DoubleType, true),
            DataTypes.createStructField(SEGMENTS, DataTypes.createArrayType(DataTypes.LongType, false), false),
            DataTypes.createStructField(SKETCH, DataTypes.BinaryType, false),
    });

    private static final ObjectMapper JSON = new ObjectMapper();

    private Fingerprints() {
    }

    /** Fingerprints of {@code docs} (which need {@code _uid, id, source, text}); {@code quality} may be a null literal. */
    static Dataset<Row> compute(Dataset<Row> docs, Column quality, DedupSettings settings) {
        return docs.select(col(UID), col(ID), col(SOURCE), quality.cast("double").as(QUALITY), col(TEXT))
                .mapPartitions(new Compute(settings), Encoders.row(COMPUTED));
    }

    /** One {@link Fingerprinter} per partition: no per-document setup, no per-token objects. */
    private static final class Compute implements MapPartitionsFunction<Row, Row> {
        private final DedupSettings settings;

        Compute(DedupSettings settings) {
            this.settings = settings;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            Fingerprinter fp = settings.fingerprinter();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    Row r = rows.next();
                    String text = r.isNullAt(4) ? "" : r.getString(4);
                    fp.fingerprint(text);
                    return RowFactory.create(r.getLong(0), r.getString(1), r.getString(2),
                            r.isNullAt(3) ? null : r.getDouble(3),
                            fp.hasFeatures() ? fp.simHash() : null, fp.exactHi(), fp.exactLo(),
                            (int) Math.min(Integer.MAX_VALUE, fp.tokens()), boxed(fp.segments()), fp.sketch());
                }
            };
        }
    }

    private static Long[] boxed(long[] values) {
        Long[] out = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /**
     * Reads earlier runs' stores, refusing one that is missing or was made with another
     * fingerprint format (its fingerprints would not be comparable with this run's).
     */
    static Dataset<Row> readPrevious(SparkSession spark, List<String> paths, DedupSettings settings) {
        Dataset<Row> all = null;
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        for (String p : paths) {
            JsonNode meta = readMeta(hadoop, p);
            String format = meta.path("format").asText("");
            int version = version(format);
            if (version > 0 && version < Fingerprinter.VERSION) {
                throw new InvalidConfigException("dedup.previous: the fingerprints at " + p + " are format v" + version
                        + " (written by an earlier lmforge: '" + format + "'), this version reads v" + Fingerprinter.VERSION
                        + " only: it verifies candidate pairs with the segment SimHashes and MinHash sketches that v"
                        + version + " lacks, and they cannot be made without the old text. Rebuild the store: run the "
                        + "earlier corpus's documents/ through this version (a corpus run with format = parquet over "
                        + "OUT/documents and stages = [dedup] writes v" + Fingerprinter.VERSION
                        + " fingerprints), then name its OUT/fingerprints here; or leave dedup.previous out");
            }
            if (!format.equals(settings.fingerprintFormat())) {
                throw new InvalidConfigException("dedup.previous: the fingerprints at " + p + " were made as '"
                        + format + "', this run makes '" + settings.fingerprintFormat()
                        + "'; they cannot be compared (use the earlier settings, or re-run the earlier corpus)");
            }
            Dataset<Row> one = spark.read().schema(STORED).parquet(p);
            all = all == null ? one : all.unionByName(one);
        }
        return all;
    }

    /** The N of a format named "simhash64 vN, ..."; 0 when it is not one. */
    static int version(String format) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^simhash64 v(\\d+)\\b").matcher(format);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static JsonNode readMeta(Configuration hadoop, String dir) {
        Path meta = new Path(dir, META);
        try {
            FileSystem fs = meta.getFileSystem(hadoop);
            if (!fs.exists(meta)) {
                throw new InvalidConfigException("dedup.previous: no lmforge fingerprints at " + dir + " (missing "
                        + META + "); point it at OUT/fingerprints of an earlier corpus run");
            }
            try (FSDataInputStream in = fs.open(meta)) {
                return JSON.readTree(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("dedup.previous: cannot read " + meta + ": " + e.getMessage(), e);
        }
    }

    /** Writes the store to {@code dir} (overwriting), then its format file. */
    static void write(Dataset<Row> stored, String dir, DedupSettings settings, String compression) {
        stored.select(storedColumns()).write().mode("overwrite").option("compression", compression).parquet(dir);
        ObjectNode meta = JSON.createObjectNode();
        meta.put("format", settings.fingerprintFormat());
        meta.put("k", settings.k());
        meta.put("note", "lmforge dedup fingerprints: pass this directory as dedup.previous in a later run");
        Path path = new Path(dir, META);
        try {
            FileSystem fs = path.getFileSystem(stored.sparkSession().sparkContext().hadoopConfiguration());
            try (FSDataOutputStream out = fs.create(path, true)) {
                out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    private static Column[] storedColumns() {
        List<Column> cols = new ArrayList<>();
        for (StructField f : STORED.fields()) {
            cols.add(col(f.name()));
        }
        return cols.toArray(new Column[0]);
    }
}
