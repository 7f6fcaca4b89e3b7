package io.lmforge.dedup;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;

/**
 * Computes a document's 64-bit SimHash and its exact-duplicate hash in one pass over the text.
 *
 * <p>Text is read as a stream of tokens: a word is a run of letters, digits and combining marks,
 * lowercased; a character of a script written without spaces (Han, kana, Thai, Lao, Khmer,
 * Myanmar) is a token of its own. The features are shingles of consecutive tokens: word n-grams
 * ({@code wordShingle} words) after a word, character n-grams ({@code cjkShingle} characters)
 * after such a character, so Chinese is measured in characters and mixed text works without a
 * language switch. A feature counted c times in the document votes with weight 1 + ln c
 * ({@link Weighting#LOG}, the default): measured on real text, plain counts ({@link Weighting#TF})
 * let the commonest words (or a hex dump's "00") outvote the content, which puts unrelated
 * documents within a few bits of each other.
 *
 * <p>Hot path: no object is created per token or per feature. Token hashes are FNV-1a over code
 * points finished with MurmurHash3's fmix64; features are counted in a reused open-addressing
 * table. With TF weights no table is needed: votes are counted eight bits at a time in byte
 * lanes through a 256-entry table, then flushed into int counters every 255 features.
 *
 * <p>The exact hash is MurmurHash3-128 (Guava) of the token-hash sequence: two documents are
 * exact duplicates when they have the same words in the same order, ignoring case, punctuation
 * and whitespace. A text without tokens is hashed from its raw characters instead and gets no
 * SimHash.
 *
 * <p>Not thread-safe: one instance per task. Changing anything here changes every fingerprint,
 * so fingerprints stored by earlier runs would no longer compare: bump {@link #VERSION}.
 */
public final class Fingerprinter {
    /** Stored beside fingerprints; a refresh refuses fingerprints made by another version or settings. */
    public static final int VERSION = 1;

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final int MAX_SHINGLE = 8;
    /** {@code SPREAD[b]} has bit i of b in the lowest bit of byte lane i. */
    private static final long[] SPREAD = new long[256];

    static {
        for (int b = 0; b < 256; b++) {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (long) ((b >>> i) & 1) << (8 * i);
            }
            SPREAD[b] = v;
        }
    }

    /** How a shingle's count in the document becomes its weight in the vote. */
    public enum Weighting {
        /** Every occurrence votes once: frequent words dominate. */
        TF,
        /** 1 + ln(count): repetition counts, but no word can outvote the text. */
        LOG,
        /** Every distinct shingle votes once. */
        BINARY
    }

    private final int wordShingle;
    private final int cjkShingle;
    private final Weighting weighting;
    /** Distinct shingles and their counts (open addressing), for the weightings other than TF. */
    private long[] keys = new long[1024];
    private int[] counts = new int[1024];
    private int distinct;
    private final double[] sums = new double[64];

    private final long[] lanes = new long[8];
    private final int[] ones = new int[64];
    private final long[] recent = new long[MAX_SHINGLE];
    private int inLanes;
    private long features;
    /**
     * The smallest feature hash, mixed, decides ties (frequent in short texts). It biases no bit
     * (a plain XOR of the votes would: on a tie its bit is the parity of n/2), and like a MinHash
     * it survives an edit with probability about the Jaccard similarity, so near-duplicates
     * mostly break their ties alike.
     */
    private long tieBreak;
    private long tokens;

    private long simHash;
    private long exactHi;
    private long exactLo;

    public Fingerprinter(int wordShingle, int cjkShingle, Weighting weighting) {
        this.weighting = weighting;
        if (wordShingle < 1 || wordShingle > MAX_SHINGLE || cjkShingle < 1 || cjkShingle > MAX_SHINGLE) {
            throw new IllegalArgumentException("shingle sizes must be in [1, " + MAX_SHINGLE + "]");
        }
        this.wordShingle = wordShingle;
        this.cjkShingle = cjkShingle;
    }

    /** Fingerprints {@code text}; read the results with the accessors. */
    public void fingerprint(CharSequence text) {
        java.util.Arrays.fill(lanes, 0);
        java.util.Arrays.fill(ones, 0);
        inLanes = 0;
        features = 0;
        tieBreak = Long.MAX_VALUE;
        tokens = 0;
        clearCounts();
        Hasher exact = Hashing.murmur3_128().newHasher();

        long word = FNV_OFFSET;
        int wordLength = 0;
        int n = text.length();
        for (int i = 0; i < n; ) {
            int c = text.charAt(i);
            int width = 1;
            if (Character.isHighSurrogate((char) c) && i + 1 < n) {
                c = Character.codePointAt(text, i);
                width = Character.charCount(c);
            }
            i += width;
            int kind = kind(c);
            if (kind == WORD) {
                word = (word ^ Character.toLowerCase(c)) * FNV_PRIME;
                wordLength++;
                continue;
            }
            if (wordLength > 0) {
                token(fmix64(word ^ wordLength), wordShingle, exact);
                word = FNV_OFFSET;
                wordLength = 0;
            }
            if (kind == CHARACTER) {
                token(fmix64((FNV_OFFSET ^ c) * FNV_PRIME ^ 0x5bd1e995L), cjkShingle, exact);
            }
        }
        if (wordLength > 0) {
            token(fmix64(word ^ wordLength), wordShingle, exact);
        }
        flushLanes();
        simHash = weighting == Weighting.TF ? signs() : weightedSigns();
        if (tokens == 0) {
            exact.putUnencodedChars(text);
        }
        long[] h = halves(exact.hash().asBytes());
        exactHi = h[0];
        exactLo = h[1];
    }

    /** The SimHash of a list of feature hashes, through the same vote counting as {@link #fingerprint}. */
    long simHashOfFeatures(long[] featureHashes) {
        java.util.Arrays.fill(lanes, 0);
        java.util.Arrays.fill(ones, 0);
        inLanes = 0;
        features = 0;
        tieBreak = Long.MAX_VALUE;
        for (long f : featureHashes) {
            vote(f);
        }
        flushLanes();
        return signs();
    }

    /** True when the last text had at least one token, so its SimHash means something. */
    public boolean hasFeatures() {
        return tokens > 0;
    }

    public long simHash() {
        return simHash;
    }

    public long exactHi() {
        return exactHi;
    }

    public long exactLo() {
        return exactLo;
    }

    /** Tokens in the last text (words plus characters of unspaced scripts). */
    public long tokens() {
        return tokens;
    }

    private void clearCounts() {
        if (distinct > 0) {
            java.util.Arrays.fill(counts, 0);
            distinct = 0;
        }
    }

    private void count(long feature) {
        features++;
        tieBreak = Math.min(tieBreak, feature);
        int mask = keys.length - 1;
        int slot = (int) feature & mask;
        while (counts[slot] != 0 && keys[slot] != feature) {
            slot = (slot + 1) & mask;
        }
        if (counts[slot] == 0) {
            keys[slot] = feature;
            if (++distinct * 2 > keys.length) {
                counts[slot] = 1;
                grow();
                return;
            }
        }
        counts[slot]++;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldCounts = counts;
        keys = new long[oldKeys.length * 2];
        counts = new int[oldCounts.length * 2];
        int mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldCounts[i] != 0) {
                int slot = (int) oldKeys[i] & mask;
                while (counts[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = oldKeys[i];
                counts[slot] = oldCounts[i];
            }
        }
    }

    private long weightedSigns() {
        java.util.Arrays.fill(sums, 0);
        for (int i = 0; i < keys.length; i++) {
            int c = counts[i];
            if (c == 0) {
                continue;
            }
            double w = weighting == Weighting.LOG ? 1 + Math.log(c) : 1;
            long f = keys[i];
            for (int bit = 0; bit < 64; bit++) {
                sums[bit] += ((f >>> bit) & 1) != 0 ? w : -w;
            }
        }
        long fp = 0;
        long ties = fmix64(tieBreak);
        for (int bit = 0; bit < 64; bit++) {
            if (sums[bit] > 1e-9 || (Math.abs(sums[bit]) <= 1e-9 && ((ties >>> bit) & 1) == 1)) {
                fp |= 1L << bit;
            }
        }
        return fp;
    }

    /** Bit i is set when more than half of the votes had bit i set; a tie takes a bit of the mixed {@link #tieBreak}. */
    private long signs() {
        long fp = 0;
        long ties = fmix64(tieBreak);
        for (int bit = 0; bit < 64; bit++) {
            long twice = 2L * ones[bit];
            if (twice > features || (twice == features && ((ties >>> bit) & 1) == 1)) {
                fp |= 1L << bit;
            }
        }
        return fp;
    }

    private void token(long hash, int shingle, Hasher exact) {
        exact.putLong(hash);
        recent[(int) (tokens % MAX_SHINGLE)] = hash;
        tokens++;
        // A shingle of the last `shingle` tokens (fewer at the start of the text).
        int size = (int) Math.min(shingle, tokens);
        long feature = hash;
        if (size > 1) {
            feature = 0;
            for (int back = size - 1; back >= 0; back--) {
                feature = Long.rotateLeft(feature, 23) ^ recent[(int) ((tokens - 1 - back) % MAX_SHINGLE)];
            }
            feature = fmix64(feature + size);
        }
        vote(feature);
    }

    private void vote(long feature) {
        if (weighting != Weighting.TF) {
            count(feature);
            return;
        }
        for (int lane = 0; lane < 8; lane++) {
            lanes[lane] += SPREAD[(int) (feature >>> (8 * lane)) & 0xFF];
        }
        features++;
        tieBreak = Math.min(tieBreak, feature);
        if (++inLanes == 255) {
            flushLanes();
        }
    }

    private void flushLanes() {
        for (int lane = 0; lane < 8; lane++) {
            long v = lanes[lane];
            for (int i = 0; i < 8; i++) {
                ones[8 * lane + i] += (int) ((v >>> (8 * i)) & 0xFF);
            }
            lanes[lane] = 0;
        }
        inLanes = 0;
    }

    static final int SEPARATOR = 0;
    static final int WORD = 1;
    static final int CHARACTER = 2;

    static int kind(int c) {
        if (c < 0x80) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? WORD : SEPARATOR;
        }
        if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF)) {
            return CHARACTER;
        }
        if (Character.isLetterOrDigit(c)) {
            return switch (Character.UnicodeScript.of(c)) {
                case HAN, HIRAGANA, KATAKANA, THAI, LAO, KHMER, MYANMAR -> CHARACTER;
                default -> WORD;
            };
        }
        int type = Character.getType(c);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK ? WORD : SEPARATOR;
    }

    /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    private static long[] halves(byte[] b) {
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[i] & 0xFF);
            lo = (lo << 8) | (b[8 + i] & 0xFF);
        }
        return new long[]{hi, lo};
    }
}
