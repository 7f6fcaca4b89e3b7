package io.lmforge.pipeline.report;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.lmforge.corpus.Columns.DOMAIN;
import static io.lmforge.corpus.Columns.DUPLICATE_OF;
import static io.lmforge.corpus.Columns.LANG;
import static io.lmforge.corpus.Columns.TEXT;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log2;
import static org.apache.spark.sql.functions.sum;

/**
 * What the corpus report computes from the rows rather than reads from the manifest: small Spark
 * aggregations whose results are a few hundred numbers, so no text reaches the driver.
 *
 * @param lengthsBefore per domain, documents per length bin (bin b holds lengths in [2^b, 2^(b+1)) characters) as read
 * @param lengthsAfter  the same for the kept documents
 * @param mix           the kept documents per domain and language, with their characters
 * @param clusterSizes  duplicate clusters by size (the kept document and the copies dedup removed)
 */
public record CorpusFigures(Map<String, Map<Integer, Long>> lengthsBefore, Map<String, Map<Integer, Long>> lengthsAfter,
                            List<MixRow> mix, Map<Long, Long> clusterSizes) {
    static final String NO_VALUE = "(none)";

    /** Kept documents of one domain and language. */
    public record MixRow(String domain, String lang, long documents, long characters) {
    }

    /**
     * @param read       every readable record as ingest read it (with {@code domain} and {@code text})
     * @param kept       {@code documents/}
     * @param rejected   {@code rejected/}
     * @param duplicates whether dedup removed anything (else the cluster sizes need no pass)
     */
    public static CorpusFigures of(Dataset<Row> read, Dataset<Row> kept, Dataset<Row> rejected, boolean duplicates) {
        // Both length histograms and the mix in one job: by side, domain, language and length bin.
        Map<String, Map<Integer, Long>> before = new TreeMap<>();
        Map<String, Map<Integer, Long>> after = new TreeMap<>();
        Map<List<String>, long[]> mix = new TreeMap<>(Comparator.comparing((List<String> k) -> k.get(0))
                .thenComparing(k -> k.get(1)));
        Dataset<Row> both = binned(read).withColumn("kept", lit(false)).unionByName(binned(kept).withColumn("kept", lit(true)));
        for (Row r : both.groupBy("kept", "d", "lang", "bin").agg(count(lit(1)), sum("chars")).collectAsList()) {
            boolean isKept = r.getBoolean(0);
            (isKept ? after : before).computeIfAbsent(r.getString(1), k -> new TreeMap<>())
                    .merge(r.getInt(3), r.getLong(4), Long::sum);
            if (isKept) {
                long[] m = mix.computeIfAbsent(List.of(r.getString(1), r.getString(2)), k -> new long[2]);
                m[0] += r.getLong(4);
                m[1] += r.isNullAt(5) ? 0 : r.getLong(5);
            }
        }
        Map<Long, Long> clusters = new TreeMap<>();
        if (duplicates) {
            for (Row r : rejected.filter(col(DUPLICATE_OF).isNotNull()).groupBy(col(DUPLICATE_OF)).count()
                    .groupBy(col("count").plus(1).as("size")).count().collectAsList()) {
                clusters.put(r.getLong(0), r.getLong(1));
            }
        }
        List<MixRow> rows = new ArrayList<>();
        mix.forEach((k, v) -> rows.add(new MixRow(k.get(0), k.get(1), v[0], v[1])));
        return new CorpusFigures(before, after, rows, clusters);
    }

    /** Domain, language, characters and length bin of each row. */
    private static Dataset<Row> binned(Dataset<Row> rows) {
        Column chars = coalesce(length(col(TEXT)), lit(0));
        return rows.select(coalesce(col(DOMAIN), lit(NO_VALUE)).as("d"), coalesce(col(LANG), lit(NO_VALUE)).as("lang"),
                chars.as("chars"), floor(log2(greatest(chars, lit(1)))).cast("int").as("bin"));
    }

    /** A bin's characters, from (inclusive) to (exclusive): "0–2", "2–4", ..., "1k–2k", "1M–2M". */
    static String binLabel(int bin) {
        return (bin == 0 ? "0" : compact(1L << bin)) + "–" + compact(1L << (bin + 1));
    }

    private static String compact(long powerOfTwo) {
        return powerOfTwo >= 1 << 20 ? (powerOfTwo >> 20) + "M" : powerOfTwo >= 1 << 10 ? (powerOfTwo >> 10) + "k"
                : Long.toString(powerOfTwo);
    }
}
