package io.lmforge.filter;

import io.lmforge.config.Settings;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.size;

/**
 * Gopher: at least two occurrences of {@code the, be, to, of, and, that, have, with}: running text
 * has function words, keyword lists, tables and code do not. The filter runs before language
 * identification, so the default list adds the commonest function words of the other languages
 * the pipeline is likely to meet (German, French, Spanish, Italian, Portuguese, Russian,
 * Indonesian; none of them an English word), and Chinese and Japanese function characters (each a
 * word, see {@link TextViews}). A corpus in other languages adds theirs in {@code words}.
 */
record Stopwords(int min, List<String> words) implements FilterStep {
    static final String SIGNAL = "stopword_count";
    /** reference.conf's {@code filter.stopwords.words}. */
    static final List<String> DEFAULT_WORDS = from(io.lmforge.corpus.CorpusSettings.of(
            com.typesafe.config.ConfigFactory.empty(), "filter.stopwords")).words();

    private static final java.util.Map<List<String>, java.util.Set<String>> LOWERED = new java.util.concurrent.ConcurrentHashMap<>();

    /** The words lower-cased as {@link #signals()} does, built once per JVM and list. */
    java.util.Set<String> lowered() {
        return LOWERED.computeIfAbsent(words, ws -> java.util.Set.copyOf(
                ws.stream().map(w -> w.toLowerCase(Locale.ROOT)).distinct().toList()));
    }

    static Stopwords from(Settings s) {
        Stopwords out = new Stopwords(s.integer("min"), s.strings("words"));
        s.requireNoUnknownKeys();
        return out;
    }

    @Override
    public String name() {
        return "stopwords";
    }

    @Override
    public Map<String, Column> signals() {
        // IN over literals becomes a hash-set lookup (Spark's OptimizeIn); array_contains would scan the list.
        // LowerCase on the GPU for the words without σ or ς; Spark's lower for the rest (LowerCase says why).
        List<String> set = words.stream().map(w -> w.toLowerCase(Locale.ROOT)).distinct().toList();
        List<String> plain = set.stream().filter(LowerCase::sigmaFree).toList();
        Object[] sigma = set.stream().filter(w -> !LowerCase.sigmaFree(w)).toArray();
        return Map.of(SIGNAL, size(filter(TextViews.words(), w -> sigma.length == 0 ? LowerCase.of(w, plain).isin(plain.toArray())
                : LowerCase.of(w, plain).isin(plain.toArray()).or(lower(w).isin(sigma)))));
    }

    @Override
    public Object[] measure(ScannedText t) {
        Words words = t.words();
        long[] hashes = words.hashes();
        Memo memo = memos()[t.icuLower() ? 1 : 0];
        int n = 0;
        for (int i = 0; i < words.count(); i++) {
            // Lower-casing never shortens a word (WordsTest checks every code point), so a longer
            // word than every stopword is none.
            if (words.length(i) <= memo.longest && memo.isStopword(words.chars, words.start(i), words.end(i), hashes[i])) {
                n++;
            }
        }
        return new Object[]{n};
    }

    /** Per thread, per word list and case mapping: the memos. */
    private static final ThreadLocal<java.util.Map<List<String>, Memo[]>> MEMOS =
            ThreadLocal.withInitial(java.util.HashMap::new);
    /** Per thread: the word list last looked up and its memos, so a list is hashed once per task, not per document. */
    private static final ThreadLocal<Object[]> LAST = ThreadLocal.withInitial(() -> new Object[2]);

    /** This list's memos (each task deserializes its own copy of the step, so the list is found by its words). */
    private Memo[] memos() {
        Object[] last = LAST.get();
        if (last[0] != words) {
            last[1] = MEMOS.get().computeIfAbsent(words,
                    list -> new Memo[]{new Memo(lowered(), false), new Memo(lowered(), true)});
            last[0] = words;
        }
        return (Memo[]) last[1];
    }

    /**
     * Whether a word is a stopword once lower-cased, remembered by its characters: words repeat,
     * and lower-casing each occurrence (a string, Spark's case mapping) was most of the step's
     * time. Bounded: cleared when half full.
     */
    static final class Memo {
        private static final int CAPACITY = 1 << 16;
        private final java.util.Set<String> set;
        private final boolean icu;
        /** The stopwords {@link #packAscii} packs, sorted. */
        private final long[] asciiStopwords;
        /** The longest stopword, in UTF-16 chars. */
        final int longest;
        private final char[][] keys = new char[CAPACITY][];
        private final long[] hashes = new long[CAPACITY];
        private final boolean[] stop = new boolean[CAPACITY];
        private int size;

        Memo(java.util.Set<String> set, boolean icu) {
            this.set = set;
            this.icu = icu;
            this.longest = set.stream().mapToInt(String::length).max().orElse(0);
            this.asciiStopwords = set.stream().mapToLong(w -> packAscii(w.toCharArray(), 0, w.length()))
                    .filter(k -> k >= 0).sorted().toArray();
        }

        /**
         * An ASCII word of up to 8 chars, lower-cased as Spark does (ASCII alone, in any locale),
         * packed into a long: 7 bits a char and the length; -1 for any other word. Exact, so
         * such words, most of them, need no memo.
         */
        static long packAscii(char[] c, int from, int to) {
            if (to - from > 8) {
                return -1;
            }
            long key = to - from;
            for (int i = from; i < to; i++) {
                char x = c[i];
                if (x >= 0x80) {
                    return -1;
                }
                key = (key << 7) | (x >= 'A' && x <= 'Z' ? x + 32 : x);
            }
            return key;
        }

        boolean isStopword(char[] c, int from, int to, long hash) {
            long packed = packAscii(c, from, to);
            if (packed >= 0) {
                return Arrays.binarySearch(asciiStopwords, packed) >= 0;
            }
            int slot = (int) hash & (CAPACITY - 1);
            for (char[] k = keys[slot]; k != null; k = keys[slot]) {
                if (hashes[slot] == hash && java.util.Arrays.equals(k, 0, k.length, c, from, to)) {
                    return stop[slot];
                }
                slot = (slot + 1) & (CAPACITY - 1);
            }
            boolean out = set.contains(lowered(c, from, to));
            if (size >= CAPACITY / 2) {
                java.util.Arrays.fill(keys, null);
                size = 0;
                slot = (int) hash & (CAPACITY - 1);
            }
            keys[slot] = java.util.Arrays.copyOfRange(c, from, to);
            hashes[slot] = hash;
            stop[slot] = out;
            size++;
            return out;
        }

        /** Spark's lower of the word; CJK (caseless) directly. */
        private String lowered(char[] c, int from, int to) {
            String word = new String(c, from, to - from);
            for (int i = from; i < to; i++) {
                if (!ScannedText.isCjk(c[i])) {
                    return ScannedText.lower(word, icu);
                }
            }
            return word;
        }
    }

    @Override
    public DataType[] signalTypes() {
        return new DataType[]{DataTypes.IntegerType};
    }

    @Override
    public List<Rule> rules() {
        return List.of(Rules.below("few_stopwords", SIGNAL, min));
    }
}
