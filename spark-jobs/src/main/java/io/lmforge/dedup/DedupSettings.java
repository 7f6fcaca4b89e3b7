package io.lmforge.dedup;

import com.typesafe.config.ConfigValueType;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;

import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * The {@code dedup { ... }} section.
 *
 * <pre>
 * dedup {
 *   k = 3                     # candidates: document SimHashes (64 bits) within this Hamming distance
 *   blocks = 6                # permuted-table layout: C(blocks, blocks - k) tables; default k + 3
 *   segments {                # candidates too: documents sharing a content-defined segment's SimHash
 *     min-tokens = 12, mean-tokens = 40, max-tokens = 100
 *     max-per-document = 16   # a consistent sample of a long document's segments; 0: no segments
 *     k = 0                   # segment SimHashes within this distance (0: equal; tables as for k)
 *     boilerplate = 64        # a segment that more documents share is boilerplate: only 64 of them are paired
 *   }
 *   min-jaccard = 0.7         # a candidate pair is a duplicate when its estimated word 5-gram Jaccard is this or more
 *   sketch = 128              # MinHash (bottom-k) values per document for that estimate
 *   word-shingle = 1          # SimHash features: word n-grams ...
 *   cjk-shingle = 2           # ... and character n-grams for scripts written without spaces
 *   weighting = log           # a shingle counted c times weighs 1 + ln c (tf: c; binary: 1)
 *   min-tokens = 10           # shorter documents are only checked for exact duplicates
 *   bucket-window = 256       # a fingerprint is compared with at most this many neighbours in a bucket
 *   keep { by = lang_confidence, prefer = highest } # which document of a cluster stays; ties: smallest id
 *   previous = "/data/corpus-2024-05/fingerprints"  # or a list: earlier runs' fingerprints
 *   previous-wins = true      # false: a better new document replaces an earlier one (see superseded/)
 * }
 * </pre>
 */
public record DedupSettings(int k, int blocks, Fingerprinter.Segmenting segmenting, int segmentK, int boilerplate,
                            double minJaccard, int sketch,
                            int wordShingle, int cjkShingle, Fingerprinter.Weighting weighting,
                            int minTokens, int bucketWindow,
                            String keepBy, boolean keepHighest, List<String> previous, boolean previousWins)
        implements Serializable {

    /** reference.conf's {@code dedup.keep.by}: the stage treats this rule specially. */
    public static final String DEFAULT_KEEP_BY = "lang_confidence";

    public static DedupSettings defaults() {
        return from(io.lmforge.corpus.CorpusSettings.of(com.typesafe.config.ConfigFactory.empty(), "dedup"));
    }

    public static DedupSettings from(Settings s) {
        int k = s.integer("k");
        if (k < 0 || k > 16) {
            throw new InvalidConfigException(s.name("k") + " = " + k + " is outside [0, 16]");
        }
        int blocks = s.integer("blocks", k + 3);
        if (blocks <= k || blocks > 64) {
            throw new InvalidConfigException(s.name("blocks") + " = " + blocks + " must be more than k (" + k
                    + ") and at most 64: two fingerprints within distance k agree on blocks - k blocks");
        }
        if (binomial(blocks, blocks - k) > 2000) {
            throw new InvalidConfigException(s.name("blocks") + " = " + blocks + " with k = " + k + " needs "
                    + binomial(blocks, blocks - k) + " tables; use fewer blocks");
        }
        Settings seg = s.section("segments");
        int segMin = (int) seg.inRange("min-tokens", seg.integer("min-tokens"), 1, 100_000);
        int segMean = (int) seg.inRange("mean-tokens", seg.integer("mean-tokens"), segMin + 1, 100_000);
        int segMax = (int) seg.inRange("max-tokens", seg.integer("max-tokens"), segMean, 100_000);
        int perDocument = (int) seg.inRange("max-per-document", seg.integer("max-per-document"), 0, 1024);
        int segmentK = (int) seg.inRange("k", seg.integer("k"), 0, k);
        int boilerplate = (int) seg.inRange("boilerplate", seg.integer("boilerplate"), 2, 100_000);
        seg.requireNoUnknownKeys();
        double minJaccard = s.inRange("min-jaccard", s.decimal("min-jaccard"), 0, 1);
        if (minJaccard == 0 && perDocument > 0) {
            throw new InvalidConfigException(s.name("min-jaccard") + " = 0 accepts every candidate pair, and documents "
                    + "that share one segment are candidates: set " + seg.name("max-per-document")
                    + " = 0 too (plain SimHash within k), or a threshold above 0");
        }
        int sketch = (int) s.inRange("sketch", s.integer("sketch"), 16, 1024);
        int wordShingle = (int) s.inRange("word-shingle", s.integer("word-shingle"), 1, 8);
        int cjkShingle = (int) s.inRange("cjk-shingle", s.integer("cjk-shingle"), 1, 8);
        String weight = s.oneOf("weighting", s.string("weighting"), Set.of("log", "tf", "binary"));
        int minTokens = (int) s.inRange("min-tokens", s.integer("min-tokens"), 0, 1_000_000);
        int window = (int) s.inRange("bucket-window", s.integer("bucket-window"), 1, 100_000);
        Settings keep = s.section("keep");
        String by = keep.string("by");
        String prefer = keep.oneOf("prefer", keep.string("prefer"), Set.of("highest", "lowest"));
        keep.requireNoUnknownKeys();
        List<String> previous = List.of();
        if (s.has("previous")) {
            previous = s.raw().getValue("previous").valueType() == ConfigValueType.LIST
                    ? s.strings("previous") : List.of(s.string("previous"));
        }
        boolean previousWins = s.bool("previous-wins");
        s.requireNoUnknownKeys();
        return new DedupSettings(k, blocks, new Fingerprinter.Segmenting(segMin, segMean, segMax, perDocument),
                segmentK, boilerplate, minJaccard, sketch, wordShingle, cjkShingle,
                Fingerprinter.Weighting.valueOf(weight.toUpperCase(java.util.Locale.ROOT)), minTokens, window, by,
                prefer.equals("highest"), previous, previousWins);
    }

    /** The tables of the documents' SimHashes. */
    public PermutationTables tables() {
        return new PermutationTables(k, blocks);
    }

    /** The tables of the segments' SimHashes: k + 3 blocks, as the documents' default; one table of 64 bits for k = 0. */
    public PermutationTables segmentTables() {
        return new PermutationTables(segmentK, segmentK + 3);
    }

    public boolean hasSegments() {
        return segmenting.maxPerDocument() > 0;
    }

    public Fingerprinter fingerprinter() {
        return new Fingerprinter(wordShingle, cjkShingle, weighting, segmenting, sketch);
    }

    /** What must match between the fingerprints of two runs for them to be compared. */
    public String fingerprintFormat() {
        return "simhash64 v" + Fingerprinter.VERSION + ", word-shingle " + wordShingle + ", cjk-shingle " + cjkShingle
                + ", weighting " + weighting.name().toLowerCase(java.util.Locale.ROOT)
                + ", segments " + segmenting.min() + "/" + segmenting.mean() + "/" + segmenting.max()
                + " tokens, at most " + segmenting.maxPerDocument() + ", sketch bottom-" + sketch + " of 5-grams";
    }

    private static long binomial(int n, int r) {
        long c = 1;
        for (int i = 1; i <= r; i++) {
            c = c * (n - r + i) / i;
        }
        return c;
    }
}
