package io.lmforge.pack;

import io.lmforge.mix.BatchSchedule;
import io.lmforge.mix.MixPlan;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.expressions.XXH64;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * Every piece of every sequence, worked out on the driver from the {@link DocumentIndex}: the
 * pieces {@link Packer}'s Spark plan computes for a large corpus (the same stream order, offsets
 * and positions), without its jobs. The executors look a document's pieces up by its id and cut
 * them from its ids where they read them.
 */
final class PiecePlan implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Spark's default seed for {@code xxhash64}. */
    private static final long SPARK_HASH_SEED = 42;

    private final int window;
    private final long[] docs;       // ids of the documents with pieces, sorted
    private final int[] first;       // the pieces of docs[i] are first[i] until first[i + 1]
    private final int[] split;
    private final long[] position;
    private final int[] off;
    private final int[] from;
    private final int[] len;

    private PiecePlan(int window, long[] docs, int[] first, int[] split, long[] position, int[] off, int[] from, int[] len) {
        this.window = window;
        this.docs = docs;
        this.first = first;
        this.split = split;
        this.position = position;
        this.off = off;
        this.from = from;
        this.len = len;
    }

    int window() {
        return window;
    }

    /** The stream order of a document in a pass: what {@code xxhash64(seed, epoch, key)} gives in Spark. */
    static long order(long seed, int epoch, long key) {
        return XXH64.hashLong(key, XXH64.hashInt(epoch, XXH64.hashLong(seed, SPARK_HASH_SEED)));
    }

    static PiecePlan of(DocumentIndex index, ValSplit val, List<MixPlan> plans, long seed) {
        int window = plans.get(0).window();
        Pieces p = new Pieces();
        for (int s = 0; s < plans.size(); s++) {
            MixPlan plan = plans.get(s);
            BatchSchedule schedule = plan.schedule();
            for (int k = 0; k < plan.domains().size(); k++) {
                MixPlan.Domain d = plan.domains().get(k);
                DocumentIndex.Domain docs = index.domains().get(d.name());
                if (docs == null || d.sequences() == 0) {
                    continue;
                }
                List<Integer> members = new ArrayList<>();
                for (int j = 0; j < docs.docs().length; j++) {
                    if (val.of(docs.hashes()[j]).equals(plan.split())) {
                        members.add(j);
                    }
                }
                long limit = d.sequences() * window;
                long start = 0;
                // The stream's sequences come in order, across passes too: a cursor replays each block once.
                BatchSchedule.Cursor positions = schedule.cursor(k);
                for (int e = 0; e < d.epochs() && start < limit; e++) {
                    long[] ord = new long[docs.docs().length];
                    for (int j : members) {
                        ord[j] = order(seed, e, docs.keys()[j]);
                    }
                    // Unsigned hash order, then document id: the order of the bucketed running sum in Spark.
                    members.sort((a, b) -> {
                        int c = Long.compareUnsigned(ord[a], ord[b]);
                        return c != 0 ? c : Long.compare(docs.docs()[a], docs.docs()[b]);
                    });
                    for (int j : members) {
                        int n = docs.lengths()[j];
                        for (long seq = start / window; seq < limit / window && seq * window < start + n; seq++) {
                            long lo = Math.max(start, seq * window);
                            long hi = Math.min(start + n, (seq + 1) * window);
                            p.add(docs.docs()[j], s, positions.position(seq), (int) (lo - seq * window),
                                    (int) (lo - start), (int) (hi - lo));
                        }
                        start += n;
                        if (start >= limit) {
                            break;
                        }
                    }
                }
            }
        }
        return p.build(window);
    }

    /** The pieces of a document as rows of {@link Packer#PIECES}, cut from its ids (little-endian int32 bytes). */
    Iterator<Row> cut(long doc, String domain, byte[] ids) {
        int i = Arrays.binarySearch(docs, doc);
        if (i < 0) {
            return Collections.emptyIterator();
        }
        List<Row> out = new ArrayList<>(first[i + 1] - first[i]);
        for (int q = first[i]; q < first[i + 1]; q++) {
            out.add(RowFactory.create(split[q], position[q], off[q], domain,
                    Arrays.copyOfRange(ids, from[q] * 4, (from[q] + len[q]) * 4), from[q] == 0));
        }
        return out.iterator();
    }

    /** Growable columns of pieces, in the order they are found. */
    private static final class Pieces {
        int n;
        long[] doc = new long[1024];
        int[] split = new int[1024];
        long[] position = new long[1024];
        int[] off = new int[1024];
        int[] from = new int[1024];
        int[] len = new int[1024];

        void add(long d, int s, long pos, int o, int f, int l) {
            if (n == doc.length) {
                int c = n * 2;
                doc = Arrays.copyOf(doc, c);
                split = Arrays.copyOf(split, c);
                position = Arrays.copyOf(position, c);
                off = Arrays.copyOf(off, c);
                from = Arrays.copyOf(from, c);
                len = Arrays.copyOf(len, c);
            }
            doc[n] = d;
            split[n] = s;
            position[n] = pos;
            off[n] = o;
            from[n] = f;
            len[n] = l;
            n++;
        }

        /** Grouped by document (a counting sort over the sorted distinct ids). */
        PiecePlan build(int window) {
            long[] ids = Arrays.stream(doc, 0, n).sorted().distinct().toArray();
            int[] first = new int[ids.length + 1];
            int[] rank = new int[n];
            for (int q = 0; q < n; q++) {
                rank[q] = Arrays.binarySearch(ids, doc[q]);
                first[rank[q] + 1]++;
            }
            for (int i = 0; i < ids.length; i++) {
                first[i + 1] += first[i];
            }
            int[] next = Arrays.copyOf(first, ids.length);
            int[] s = new int[n];
            long[] p = new long[n];
            int[] o = new int[n];
            int[] f = new int[n];
            int[] l = new int[n];
            for (int q = 0; q < n; q++) {
                int at = next[rank[q]]++;
                s[at] = split[q];
                p[at] = position[q];
                o[at] = off[q];
                f[at] = from[q];
                l[at] = len[q];
            }
            return new PiecePlan(window, ids, first, s, p, o, f, l);
        }
    }
}
