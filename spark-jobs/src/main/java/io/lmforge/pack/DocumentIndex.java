package io.lmforge.pack;

import io.lmforge.corpus.Columns;
import io.lmforge.mix.MixPlanner;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the driver needs to plan the shards of a corpus that is not too large: every tokenized
 * document's id, ordering key, text hash and length (28 bytes, no ids), by domain. One Spark job
 * gathers it, each task sending one packed blob per domain; with it the split, the supply and
 * every piece are computed on the driver instead of in several more jobs.
 */
final class DocumentIndex {
    /** One domain's documents, in no particular order (everything that uses them sorts). */
    record Domain(String name, long[] docs, long[] keys, long[] hashes, int[] lengths) {
    }

    private static final StructType BLOB = new StructType(new StructField[]{
            DataTypes.createStructField(Columns.DOMAIN, DataTypes.StringType, true),
            DataTypes.createStructField("documents", DataTypes.LongType, false),
            DataTypes.createStructField("data", DataTypes.BinaryType, false)});

    private final Map<String, Domain> domains;

    private DocumentIndex(Map<String, Domain> domains) {
        this.domains = domains;
    }

    Map<String, Domain> domains() {
        return domains;
    }

    long documents() {
        return domains.values().stream().mapToLong(d -> d.docs().length).sum();
    }

    /**
     * The index, or empty when the corpus holds more than {@code limit} documents (then the
     * planning runs in Spark). Each task gives up past its share of the limit (twice an even
     * share, so some skew is fine), so the driver never receives much more than the limit.
     */
    static Optional<DocumentIndex> collect(Dataset<Row> tokens, long limit) {
        int partitions = Math.max(1, tokens.rdd().getNumPartitions());
        long budget = Math.max(1, 2 * limit / partitions);
        List<Row> blobs = tokens.select(DocumentTokens.DOC, Columns.DOMAIN, DocumentTokens.KEY, DocumentTokens.TEXT_HASH,
                        DocumentTokens.N)
                .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> pack(rows, budget), Encoders.row(BLOB))
                .collectAsList();
        Map<String, List<ByteBuffer>> parts = new TreeMap<>();
        Map<String, Integer> counts = new HashMap<>();
        long total = 0;
        for (Row b : blobs) {
            if (b.isNullAt(0)) {
                return Optional.empty();   // a task was over its budget
            }
            total += b.getLong(1);
            parts.computeIfAbsent(b.getString(0), k -> new ArrayList<>()).add(ByteBuffer.wrap((byte[]) b.get(2)));
            counts.merge(b.getString(0), (int) b.getLong(1), Integer::sum);
        }
        if (total > limit) {
            return Optional.empty();
        }
        Map<String, Domain> domains = new TreeMap<>();
        for (Map.Entry<String, List<ByteBuffer>> e : parts.entrySet()) {
            int n = counts.get(e.getKey());
            long[] docs = new long[n];
            long[] keys = new long[n];
            long[] hashes = new long[n];
            int[] lengths = new int[n];
            int i = 0;
            for (ByteBuffer in : e.getValue()) {
                while (in.hasRemaining()) {
                    docs[i] = in.getLong();
                    keys[i] = in.getLong();
                    hashes[i] = in.getLong();
                    lengths[i] = in.getInt();
                    i++;
                }
            }
            domains.put(e.getKey(), new Domain(e.getKey(), docs, keys, hashes, lengths));
        }
        return Optional.of(new DocumentIndex(domains));
    }

    /** Tokens and documents per split and domain. */
    Map<String, Map<String, MixPlanner.Supply>> supply(ValSplit split) {
        Map<String, Map<String, long[]>> sums = new HashMap<>();
        for (Domain d : domains.values()) {
            for (int i = 0; i < d.docs().length; i++) {
                long[] s = sums.computeIfAbsent(split.of(d.hashes()[i]), k -> new HashMap<>())
                        .computeIfAbsent(d.name(), k -> new long[2]);
                s[0] += d.lengths()[i];
                s[1]++;
            }
        }
        Map<String, Map<String, MixPlanner.Supply>> out = new HashMap<>();
        sums.forEach((s, byDomain) -> byDomain.forEach((d, v) ->
                out.computeIfAbsent(s, k -> new HashMap<>()).put(d, new MixPlanner.Supply(v[0], v[1]))));
        return out;
    }

    /** Every document's text hash, by domain. */
    Map<String, long[]> hashesByDomain() {
        Map<String, long[]> out = new TreeMap<>();
        domains.forEach((name, d) -> out.put(name, d.hashes()));
        return out;
    }

    /** A task's documents as one blob per domain, or one null-domain row if over budget. */
    private static Iterator<Row> pack(Iterator<Row> rows, long budget) {
        Map<String, ByteArrayOutputStream> bytes = new HashMap<>();
        Map<String, Long> counts = new HashMap<>();
        long n = 0;
        try {
            while (rows.hasNext()) {
                if (++n > budget) {
                    return Collections.singletonList(RowFactory.create(null, n, new byte[0])).iterator();
                }
                Row r = rows.next();
                ByteArrayOutputStream b = bytes.computeIfAbsent(r.getString(1), k -> new ByteArrayOutputStream());
                DataOutputStream out = new DataOutputStream(b);
                out.writeLong(r.getLong(0));
                out.writeLong(r.getLong(2));
                out.writeLong(r.getLong(3));
                out.writeInt(r.getInt(4));
                counts.merge(r.getString(1), 1L, Long::sum);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Row> out = new ArrayList<>();
        bytes.forEach((domain, b) -> out.add(RowFactory.create(domain, counts.get(domain), b.toByteArray())));
        return out.iterator();
    }
}
