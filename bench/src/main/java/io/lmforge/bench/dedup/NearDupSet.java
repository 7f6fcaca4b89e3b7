package io.lmforge.bench.dedup;

import io.lmforge.dedup.Fingerprinter;
import io.lmforge.bench.dedup.RealText.Doc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A labelled near-duplicate set built from real documents: for some originals, an edited copy
 * planted at a known word 5-gram Jaccard similarity (characters stand for words in Chinese),
 * by one of four kinds of edit:
 * <ul>
 *   <li>{@code scatter}: words substituted, inserted or deleted at random places (typos, small
 *       rewrites);</li>
 *   <li>{@code block}: a contiguous run of words replaced by text from another document;</li>
 *   <li>{@code append}: text from another document added at the start or the end;</li>
 *   <li>{@code truncate}: words cut from the end or the start.</li>
 * </ul>
 * The amount of editing is searched until the copy's Jaccard similarity to its original is
 * within 0.02 of the target. Every other pair of documents is a distinct pair; the real
 * boilerplate-sharing pages of {@link RealText#pythonPages} are among them.
 *
 * <p>{@link #score} measures a dedup result: recall is the share of planted pairs at or above
 * a Jaccard level whose two documents end in the same cluster; precision is the share of
 * removals whose document is not distinct from the document kept for it (distinct: not a
 * planted copy of it, and under 0.5 Jaccard similarity measured on the two texts).
 */
public final class NearDupSet {
    public static final String[] KINDS = {"scatter", "block", "append", "truncate"};
    public static final double[] LEVELS = {0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5};

    /** A planted pair: {@code copy} is {@code original} edited by {@code kind} to {@code jaccard}. */
    public record Pair(String original, String copy, String kind, double target, double jaccard) {
    }

    /** Recall at J >= 0.8 (the goal), recall per level and per kind, and precision of removals. */
    public record Score(double recall, Map<String, Double> recallByLevel, Map<String, Double> recallByKind,
                        double precision, double strictPrecision, long removals, long positives) {
        public String summary() {
            return String.format("recall(J>=0.8) %.3f of %d pairs, precision %.4f (strict %.4f) of %d removals",
                    recall, positives, precision, strictPrecision, removals);
        }
    }

    private final List<Doc> docs;
    private final List<Pair> pairs;
    private final Map<String, String> textById = new HashMap<>();
    private final Set<String> plantedPairs = new HashSet<>();

    private NearDupSet(List<Doc> docs, List<Pair> pairs) {
        this.docs = docs;
        this.pairs = pairs;
        for (Doc d : docs) {
            textById.put(d.id(), d.text());
        }
        for (Pair p : pairs) {
            plantedPairs.add(p.original() + "\n" + p.copy());
            plantedPairs.add(p.copy() + "\n" + p.original());
        }
    }

    /** Distinct: neither an edited copy of the other nor 5-gram Jaccard similar at 0.5 or more. */
    private boolean distinct(String a, String b, double jaccard) {
        return jaccard < 0.5 && !plantedPairs.contains(a + "\n" + b);
    }

    public List<Doc> docs() {
        return docs;
    }

    public List<Pair> pairs() {
        return pairs;
    }

    /** Plants one edited copy of each of the first {@code planted} originals, cycling kinds and levels. */
    public static NearDupSet build(List<Doc> originals, int planted, long seed) {
        List<Doc> docs = new ArrayList<>(originals);
        List<Pair> pairs = new ArrayList<>();
        Random random = new Random(seed);
        List<String> vocabulary = new ArrayList<>();
        for (int i = 0; i < Math.min(200, originals.size()); i++) {
            for (String w : originals.get(i).text().split("\\s+")) {
                vocabulary.add(w);
            }
        }
        for (int i = 0; i < Math.min(planted, originals.size()); i++) {
            Doc original = originals.get(i);
            String kind = KINDS[i % KINDS.length];
            double target = LEVELS[(i / KINDS.length) % LEVELS.length];
            Doc donor = originals.get((i * 7919 + 17) % originals.size());
            Planted p = plant(original.text(), donor.text(), kind, target, vocabulary, random.nextLong());
            if (p == null) {
                continue;
            }
            String copyId = original.id() + "~" + kind;
            docs.add(new Doc(copyId, original.source(), p.text));
            pairs.add(new Pair(original.id(), copyId, kind, target, p.jaccard));
        }
        return new NearDupSet(docs, pairs);
    }

    private record Planted(String text, double jaccard) {
    }

    private static Planted plant(String text, String donor, String kind, double target, List<String> vocabulary,
                                 long seed) {
        boolean characters = isUnspaced(text);
        List<String> units = units(text, characters);
        List<String> donorUnits = units(donor, isUnspaced(donor));
        Set<Long> original = shingles(text);
        int lo = 0;
        int hi = units.size();
        Planted best = null;
        while (lo <= hi) {
            int m = (lo + hi) / 2;
            String edited = join(edit(units, donorUnits, kind, m, vocabulary, new Random(seed)), characters);
            double j = jaccard(original, shingles(edited));
            if (best == null || Math.abs(j - target) < Math.abs(best.jaccard - target)) {
                best = new Planted(edited, j);
            }
            if (j > target) {
                lo = m + 1;
            } else {
                hi = m - 1;
            }
        }
        return best != null && Math.abs(best.jaccard - target) <= 0.02 ? best : null;
    }

    private static List<String> edit(List<String> units, List<String> donor, String kind, int m,
                                     List<String> vocabulary, Random random) {
        List<String> out = new ArrayList<>(units);
        switch (kind) {
            case "scatter" -> {
                for (int i = 0; i < m && out.size() > 10; i++) {
                    int at = random.nextInt(out.size());
                    String word = vocabulary.get(random.nextInt(vocabulary.size()));
                    switch (random.nextInt(4)) {
                        case 0, 1 -> out.set(at, word);
                        case 2 -> out.add(at, word);
                        default -> out.remove(at);
                    }
                }
            }
            case "block" -> {
                int len = Math.min(m, out.size());
                int at = random.nextInt(out.size() - len + 1);
                int from = donor.isEmpty() ? 0 : random.nextInt(Math.max(1, donor.size() - len));
                for (int i = 0; i < len; i++) {
                    out.set(at + i, donor.isEmpty() ? "x" : donor.get((from + i) % donor.size()));
                }
            }
            case "append" -> {
                List<String> extra = new ArrayList<>();
                for (int i = 0; i < m; i++) {
                    extra.add(donor.get(i % donor.size()));
                }
                if (random.nextBoolean()) {
                    out.addAll(extra);
                } else {
                    out.addAll(0, extra);
                }
            }
            case "truncate" -> {
                int cut = Math.min(m, out.size() - 5);
                if (cut > 0) {
                    out = random.nextBoolean() ? out.subList(0, out.size() - cut) : out.subList(cut, out.size());
                }
            }
            default -> throw new IllegalArgumentException(kind);
        }
        return out;
    }

    /**
     * Scores a dedup result given as {@code removed id -> kept id}. Documents not in the map are
     * kept. A removal is wrong ({@code precision}) when the two documents are distinct: neither a
     * planted copy of the other, at any level, nor at Jaccard 0.5 or more; {@code strictPrecision}
     * counts only removals at Jaccard 0.8 or more as right.
     */
    public Score score(Map<String, String> keeperOf) {
        Map<String, String> cluster = new HashMap<>();
        for (Doc d : docs) {
            cluster.put(d.id(), keeperOf.getOrDefault(d.id(), d.id()));
        }
        Map<String, int[]> byLevel = new LinkedHashMap<>();
        Map<String, int[]> byKind = new LinkedHashMap<>();
        int hits = 0;
        int positives = 0;
        for (Pair p : pairs) {
            boolean same = cluster.get(p.original()).equals(cluster.get(p.copy()));
            String level = String.format("%.2f", p.target());
            tally(byLevel, level, same);
            if (p.jaccard() >= 0.8) {
                positives++;
                hits += same ? 1 : 0;
                tally(byKind, p.kind(), same);
            }
        }
        int correct = 0;
        int strict = 0;
        for (Map.Entry<String, String> e : keeperOf.entrySet()) {
            double j = jaccard(shingles(textById.get(e.getKey())), shingles(textById.get(e.getValue())));
            correct += distinct(e.getKey(), e.getValue(), j) ? 0 : 1;
            strict += j >= 0.8 ? 1 : 0;
        }
        int removals = keeperOf.size();
        return new Score(positives == 0 ? 0 : (double) hits / positives, rates(byLevel), rates(byKind),
                removals == 0 ? 1 : (double) correct / removals, removals == 0 ? 1 : (double) strict / removals,
                removals, positives);
    }

    private static void tally(Map<String, int[]> m, String key, boolean hit) {
        int[] c = m.computeIfAbsent(key, k -> new int[2]);
        c[0] += hit ? 1 : 0;
        c[1]++;
    }

    private static Map<String, Double> rates(Map<String, int[]> m) {
        Map<String, Double> out = new LinkedHashMap<>();
        m.forEach((k, c) -> out.put(k, Math.round(1000.0 * c[0] / c[1]) / 1000.0));
        return out;
    }

    /** Removals of distinct documents (the precision errors), for a person to read. */
    public List<String> wrongRemovals(Map<String, String> keeperOf, int max) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : keeperOf.entrySet()) {
            String a = textById.get(e.getKey());
            String b = textById.get(e.getValue());
            double j = jaccard(shingles(a), shingles(b));
            if (distinct(e.getKey(), e.getValue(), j) && out.size() < max) {
                out.add(String.format("%s -> %s  J=%.2f  %d/%d chars%n    %s%n    %s", e.getKey(), e.getValue(), j,
                        a.length(), b.length(), snippet(a), snippet(b)));
            }
        }
        return out;
    }

    private static String snippet(String s) {
        String flat = s.replaceAll("\\s+", " ");
        return flat.length() > 160 ? flat.substring(0, 160) + "..." : flat;
    }

    /** Hashes of the text's 5-token shingles, tokens as the fingerprinter reads them. */
    public static Set<Long> shingles(String text) {
        List<Long> tokens = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        text.codePoints().forEach(c -> {
            int kind = Fingerprinter.kind(c);
            if (kind == Fingerprinter.WORD) {
                word.appendCodePoint(Character.toLowerCase(c));
                return;
            }
            if (word.length() > 0) {
                tokens.add(hash(word.toString()));
                word.setLength(0);
            }
            if (kind == Fingerprinter.CHARACTER) {
                tokens.add(hash(new String(Character.toChars(c))));
            }
        });
        if (word.length() > 0) {
            tokens.add(hash(word.toString()));
        }
        Set<Long> out = new HashSet<>();
        int n = Math.min(5, tokens.size());
        for (int i = 0; i + n <= tokens.size() && n > 0; i++) {
            long h = 0;
            for (int j = i; j < i + n; j++) {
                h = Long.rotateLeft(h, 17) ^ tokens.get(j);
            }
            out.add(Fingerprinter.fmix64(h));
        }
        return out;
    }

    public static double jaccard(Set<Long> a, Set<Long> b) {
        if (a.isEmpty() && b.isEmpty()) {
            return 1;
        }
        int common = 0;
        for (long x : a.size() < b.size() ? a : b) {
            if ((a.size() < b.size() ? b : a).contains(x)) {
                common++;
            }
        }
        return (double) common / (a.size() + b.size() - common);
    }

    private static long hash(String s) {
        return Fingerprinter.fmix64(s.hashCode() * 0x9E3779B97F4A7C15L + s.length());
    }

    private static boolean isUnspaced(String text) {
        long cjk = text.codePoints().filter(c -> Fingerprinter.kind(c) == Fingerprinter.CHARACTER).count();
        return cjk * 3 > text.length();
    }

    private static List<String> units(String text, boolean characters) {
        List<String> out = new ArrayList<>();
        if (characters) {
            text.codePoints().forEach(c -> out.add(new String(Character.toChars(c))));
        } else {
            for (String w : text.split("\\s+")) {
                if (!w.isEmpty()) {
                    out.add(w);
                }
            }
        }
        return out;
    }

    private static String join(List<String> units, boolean characters) {
        return String.join(characters ? "" : " ", units);
    }
}
