package io.lmforge.pack;

import io.lmforge.mix.MixPlanner;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.AccumulatorV2;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the driver needs to plan the shards of a corpus that is not too large: every tokenized
 * document's id, ordering key, text hash and length (28 bytes, no ids), by domain. The tokenize
 * pass's tasks send it back with their results (an accumulator, one packed blob per domain); with
 * it the split, the supply and every piece are computed on the driver instead of in Spark jobs.
 */
final class DocumentIndex {
    /** One domain's documents, in no particular order (everything that uses them sorts). */
    record Domain(String name, long[] docs, long[] keys, long[] hashes, int[] lengths) {
    }

    private final Map<String, Domain> domains;

    private DocumentIndex(Map<String, Domain> domains) {
        this.domains = domains;
    }

    Map<String, Domain> domains() {
        return domains;
    }

    /** A task's documents, one blob per domain (doc, key, text hash: 8 bytes each; length: 4), or over its budget. */
    record Part(int partition, boolean over, Map<String, byte[]> blobs, Map<String, Long> counts) implements Serializable {
    }

    /**
     * Gathers what the tokenize pass's tasks send back with their results: no job of its own.
     * Keyed by partition, so a task that runs twice counts once.
     */
    static final class Collector extends AccumulatorV2<Part, Map<Integer, Part>> {
        private final Map<Integer, Part> parts = new HashMap<>();

        @Override
        public boolean isZero() {
            return parts.isEmpty();
        }

        @Override
        public Collector copy() {
            Collector c = new Collector();
            c.parts.putAll(parts);
            return c;
        }

        @Override
        public void reset() {
            parts.clear();
        }

        @Override
        public void add(Part part) {
            parts.put(part.partition(), part);
        }

        @Override
        public void merge(AccumulatorV2<Part, Map<Integer, Part>> other) {
            parts.putAll(other.value());
        }

        @Override
        public Map<Integer, Part> value() {
            return parts;
        }

        /** A collector registered with the session's Spark context. */
        static Collector register(SparkSession spark) {
            Collector c = new Collector();
            spark.sparkContext().register(c);   // unnamed: the UI would print every blob
            return c;
        }
    }

    /** Collects one task's documents, up to its budget; {@link #finish} sends them. */
    static final class Gatherer {
        private final Collector collector;
        private final long budget;
        private final Map<String, ByteArrayOutputStream> bytes = new HashMap<>();
        private final Map<String, Long> counts = new HashMap<>();
        private long n;
        private boolean finished;

        Gatherer(Collector collector, long budget) {
            this.collector = collector;
            this.budget = budget;
        }

        void add(long doc, String domain, long key, long textHash, int length) {
            if (++n > budget) {
                bytes.clear();
                return;
            }
            try {
                DataOutputStream out = new DataOutputStream(bytes.computeIfAbsent(domain, k -> new ByteArrayOutputStream()));
                out.writeLong(doc);
                out.writeLong(key);
                out.writeLong(textHash);
                out.writeInt(length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            counts.merge(domain, 1L, Long::sum);
        }

        void finish() {
            if (finished) {
                return;
            }
            finished = true;
            Map<String, byte[]> blobs = new HashMap<>();
            if (n <= budget) {
                bytes.forEach((domain, b) -> blobs.put(domain, b.toByteArray()));
            }
            collector.add(new Part(TaskContext.getPartitionId(), n > budget, blobs, n <= budget ? counts : Map.of()));
        }
    }

    /** Each task's budget: twice an even share of the limit, so some skew is fine and the driver never gets much more. */
    static long budget(long limit, int partitions) {
        return Math.max(1, 2 * limit / Math.max(1, partitions));
    }

    /** The index, or empty when a task was over its budget or the corpus holds more than {@code limit} documents. */
    static Optional<DocumentIndex> of(Collector collector, long limit) {
        Map<String, List<ByteBuffer>> parts = new TreeMap<>();
        Map<String, Long> counts = new HashMap<>();
        long total = 0;
        for (Part p : collector.value().values()) {
            if (p.over()) {
                return Optional.empty();
            }
            p.blobs().forEach((domain, b) -> parts.computeIfAbsent(domain, k -> new ArrayList<>()).add(ByteBuffer.wrap(b)));
            for (Map.Entry<String, Long> c : p.counts().entrySet()) {
                counts.merge(c.getKey(), c.getValue(), Long::sum);
                total += c.getValue();
            }
        }
        if (total > limit) {
            return Optional.empty();
        }
        Map<String, Domain> domains = new TreeMap<>();
        for (Map.Entry<String, List<ByteBuffer>> e : parts.entrySet()) {
            int n = (int) (long) counts.get(e.getKey());
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

}
