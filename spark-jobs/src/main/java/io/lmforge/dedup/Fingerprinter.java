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
 * <p>Two more things come out of the same pass, for finding copies that share only part of
 * their text:
 * <ul>
 *   <li><b>Segment SimHashes.</b> The token stream is cut into content-defined segments: a
 *   segment ends after a token where a hash of the last three tokens is 0 modulo
 *   {@code mean - min}, once it has {@code min} tokens, or at {@code max} tokens. Boundaries
 *   depend only on nearby words, so an insertion or deletion moves only the boundaries near it,
 *   and the untouched parts of an edited copy cut into the same segments as the original. Each
 *   segment gets a SimHash of its own features, weighted as the document's. A tail shorter than
 *   {@code min} is dropped (the document's SimHash covers it), repeated segments count once, and
 *   a document with more than {@code maxPerDocument} segments keeps those with the smallest
 *   mixed fingerprint, a consistent sample: two copies of a long text keep mostly the same ones.</li>
 *   <li><b>A MinHash sketch</b> ({@link MinHashSketch}, bottom-k) of the document's word 5-grams
 *   (character 5-grams in Chinese; the whole token sequence when it is shorter than five), from
 *   which the Jaccard similarity of two documents is estimated without their text.</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per task. Changing anything here changes every fingerprint,
 * so fingerprints stored by earlier runs would no longer compare: bump {@link #VERSION}.
 */
public final class Fingerprinter {
    /** Stored beside fingerprints; a refresh refuses fingerprints made by another version or settings. */
    public static final int VERSION = 2;
    /** Tokens per shingle of the MinHash sketch: the word 5-grams. */
    public static final int SKETCH_SHINGLE = 5;

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final int MAX_SHINGLE = 8;
    /** Index mask of the ring of recent token hashes ({@code MAX_SHINGLE} is a power of two). */
    private static final int RING = MAX_SHINGLE - 1;
    /** {@code SPREAD[b]} has bit i of b in the lowest bit of byte lane i. */
    private static final long[] SPREAD = new long[256];

    /** For an ASCII character: its lowercase when it belongs to a word, else 0. */
    private static final byte[] ASCII_WORD = new byte[0x80];

    static {
        for (int c = 0; c < 0x80; c++) {
            ASCII_WORD[c] = kind(c) == Fingerprinter.WORD ? (byte) Character.toLowerCase(c) : 0;
        }
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

    /**
     * Content-defined segments, in tokens: at least {@code min}, {@code mean} on average (the
     * length after {@code min} is geometric), at most {@code max}; at most {@code maxPerDocument}
     * per document (0: no segments).
     */
    public record Segmenting(int min, int mean, int max, int maxPerDocument) implements java.io.Serializable {
        public static final Segmenting NONE = new Segmenting(1, 2, 2, 0);

        public Segmenting {
            if (min < 1 || mean <= min || max < mean || maxPerDocument < 0) {
                throw new IllegalArgumentException("segments need 1 <= min < mean <= max and maxPerDocument >= 0, got "
                        + min + ", " + mean + ", " + max + ", " + maxPerDocument);
            }
        }
    }

    private final int wordShingle;
    private final int cjkShingle;
    private final Weighting weighting;
    private final Segmenting segmenting;
    private final MinHashSketch sketch;
    /** The features of the current segment, and the document's segment fingerprints. */
    private long[] segmentFeatures = new long[256];
    private int segmentLength;
    /** The current segment's distinct features and their counts. */
    private final FeatureCounts segmentCounts;
    private long[] segments = new long[16];
    private int segmentCount;
    private long[] selected = new long[0];
    /**
     * Distinct shingles and their counts, for the weightings other than TF. The table keeps the
     * size of the longest document so far, so a short one costs only its own features.
     */
    private final FeatureCounts counts = new FeatureCounts(1024);
    /** Slots of the repeated features, sorted before they vote so the weights add up in slot order. */
    private int[] repeated = new int[64];
    /** The document's votes, and the current segment's. */
    private final Votes votes = new Votes();
    private final Votes segmentVotes = new Votes();
    private final long[] recent = new long[MAX_SHINGLE];
    /**
     * The smallest feature hash, mixed, decides ties (frequent in short texts). It biases no bit
     * (a plain XOR of the votes would: on a tie its bit is the parity of n/2), and like a MinHash
     * it survives an edit with probability about the Jaccard similarity, so near-duplicates
     * mostly break their ties alike.
     */
    private long tieBreak;
    private long tokens;
    /** The sketch shingle of the last tokens before its final mix (see {@link #shingle}). */
    private long sketchRaw;

    private long simHash;
    private long exactHi;
    private long exactLo;

    /** Document SimHash, exact hash and a 128-value sketch; no segments. */
    public Fingerprinter(int wordShingle, int cjkShingle, Weighting weighting) {
        this(wordShingle, cjkShingle, weighting, Segmenting.NONE, 128);
    }

    public Fingerprinter(int wordShingle, int cjkShingle, Weighting weighting, Segmenting segmenting, int sketchSize) {
        this.weighting = weighting;
        this.segmenting = segmenting;
        this.sketch = new MinHashSketch(sketchSize);
        if (segmenting.max() > segmentFeatures.length) {
            segmentFeatures = new long[segmenting.max()];
        }
        // At most half full with a whole segment of distinct features: it never grows.
        segmentCounts = new FeatureCounts(Integer.highestOneBit(segmentFeatures.length) * 4);
        if (wordShingle < 1 || wordShingle > MAX_SHINGLE || cjkShingle < 1 || cjkShingle > MAX_SHINGLE) {
            throw new IllegalArgumentException("shingle sizes must be in [1, " + MAX_SHINGLE + "]");
        }
        this.wordShingle = wordShingle;
        this.cjkShingle = cjkShingle;
    }

    /** Fingerprints {@code text}; read the results with the accessors. */
    public void fingerprint(CharSequence text) {
        votes.clear();
        tieBreak = Long.MAX_VALUE;
        tokens = 0;
        sketchRaw = 0;
        clearCounts();
        sketch.reset();
        segmentLength = 0;
        segmentCount = 0;
        Hasher exact = Hashing.murmur3_128().newHasher();

        long word = FNV_OFFSET;
        int wordLength = 0;
        int n = text.length();
        for (int i = 0; i < n; ) {
            int c = text.charAt(i);
            if (c < 0x80) {
                // Most text is ASCII: one table look-up gives both the kind and the lowercase.
                i++;
                int lower = ASCII_WORD[c];
                if (lower != 0) {
                    word = (word ^ lower) * FNV_PRIME;
                    wordLength++;
                } else if (wordLength > 0) {
                    token(fmix64(word ^ wordLength), wordShingle, exact);
                    word = FNV_OFFSET;
                    wordLength = 0;
                }
                continue;
            }
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
        simHash = weighting == Weighting.TF ? votes.signs(tieBreak) : weightedSigns();
        if (tokens > 0 && tokens < SKETCH_SHINGLE) {
            sketch.add(shingle((int) tokens));
        }
        if (segmentLength >= segmenting.min()) {
            endSegment();
        }
        selectSegments();
        if (tokens == 0) {
            exact.putUnencodedChars(text);
        }
        long[] h = halves(exact.hash().asBytes());
        exactHi = h[0];
        exactLo = h[1];
    }

    /** The SimHash of a list of feature hashes, through the same vote counting as {@link #fingerprint}. */
    long simHashOfFeatures(long[] featureHashes) {
        votes.clear();
        tieBreak = Long.MAX_VALUE;
        for (long f : featureHashes) {
            vote(f);
        }
        return votes.signs(tieBreak);
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

    /** The last text's segment SimHashes (distinct, none equal to {@link #simHash()}); a fresh array. */
    public long[] segments() {
        return selected.clone();
    }

    /** The last text's MinHash sketch of its 5-token shingles ({@link MinHashSketch#toBytes()}). */
    public byte[] sketch() {
        return sketch.toBytes();
    }

    /** Tokens in the last text (words plus characters of unspaced scripts). */
    public long tokens() {
        return tokens;
    }

    private void clearCounts() {
        counts.clear();
    }

    private void count(long feature) {
        tieBreak = Math.min(tieBreak, feature);
        counts.add(feature);
    }

    /** Features seen once (most of them) vote through the byte lanes; repeated ones with 1 + ln c. */
    private long weightedSigns() {
        int r = 0;
        for (int i = 0; i < counts.distinct(); i++) {
            int slot = counts.slot(i);
            if (counts.count(slot) == 1 || weighting == Weighting.BINARY) {
                votes.unit(counts.key(slot));
            } else {
                if (r == repeated.length) {
                    repeated = java.util.Arrays.copyOf(repeated, 2 * r);
                }
                repeated[r++] = slot;
            }
        }
        // Floating-point sums depend on their order: add in slot order, as a scan of the table would.
        java.util.Arrays.sort(repeated, 0, r);
        for (int i = 0; i < r; i++) {
            votes.weighted(counts.key(repeated[i]), 1 + Math.log(counts.count(repeated[i])));
        }
        return votes.signs(tieBreak);
    }

    private void token(long hash, int shingle, Hasher exact) {
        exact.putLong(hash);
        recent[(int) tokens & RING] = hash;
        tokens++;
        // A shingle of the last `shingle` tokens (fewer at the start of the text).
        long feature = shingle((int) Math.min(shingle, tokens));
        vote(feature);
        // shingle(SKETCH_SHINGLE) kept up to date: rotate, add the new token, drop the one that left.
        sketchRaw = Long.rotateLeft(sketchRaw, 23) ^ hash;
        if (tokens > SKETCH_SHINGLE) {
            sketchRaw ^= Long.rotateLeft(recent[(int) (tokens - 1 - SKETCH_SHINGLE) & RING], 23 * SKETCH_SHINGLE);
        }
        if (tokens >= SKETCH_SHINGLE) {
            sketch.add(fmix64(sketchRaw + SKETCH_SHINGLE));
        }
        if (segmenting.maxPerDocument() > 0) {
            segmentFeatures[segmentLength++] = feature;
            if (segmentLength >= segmenting.max()
                    || (segmentLength >= segmenting.min() && isBoundary())) {
                endSegment();
            }
        }
    }

    /** The hash of the last {@code size} tokens (the token's own hash when size is 1). */
    private long shingle(int size) {
        int last = (int) tokens - 1;
        long feature = recent[last & RING];
        if (size > 1) {
            feature = 0;
            for (int back = size - 1; back >= 0; back--) {
                feature = Long.rotateLeft(feature, 23) ^ recent[(last - back) & RING];
            }
            feature = fmix64(feature + size);
        }
        return feature;
    }

    /** A segment ends where a hash of the last three tokens is 0 modulo (mean - min): content decides. */
    private boolean isBoundary() {
        int last = (int) tokens - 1;
        long h = recent[last & RING];
        if (tokens >= 2) {
            h ^= Long.rotateLeft(recent[(last - 1) & RING], 21);
        }
        if (tokens >= 3) {
            h ^= Long.rotateLeft(recent[(last - 2) & RING], 42);
        }
        return Long.remainderUnsigned(fmix64(h ^ 0x2545F4914F6CDD1DL), segmenting.mean() - segmenting.min()) == 0;
    }

    /** The SimHash of the current segment's features, weighted as the document's are. */
    private void endSegment() {
        long[] f = segmentFeatures;
        int n = segmentLength;
        segmentLength = 0;
        // Counted in a small hash table rather than sorted: a sort of ~40 values cost more than the votes.
        long smallest = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            smallest = Math.min(smallest, f[i]);
            segmentCounts.add(f[i]);
        }
        segmentVotes.clear();
        int r = 0;
        for (int i = 0; i < segmentCounts.distinct(); i++) {
            int slot = segmentCounts.slot(i);
            if (segmentCounts.count(slot) == 1 || weighting == Weighting.BINARY) {
                segmentVotes.unit(segmentCounts.key(slot));
            } else {
                f[r++] = segmentCounts.key(slot);
            }
        }
        // Floating-point sums depend on their order: the repeated features vote in ascending order.
        java.util.Arrays.sort(f, 0, r);
        for (int i = 0; i < r; i++) {
            int c = segmentCounts.count(segmentCounts.slotOf(f[i]));
            segmentVotes.weighted(f[i], weighting == Weighting.TF ? c : 1 + Math.log(c));
        }
        segmentCounts.clear();
        if (segmentCount == segments.length) {
            segments = java.util.Arrays.copyOf(segments, 2 * segments.length);
        }
        segments[segmentCount++] = segmentVotes.signs(smallest);
    }

    /**
     * Distinct segment fingerprints other than the document's; when more than the limit, the
     * ones with the smallest mixed value, so that near-copies keep mostly the same sample.
     */
    private void selectSegments() {
        long[] mixed = new long[segmentCount];
        int n = 0;
        for (int i = 0; i < segmentCount; i++) {
            if (segments[i] != simHash) {
                mixed[n++] = fmix64(segments[i]);
            }
        }
        java.util.Arrays.sort(mixed, 0, n);
        int distinct = 0;
        for (int i = 0; i < n; i++) {
            if (i == 0 || mixed[i] != mixed[i - 1]) {
                mixed[distinct++] = mixed[i];
            }
        }
        selected = new long[Math.min(distinct, segmenting.maxPerDocument())];
        for (int i = 0; i < selected.length; i++) {
            selected[i] = unmix64(mixed[i]);
        }
    }

    private void vote(long feature) {
        if (weighting != Weighting.TF) {
            count(feature);
            return;
        }
        tieBreak = Math.min(tieBreak, feature);
        votes.unit(feature);
    }

    /**
     * Per-bit vote sums. A vote of weight 1 (most features) is counted eight bits at a time in
     * byte lanes through a 256-entry table, flushed into int counters every 255 votes; other
     * weights are added bit by bit. The sign of each bit's sum is the SimHash bit.
     */
    private static final class Votes {
        private final long[] lanes = new long[8];
        private final int[] ones = new int[64];
        private final double[] sums = new double[64];
        private int inLanes;
        private long units;
        /** False while every vote had weight 1: the sums are then whole numbers, compared without {@code sums}. */
        private boolean anyWeighted;

        void clear() {
            java.util.Arrays.fill(lanes, 0);
            java.util.Arrays.fill(ones, 0);
            if (anyWeighted) {
                java.util.Arrays.fill(sums, 0);
                anyWeighted = false;
            }
            inLanes = 0;
            units = 0;
        }

        void unit(long feature) {
            for (int lane = 0; lane < 8; lane++) {
                lanes[lane] += SPREAD[(int) (feature >>> (8 * lane)) & 0xFF];
            }
            units++;
            if (++inLanes == 255) {
                flush();
            }
        }

        void weighted(long feature, double w) {
            anyWeighted = true;
            for (int bit = 0; bit < 64; bit++) {
                sums[bit] += ((feature >>> bit) & 1) != 0 ? w : -w;
            }
        }

        /** Bit i is set when its votes sum above 0; a tie takes bit i of the mixed {@code smallestFeature}. */
        long signs(long smallestFeature) {
            flush();
            long fp = 0;
            long ties = fmix64(smallestFeature);
            if (!anyWeighted) {
                for (int bit = 0; bit < 64; bit++) {
                    long sum = 2L * ones[bit] - units;
                    if (sum > 0 || (sum == 0 && ((ties >>> bit) & 1) == 1)) {
                        fp |= 1L << bit;
                    }
                }
                return fp;
            }
            for (int bit = 0; bit < 64; bit++) {
                double sum = sums[bit] + (2.0 * ones[bit] - units);
                if (sum > 1e-9 || (Math.abs(sum) <= 1e-9 && ((ties >>> bit) & 1) == 1)) {
                    fp |= 1L << bit;
                }
            }
            return fp;
        }

        private void flush() {
            for (int lane = 0; lane < 8; lane++) {
                long v = lanes[lane];
                for (int i = 0; i < 8; i++) {
                    ones[8 * lane + i] += (int) ((v >>> (8 * i)) & 0xFF);
                }
                lanes[lane] = 0;
            }
            inLanes = 0;
        }
    }

    static final int SEPARATOR = 0;
    public static final int WORD = 1;
    public static final int CHARACTER = 2;

    public static int kind(int c) {
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
    public static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /** The inverse of {@link #fmix64}. */
    static long unmix64(long k) {
        k ^= k >>> 33;
        k *= 0x9cb4b2f8129337dbL;
        k ^= k >>> 33;
        k *= 0x4f74430c22a54005L;
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
