package io.lmforge.pack;

import io.lmforge.corpus.Columns;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;

/**
 * The validation split, stratified by domain: a domain of {@code n} documents gives the
 * {@code round(n * fraction)} whose text hashes are smallest (unsigned) to validation, so every
 * domain with enough documents is in it, in its own proportion, whatever the luck of the hash.
 * A text is validation if it is chosen in any domain: identical texts (same hash) always fall on
 * the same side, also across domains. Held as the sorted set of chosen text hashes.
 */
final class ValSplit implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Candidates per domain beyond the expected k: six standard deviations and a margin. */
    private static final double SIGMAS = 6;

    private final long[] hashes;   // sorted (signed), distinct

    private ValSplit(long[] hashes) {
        this.hashes = hashes;
    }

    boolean isVal(long textHash) {
        return Arrays.binarySearch(hashes, textHash) >= 0;
    }

    String of(long textHash) {
        return isVal(textHash) ? DocumentTokens.VAL : DocumentTokens.TRAIN;
    }

    int size() {
        return hashes.length;
    }

    /** Validation documents a domain of {@code n} documents gives. */
    static long quota(long n, double fraction) {
        return Math.round(n * fraction);
    }

    /** From every document's text hash, by domain (on the driver). */
    static ValSplit of(Map<String, long[]> hashesByDomain, double fraction) {
        List<long[]> chosen = new ArrayList<>();
        for (long[] hashes : hashesByDomain.values()) {
            chosen.add(smallest(hashes, quota(hashes.length, fraction)));
        }
        return new ValSplit(union(chosen));
    }

    /**
     * In Spark, for a corpus too large for the driver: counts per domain, then only the hashes
     * below a bound that holds the domain's k smallest with near certainty (the hashes are
     * uniform); a domain whose bound fell short is asked again with a wider one.
     */
    static ValSplit of(Dataset<Row> tokens, double fraction) {
        Map<String, Long> counts = new HashMap<>();
        for (Row r : tokens.groupBy(Columns.DOMAIN).count().collectAsList()) {
            counts.put(r.getString(0), r.getLong(1));
        }
        Map<String, long[]> candidates = new HashMap<>();
        double widen = 1;
        while (true) {
            List<Row> bounds = new ArrayList<>();
            for (Map.Entry<String, Long> c : counts.entrySet()) {
                long k = quota(c.getValue(), fraction);
                if (k > 0 && !candidates.containsKey(c.getKey())) {
                    double p = widen * (k + SIGMAS * Math.sqrt(k) + 16) / c.getValue();
                    // Unsigned bound p * 2^64, sign bit flipped so that signed order is unsigned order.
                    long flipped = p >= 1 ? Long.MAX_VALUE : (long) (Math.scalb(p, 64) - Math.scalb(1.0, 63));
                    bounds.add(RowFactory.create(c.getKey(), flipped, p >= 1));
                }
            }
            if (bounds.isEmpty()) {
                break;
            }
            StructType schema = new StructType(new StructField[]{
                    DataTypes.createStructField(Columns.DOMAIN, DataTypes.StringType, false),
                    DataTypes.createStructField("bound", DataTypes.LongType, false),
                    DataTypes.createStructField("all", DataTypes.BooleanType, false)});
            Column flippedHash = col(DocumentTokens.TEXT_HASH).bitwiseXOR(lit(Long.MIN_VALUE));
            for (Row r : tokens.select(Columns.DOMAIN, DocumentTokens.TEXT_HASH)
                    .join(broadcast(tokens.sparkSession().createDataFrame(bounds, schema)), Columns.DOMAIN)
                    .filter(col("all").or(flippedHash.lt(col("bound"))))
                    .groupBy(Columns.DOMAIN).agg(collect_list(DocumentTokens.TEXT_HASH)).collectAsList()) {
                List<Long> found = r.getList(1);
                if (found.size() >= quota(counts.get(r.getString(0)), fraction)) {
                    candidates.put(r.getString(0), found.stream().mapToLong(Long::longValue).toArray());
                }
            }
            widen *= 4;
        }
        List<long[]> chosen = new ArrayList<>();
        for (Map.Entry<String, long[]> c : candidates.entrySet()) {
            chosen.add(smallest(c.getValue(), quota(counts.get(c.getKey()), fraction)));
        }
        return new ValSplit(union(chosen));
    }

    /** The tokens with their split ({@link DocumentTokens#SPLIT}), by their text hash. */
    Dataset<Row> label(Dataset<Row> tokens) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(tokens.sparkSession().sparkContext());
        Broadcast<ValSplit> shared = jsc.broadcast(this);
        return tokens.withColumn(DocumentTokens.SPLIT, udf((UDF1<Long, String>) h -> shared.value().of(h), DataTypes.StringType)
                .apply(col(DocumentTokens.TEXT_HASH)));
    }

    /** The k smallest hashes (unsigned), and any copies of the k-th: ties never straddle. */
    private static long[] smallest(long[] hashes, long k) {
        if (k <= 0) {
            return new long[0];
        }
        long[] flipped = new long[hashes.length];
        for (int i = 0; i < hashes.length; i++) {
            flipped[i] = hashes[i] ^ Long.MIN_VALUE;
        }
        Arrays.sort(flipped);
        int end = (int) Math.min(k, flipped.length);
        while (end < flipped.length && flipped[end] == flipped[end - 1]) {
            end++;
        }
        long[] out = new long[end];
        for (int i = 0; i < end; i++) {
            out[i] = flipped[i] ^ Long.MIN_VALUE;
        }
        return out;
    }

    private static long[] union(List<long[]> parts) {
        return parts.stream().flatMapToLong(Arrays::stream).sorted().distinct().toArray();
    }
}
