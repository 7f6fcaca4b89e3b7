package io.lmforge.filter;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

import com.ibm.icu.text.BreakIterator;
import com.ibm.icu.util.ULocale;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
 * N-grams are compared by a 64-bit hash of their words, so no n-gram strings are built.
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
            Hashed hashed = Hashed.of(toArray(seq));
            Double[] out = new Double[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                out[i] = measure(hashed, sizes[i], top);
            }
            return out;
        };
        UserDefinedFunction u = udf(f, DataTypes.createArrayType(DataTypes.DoubleType));
        return u.apply(words);
    }

    private static final ThreadLocal<BreakIterator> CJK_WORDS =
            ThreadLocal.withInitial(() -> BreakIterator.getWordInstance(ULocale.CHINESE));

    /** The words, with each run of single CJK characters segmented into dictionary words. */
    static String[] toArray(scala.collection.Seq<String> seq) {
        String[] words = new String[seq.length()];
        for (int i = 0; i < words.length; i++) {
            words[i] = seq.apply(i);
        }
        return toArray(words);
    }

    /** The same for words the {@code jvm} engine scanned ({@link ScannedText}). */
    static String[] toArray(String[] words) {
        List<String> out = new ArrayList<>(words.length);
        StringBuilder run = new StringBuilder();
        for (String w : words) {
            if (w.length() == 1 && isCjk(w.charAt(0))) {
                run.append(w);
                continue;
            }
            segment(run, out);
            out.add(w);
        }
        segment(run, out);
        return out.toArray(new String[0]);
    }

    private static void segment(StringBuilder run, List<String> out) {
        if (run.length() == 0) {
            return;
        }
        String text = run.toString();
        BreakIterator it = CJK_WORDS.get();
        it.setText(text);
        for (int start = it.first(), end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
            out.add(text.substring(start, end));
        }
        run.setLength(0);
    }

    private static boolean isCjk(char c) {
        return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF)
                || (c >= 0xF900 && c <= 0xFAFF);
    }

    /** Words with their hashes and total length, computed once for every n. */
    record Hashed(String[] words, long[] hashes, long chars) {
        static Hashed of(String[] words) {
            long chars = 0;
            long[] hashes = new long[words.length];
            for (int i = 0; i < words.length; i++) {
                chars += words[i].length();
                hashes[i] = hash(words[i]);
            }
            return new Hashed(words, hashes, chars);
        }
    }

    /**
     * The share for one n, counting n-grams in an open-addressing hash table (linear in the
     * words). The same value as {@link #measureSorted}: a repeated n-gram is one whose hash occurs
     * twice; the top n-gram is, among the most frequent, the one with the smallest hash, measured
     * at its first occurrence.
     */
    static Double measure(Hashed hashed, int n, boolean top) {
        String[] words = hashed.words();
        long[] wordHash = hashed.hashes();
        long totalChars = hashed.chars();
        int grams = words.length - n + 1;
        if (totalChars == 0 || grams < 2) {
            return totalChars == 0 ? null : 0.0;
        }
        Table table = TABLES.get();
        table.reset(grams);
        long[] gramHash = table.grams;
        for (int i = 0; i < grams; i++) {
            long h = 0x9E3779B97F4A7C15L;
            for (int j = 0; j < n; j++) {
                h = mix(h * 31 + wordHash[i + j]);
            }
            gramHash[i] = h;
            table.add(h);
        }
        long part;
        if (top) {
            long best = 0;
            int bestCount = 1;
            for (int slot = 0; slot < table.keys.length; slot++) {
                int c = table.counts[slot];
                if (c > bestCount || (c == bestCount && c > 1 && table.keys[slot] < best)) {
                    bestCount = c;
                    best = table.keys[slot];
                }
            }
            part = 0;
            if (bestCount >= 2) {
                for (int i = 0; i < grams; i++) {
                    if (gramHash[i] == best) {
                        for (int j = 0; j < n; j++) {
                            part += words[i + j].length();
                        }
                        part *= bestCount;
                        break;
                    }
                }
            }
        } else {
            boolean[] covered = new boolean[words.length];
            for (int i = 0; i < grams; i++) {
                if (table.count(gramHash[i]) > 1) {
                    Arrays.fill(covered, i, i + n, true);
                }
            }
            part = 0;
            for (int i = 0; i < words.length; i++) {
                if (covered[i]) {
                    part += words[i].length();
                }
            }
        }
        return round(part, totalChars);
    }

    private static final ThreadLocal<Table> TABLES = ThreadLocal.withInitial(Table::new);

    /** Counts of 64-bit hashes; slots with count 0 are empty. Reused per thread. */
    private static final class Table {
        long[] keys = new long[1024];
        int[] counts = new int[1024];
        long[] grams = new long[512];
        int mask = 1023;

        void reset(int size) {
            int capacity = Integer.highestOneBit(Math.max(16, size) * 2) * 2;
            if (capacity > keys.length || capacity * 8 < keys.length) {
                keys = new long[capacity];
                counts = new int[capacity];
            } else {
                Arrays.fill(counts, 0);
            }
            mask = keys.length - 1;
            if (grams.length < size) {
                grams = new long[size];
            }
        }

        void add(long h) {
            int slot = (int) (h ^ (h >>> 32)) & mask;
            while (counts[slot] != 0 && keys[slot] != h) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = h;
            counts[slot]++;
        }

        int count(long h) {
            int slot = (int) (h ^ (h >>> 32)) & mask;
            while (counts[slot] != 0) {
                if (keys[slot] == h) {
                    return counts[slot];
                }
                slot = (slot + 1) & mask;
            }
            return 0;
        }
    }

    /** The share for one n by sorting the n-gram hashes: the definition {@link #measure} is tested against. */
    static Double measureSorted(Hashed hashed, int n, boolean top) {
        String[] words = hashed.words();
        long[] wordHash = hashed.hashes();
        long totalChars = hashed.chars();
        int grams = words.length - n + 1;
        if (totalChars == 0 || grams < 2) {
            return totalChars == 0 ? null : 0.0;
        }
        long[] gramHash = new long[grams];
        for (int i = 0; i < grams; i++) {
            long h = 0x9E3779B97F4A7C15L;
            for (int j = 0; j < n; j++) {
                h = mix(h * 31 + wordHash[i + j]);
            }
            gramHash[i] = h;
        }
        long[] sorted = gramHash.clone();
        Arrays.sort(sorted);
        return round(top ? topShare(words, n, gramHash, sorted) : duplicateShare(words, n, gramHash, sorted), totalChars);
    }

    /** Characters of the most frequent n-gram (occurring at least twice) times its count. */
    private static long topShare(String[] words, int n, long[] gramHash, long[] sorted) {
        long best = 0;
        int bestCount = 1;
        for (int i = 0; i < sorted.length; ) {
            int j = i;
            while (j < sorted.length && sorted[j] == sorted[i]) {
                j++;
            }
            if (j - i > bestCount) {
                bestCount = j - i;
                best = sorted[i];
            }
            i = j;
        }
        if (bestCount < 2) {
            return 0;
        }
        for (int i = 0; i < gramHash.length; i++) {
            if (gramHash[i] == best) {
                long chars = 0;
                for (int j = 0; j < n; j++) {
                    chars += words[i + j].length();
                }
                return chars * bestCount;
            }
        }
        return 0;
    }

    /** Characters of the words covered by n-grams that occur more than once, each word once. */
    private static long duplicateShare(String[] words, int n, long[] gramHash, long[] sorted) {
        boolean[] covered = new boolean[words.length];
        for (int i = 0; i < gramHash.length; i++) {
            int at = Arrays.binarySearch(sorted, gramHash[i]);
            boolean repeated = (at > 0 && sorted[at - 1] == gramHash[i])
                    || (at + 1 < sorted.length && sorted[at + 1] == gramHash[i]);
            if (repeated) {
                Arrays.fill(covered, i, i + n, true);
            }
        }
        long chars = 0;
        for (int i = 0; i < words.length; i++) {
            if (covered[i]) {
                chars += words[i].length();
            }
        }
        return chars;
    }

    private static double round(long part, long total) {
        return Math.round(10_000.0 * part / total) / 10_000.0;
    }

    private static long hash(String word) {
        byte[] b = word.getBytes(StandardCharsets.UTF_8);
        long h = 0xcbf29ce484222325L;
        for (byte x : b) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        return mix(h);
    }

    /** SplitMix64's finalizer: spreads bits so sums of hashes do not collide by structure. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
