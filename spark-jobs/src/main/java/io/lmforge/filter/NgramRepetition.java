package io.lmforge.filter;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

import com.ibm.icu.text.BreakIterator;
import com.ibm.icu.util.ULocale;

import java.util.Arrays;

import static org.apache.spark.sql.functions.udf;

/**
 * Gopher's n-gram repetition measures over a document's words. This is a Java UDF: counting
 * n-grams needs a hash table per document, which no Spark SQL built-in offers (a sort-based
 * expression over arrays would be slower and still not run on a GPU).
 *
 * <p>Both measures are shares of the characters of the words (separators not counted):
 * <ul>
 * <li>top n-gram share: the characters of the most frequent n-gram times its count, when it
 * occurs more than once;</li>
 * <li>duplicate n-gram share: the characters of the words covered by any n-gram that occurs
 * more than once, each word counted once even where such n-grams overlap (the Gopher paper's
 * definition).</li>
 * </ul>
 * N-grams are compared exactly, without building n-gram strings: each distinct word gets an id,
 * n-grams are found in a hash table by a rolling hash of their words, and two n-grams with the
 * same hash are compared id by id. When several n-grams are the most frequent, the top one is the
 * first to occur (as Python's {@code Counter.most_common}, which Gopher's reference code uses).
 *
 * <p>Chinese and Japanese: {@link TextViews} makes each Han or kana character a word, which is
 * right for counting but wrong for repetition (a five-character katakana loanword would be a
 * "5-gram"). Runs of such characters are re-segmented into dictionary words with ICU's word
 * break iterator (ICU4J ships with Spark), so the Gopher limits mean the same in every language.
 */
final class NgramRepetition {
    private NgramRepetition() {
    }

    /**
     * The shares for each n of {@code ns}, in that order, as an array (null for empty input):
     * {@code top} true: top n-gram shares; false: duplicate n-gram shares. One call per document
     * for all n, so the words are converted, segmented and hashed once.
     */
    static Column shares(Column words, int[] ns, boolean top) {
        int[] sizes = ns.clone();
        UDF1<scala.collection.Seq<String>, Double[]> f = seq -> {
            if (seq == null) {
                return null;
            }
            String[] strings = new String[seq.length()];
            for (int i = 0; i < strings.length; i++) {
                strings[i] = seq.apply(i);
            }
            Grams grams = Grams.of(Words.of(strings));
            Double[] out = new Double[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                out[i] = measure(grams, sizes[i], top);
            }
            return out;
        };
        UserDefinedFunction u = udf(f, DataTypes.createArrayType(DataTypes.DoubleType));
        return u.apply(words);
    }

    private static final ThreadLocal<BreakIterator> CJK_WORDS =
            ThreadLocal.withInitial(() -> BreakIterator.getWordInstance(ULocale.CHINESE));

    /**
     * The words n-grams are made of, each with an id (equal ids: equal characters) and a hash of
     * its characters, computed once for every n.
     */
    static final class Grams {
        final Words words;
        final int[] ids;
        final long[] hashes;
        final long chars;

        /** N-gram sizes counted so far: the parts of the shares for n = 1 .. level. */
        private int level;
        /** At {@code level}: whether the n-gram at word i occurs more than once; its rolling hash. */
        private boolean[] repeated;
        private long[] gramHashes;
        private final java.util.List<long[]> parts = new java.util.ArrayList<>();

        private Grams(Words words, int[] ids, long chars) {
            this.words = words;
            this.ids = ids;
            this.hashes = words.hashes();
            this.chars = chars;
        }

        /** The words with each run of single CJK characters segmented into dictionary words. */
        static Grams of(Words words) {
            Words segmented = segmented(words);
            long chars = 0;
            for (int i = 0; i < segmented.count(); i++) {
                chars += segmented.length(i);
            }
            return new Grams(segmented, ids(segmented), chars);
        }

        /** Word {@code i} as a string (tests). */
        String word(int i) {
            return words.word(i);
        }

        int count() {
            return words.count();
        }
    }

    /** {@code words}, or, where runs of two or more single CJK characters occur, a copy with each run segmented. */
    static Words segmented(Words w) {
        int n = w.count();
        boolean runs = false;
        for (int i = 1; i < n && !runs; i++) {
            runs = singleCjk(w, i) && singleCjk(w, i - 1);
        }
        if (!runs) {
            return w;
        }
        int total = 0;
        for (int i = 0; i < n; i++) {
            total += w.length(i);
        }
        char[] chars = new char[total];
        int[] starts = new int[total];
        int[] ends = new int[total];
        int count = 0;
        int at = 0;
        BreakIterator it = CJK_WORDS.get();
        for (int i = 0; i < n; ) {
            if (!singleCjk(w, i)) {
                System.arraycopy(w.chars, w.start(i), chars, at, w.length(i));
                starts[count] = at;
                at += w.length(i);
                ends[count++] = at;
                i++;
                continue;
            }
            int runStart = at;
            int j = i;
            while (j < n && singleCjk(w, j)) {
                chars[at++] = w.chars[w.start(j)];
                j++;
            }
            if (j - i == 1) {
                starts[count] = runStart;
                ends[count++] = at;
            } else {
                it.setText(new String(chars, runStart, at - runStart));
                for (int s = it.first(), e = it.next(); e != BreakIterator.DONE; s = e, e = it.next()) {
                    starts[count] = runStart + s;
                    ends[count++] = runStart + e;
                }
            }
            i = j;
        }
        return Words.ofRanges(chars, starts, ends, count);
    }

    private static boolean singleCjk(Words w, int i) {
        return w.length(i) == 1 && ScannedText.isCjk(w.chars[w.start(i)]);
    }

    /** An id per word, the same for words of the same characters: the first such word's index. */
    private static int[] ids(Words w) {
        int n = w.count();
        int[] ids = new int[n];
        long[] hashes = w.hashes();
        int capacity = Integer.highestOneBit(Math.max(8, n) * 2) * 2;
        int[] slots = new int[capacity];
        Arrays.fill(slots, -1);
        int mask = capacity - 1;
        char[] c = w.chars;
        for (int i = 0; i < n; i++) {
            int slot = (int) hashes[i] & mask;
            while (true) {
                int other = slots[slot];
                if (other < 0) {
                    slots[slot] = i;
                    ids[i] = i;
                    break;
                }
                if (hashes[other] == hashes[i]
                        && Arrays.equals(c, w.start(other), w.end(other), c, w.start(i), w.end(i))) {
                    ids[i] = other;
                    break;
                }
                slot = (slot + 1) & mask;
            }
        }
        return ids;
    }

    /** The rolling hash's base: odd, so the powers never become 0. */
    private static final long BASE = 0x9E3779B97F4A7C15L;

    /**
     * The share for one n. N-grams are counted size by size from single words up, each size in an
     * open-addressing hash table keyed by a rolling hash of its words' hashes; n-grams with equal
     * hashes are the same only when their word ids are. An n-gram can only repeat where both
     * (n-1)-grams in it repeat, so each size counts just those: few beyond n = 3 in most text.
     */
    static Double measure(Grams g, int n, boolean top) {
        long totalChars = g.chars;
        int grams = g.count() - n + 1;
        if (totalChars == 0 || grams < 2) {
            return totalChars == 0 ? null : 0.0;
        }
        while (g.level < n) {
            countNext(g);
        }
        long part = g.parts.get(n - 1)[top ? 0 : 1];
        return Math.round(10_000.0 * part / totalChars) / 10_000.0;
    }

    /** Counts the n-grams one word longer than the last counted: their top and duplicate parts. */
    private static void countNext(Grams g) {
        Words words = g.words;
        int count = words.count();
        int n = g.level + 1;
        int grams = Math.max(0, count - n + 1);
        boolean[] repeated = new boolean[count];
        int bestCount = 1;
        int bestFirst = -1;
        if (n == 1) {
            int[] occurrences = new int[count];
            for (int id : g.ids) {
                occurrences[id]++;
            }
            for (int i = 0; i < count; i++) {
                int c = occurrences[g.ids[i]];
                repeated[i] = c > 1;
                if (c > bestCount) {
                    bestCount = c;
                    bestFirst = i;
                }
            }
            g.gramHashes = g.hashes.clone();
        } else {
            long[] h = g.gramHashes;
            boolean[] shorter = g.repeated;
            Table table = TABLES.get();
            int candidates = 0;
            for (int i = 0; i < grams; i++) {
                h[i] = h[i] * BASE + g.hashes[i + n - 1];
                if (shorter[i] && shorter[i + 1]) {
                    candidates++;
                }
            }
            if (candidates > 0) {
                table.reset(candidates, grams);
                int[] slots = table.gramSlots;
                for (int i = 0; i < grams; i++) {
                    slots[i] = shorter[i] && shorter[i + 1] ? table.add(h[i], i, g.ids, n) : -1;
                }
                for (int i = 0; i < grams; i++) {
                    repeated[i] = slots[i] >= 0 && table.counts[slots[i]] > 1;
                }
                for (int slot = 0; slot < table.counts.length; slot++) {
                    int c = table.counts[slot];
                    if (c > bestCount || (c == bestCount && c > 1 && table.firsts[slot] < bestFirst)) {
                        bestCount = c;
                        bestFirst = table.firsts[slot];
                    }
                }
            }
        }
        long top = 0;
        if (bestCount >= 2) {
            for (int j = 0; j < n; j++) {
                top += words.length(bestFirst + j);
            }
            top *= bestCount;
        }
        // A word is covered when a repeated n-gram starts at most n-1 words before it.
        long duplicate = 0;
        int lastRepeated = Integer.MIN_VALUE;
        for (int i = 0; i < count; i++) {
            if (repeated[i]) {
                lastRepeated = i;
            }
            if (lastRepeated > i - n) {
                duplicate += words.length(i);
            }
        }
        g.repeated = repeated;
        g.parts.add(new long[]{top, duplicate});
        g.level = n;
    }

    private static final ThreadLocal<Table> TABLES = ThreadLocal.withInitial(Table::new);

    /** Counts of n-grams by hash; slots with count 0 are empty. Reused per thread. */
    private static final class Table {
        long[] keys = new long[1024];
        int[] counts = new int[1024];
        int[] firsts = new int[1024];
        int[] gramSlots = new int[512];
        int mask = 1023;

        /** Room for {@code size} n-grams, and a slot for each of {@code grams} positions. */
        void reset(int size, int grams) {
            int capacity = Integer.highestOneBit(Math.max(16, size) * 2) * 2;
            if (capacity > keys.length || capacity * 8 < keys.length) {
                keys = new long[capacity];
                counts = new int[capacity];
                firsts = new int[capacity];
            } else {
                Arrays.fill(counts, 0);
            }
            mask = keys.length - 1;
            if (gramSlots.length < grams) {
                gramSlots = new int[grams];
            }
        }

        /** Counts the n-gram at word {@code i}; its slot. */
        int add(long h, int i, int[] ids, int n) {
            int slot = (int) Words.mix(h) & mask;
            while (counts[slot] != 0) {
                if (keys[slot] == h && sameGram(ids, firsts[slot], i, n)) {
                    counts[slot]++;
                    return slot;
                }
                slot = (slot + 1) & mask;
            }
            keys[slot] = h;
            firsts[slot] = i;
            counts[slot] = 1;
            return slot;
        }

        private static boolean sameGram(int[] ids, int a, int b, int n) {
            for (int j = 0; j < n; j++) {
                if (ids[a + j] != ids[b + j]) {
                    return false;
                }
            }
            return true;
        }
    }
}
