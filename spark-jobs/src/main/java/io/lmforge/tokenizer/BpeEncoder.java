package io.lmforge.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A byte-level BPE encoder in plain Java that gives the ids Hugging Face tokenizers (0.21, the
 * version DJL 0.35 ships) gives, for the byte-level BPE family: Split pre-tokenizers with
 * DeepSeek-V3's (ours too), GPT-2's, Llama-3's or Qwen's regexes ({@link PreTokenizer},
 * {@link SplitScanner}), ByteLevel with or without prefix space and regex, no normalizer or the
 * Unicode normalization forms, a BPE model without dropout or subword affixes ({@code ignore_merges}
 * either way), and added tokens without strip or single-word rules. {@link #load} declines
 * anything else, with the reason, and the caller keeps using {@link HfEncoder}.
 *
 * <p>It follows HF's encoding step by step: added tokens are cut out first, leftmost-longest,
 * non-normalized ones before normalized ones (two passes, as {@code AddedVocabulary} does, with
 * their ids assigned as {@code add_tokens} assigns them, which need not be the ids written in the
 * file); each gap is pre-tokenized by {@link PreTokenizer}; each pre-token is merged as
 * {@code Word::merge_all} merges, lowest rank first and leftmost on ties, from a primitive
 * pair-to-rank table. Pre-tokens repeat, so each thread keeps a bounded cache from pre-token text
 * to ids, probed with the text range itself (no String per pre-token).
 *
 * <p>Unicode: {@link PreTokenizer}'s classes come from the JVM's Unicode tables, HF's regexes from
 * Oniguruma's, which may be newer. A code point the JVM calls unassigned may be a letter or digit
 * to HF, and a lone surrogate has no UTF-8 form at all, so {@link #encode} returns null for a text
 * that holds either (see {@link #canEncode}); the caller encodes that one with HF.
 *
 * <p>Thread-safe: the tables are read-only after construction; the scratch space and the cache
 * are per thread.
 */
public final class BpeEncoder {
    /** Pre-tokens longer than this (in chars) are merged every time rather than cached. */
    private static final int MAX_CACHED_CHARS = 64;

    private final int[] byteIds = new int[256];
    private final PairRanks ranks;
    private final int[] mergedId;
    /** The vocabulary by byte-level string, kept only when HF's {@code ignore_merges} asks for it. */
    private final Map<String, Integer> wholeWords;
    /** The added-token passes, in HF's order: non-normalized tokens, then normalized ones; empty ones left out. */
    private final AddedTokens[] passes;
    /** Index in {@link #passes} of the first pass on normalized text: the normalizer runs on each gap before it. */
    private final int firstNormalizedPass;
    /** The normalizer, as Unicode normalization forms applied in order; empty for none. */
    private final java.text.Normalizer.Form[] normalizer;
    private final Pipeline preTokenizer;
    private final ThreadLocal<Work> work = ThreadLocal.withInitial(Work::new);

    /** What {@link #load} made of a tokenizer.json: an encoder, or the reason there is none. */
    public record Loaded(BpeEncoder encoder, String declined) {
        public Optional<BpeEncoder> optional() {
            return Optional.ofNullable(encoder);
        }
    }

    /** Thrown while reading a tokenizer.json this encoder does not reproduce exactly. */
    private static final class Declined extends Exception {
        Declined(String reason) {
            super(reason, null, false, false);
        }
    }

    private BpeEncoder(ObjectNode json) throws Declined {
        normalizer = normalizer(json.get("normalizer"));
        preTokenizer = preTokenizer(json.get("pre_tokenizer"));
        JsonNode model = json.path("model");
        require("BPE".equals(model.path("type").asText()), "model type is " + model.path("type") + ", not BPE");
        require(isNull(model.get("dropout")), "BPE dropout " + model.get("dropout") + " (sampled merges)");
        // An empty prefix or suffix (Qwen's) changes nothing.
        require(isNull(model.get("continuing_subword_prefix")) || model.get("continuing_subword_prefix").asText().isEmpty(),
                "BPE continuing_subword_prefix is set");
        require(isNull(model.get("end_of_word_suffix")) || model.get("end_of_word_suffix").asText().isEmpty(),
                "BPE end_of_word_suffix is set");
        require(!model.path("byte_fallback").asBoolean(false), "BPE byte_fallback is on");
        JsonNode vocabNode = model.path("vocab");
        require(vocabNode.isObject(), "model.vocab is not an object");
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            require(e.getValue().canConvertToInt(), "vocabulary id of " + e.getKey() + " is not an int");
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevel.charOf(b)));
            // HF would drop (or map to unk) a byte missing from the vocabulary; we do not copy that.
            require(id != null, "the vocabulary lacks byte 0x" + Integer.toHexString(b));
            byteIds[b] = id;
        }
        JsonNode merges = model.path("merges");
        require(merges.isArray(), "model.merges is not an array");
        ranks = new PairRanks(merges.size());
        mergedId = new int[merges.size()];
        int rank = 0;
        for (JsonNode m : merges) {
            String left;
            String right;
            if (m.isTextual()) {
                String[] parts = m.asText().split(" ", -1);
                require(parts.length == 2, "merge " + rank + " is not \"left right\": " + m);
                left = parts[0];
                right = parts[1];
            } else {
                require(m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual(),
                        "merge " + rank + " is not a pair of strings: " + m);
                left = m.get(0).asText();
                right = m.get(1).asText();
            }
            Integer a = vocab.get(left);
            Integer b = vocab.get(right);
            Integer merged = vocab.get(left + right);
            require(a != null && b != null && merged != null, "merge " + rank + " " + m + " names a token not in the vocabulary");
            // Like HF's merge map, a pair listed twice keeps its last rank.
            ranks.put(a, b, rank);
            mergedId[rank] = merged;
            rank++;
        }
        wholeWords = model.path("ignore_merges").asBoolean(false) ? vocab : null;
        AddedTokens[][] p = addedTokenPasses(json.path("added_tokens"), vocab);
        List<AddedTokens> all = new ArrayList<>();
        for (AddedTokens[] each : p) {
            for (AddedTokens t : each) {
                all.add(t);
            }
        }
        passes = all.toArray(new AddedTokens[0]);
        firstNormalizedPass = p[0].length;
    }

    /** An encoder for exactly this tokenizer.json (as HF would load it), or the reason it declines. */
    public static Loaded load(ObjectNode json) {
        try {
            return new Loaded(new BpeEncoder(json), null);
        } catch (Declined d) {
            return new Loaded(null, d.getMessage());
        }
    }

    /** {@link #load}, without the reason. */
    public static Optional<BpeEncoder> of(ObjectNode json) {
        return load(json).optional();
    }

    /**
     * For document text, as {@link HfEncoder#forDocuments}: the tokenizer less its special tokens,
     * so {@code <eos>} in a document stays text.
     */
    public static Loaded forDocuments(ObjectNode json) {
        return load(TokenizerJson.withoutSpecialTokensTree(json));
    }

    /**
     * Whether {@link #encode} vouches for {@code text}: false if it holds a lone surrogate or a code
     * point this JVM's Unicode tables call unassigned (newer Unicode versions may give it a class
     * the regexes care about).
     */
    public static boolean canEncode(String text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                continue;
            }
            int cp = c;
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                cp = Character.toCodePoint(c, text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                return false;
            }
            if (Character.getType(cp) == Character.UNASSIGNED) {
                return false;
            }
        }
        return true;
    }

    /**
     * Code points (all from Unicode 11 to 13) that java.text.Normalizer (Java 17, Unicode 13) and
     * HF tokenizers 0.21 ({@code unicode-normalization}, older tables) normalize differently: new
     * combining classes, compatibility decompositions and one composition (U+11935 U+11930). A text
     * that holds one goes to HF when the tokenizer has a normalizer. Measured by
     * {@code BpeEncoderFamilyTest}, which runs every assigned code point through both.
     */
    private static final int[] NORMALIZER_DIFFERS = {
            0x7FD, 0x8D3, 0x9FE, 0xD3B, 0xD3C, 0xEBA, 0x1ABF, 0x1AC0, 0x1DF6, 0x1DF7,
            0x1DF8, 0x1DF9, 0x32FF, 0xA82C, 0xAB69, 0x10D24, 0x10D25, 0x10D26, 0x10D27, 0x10EAB,
            0x10EAC, 0x10F46, 0x10F47, 0x10F48, 0x10F49, 0x10F4A, 0x10F4B, 0x10F4C, 0x10F4D, 0x10F4E,
            0x10F4F, 0x10F50, 0x1133B, 0x1145E, 0x11839, 0x1183A, 0x11930, 0x11935, 0x11938, 0x1193D,
            0x1193E, 0x11943, 0x119E0, 0x11A34, 0x11A47, 0x11A99, 0x11D42, 0x11D44, 0x11D45, 0x11D97,
            0x16FF0, 0x16FF1, 0x1E130, 0x1E131, 0x1E132, 0x1E133, 0x1E134, 0x1E135, 0x1E136, 0x1E2EC,
            0x1E2ED, 0x1E2EE, 0x1E2EF, 0x1F16C, 0x1FBF0, 0x1FBF1, 0x1FBF2, 0x1FBF3, 0x1FBF4, 0x1FBF5,
            0x1FBF6, 0x1FBF7, 0x1FBF8, 0x1FBF9,
    };
    private static final java.util.BitSet NORMALIZER_DIFFERS_SET = new java.util.BitSet();

    static {
        for (int cp : NORMALIZER_DIFFERS) {
            NORMALIZER_DIFFERS_SET.set(cp);
        }
    }

    /** Whether this JVM normalizes {@code text} as HF does: it holds none of {@link #NORMALIZER_DIFFERS}. */
    static boolean normalizesAsHf(String text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x7FD) {
                continue;
            }
            int cp = c;
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                cp = Character.toCodePoint(c, text.charAt(++i));
            }
            if (NORMALIZER_DIFFERS_SET.get(cp)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The ids of {@code text}, as HF tokenizers encodes it without adding special tokens; null when
     * {@link #canEncode} is false, or the tokenizer has a normalizer and the text holds a code point
     * whose normalization differs between the JVM and HF (encode that text with HF).
     */
    public int[] encode(String text) {
        return canEncode(text) && (normalizer.length == 0 || normalizesAsHf(text)) ? encodeUnchecked(text) : null;
    }

    /** {@link #encode} without the check: for tests that show where the JVM's Unicode tables part from HF's. */
    int[] encodeUnchecked(String text) {
        Work w = work.get();
        w.size = 0;
        addedTokens(text, 0, text.length(), 0, w);
        return Arrays.copyOf(w.out, w.size);
    }

    /**
     * Cuts added tokens out of [from, to) with pass {@code pass}, then the next pass on the gaps; the
     * normalizer runs on each gap the non-normalized tokens leave, as HF's {@code AddedVocabulary} does.
     */
    private void addedTokens(String s, int from, int to, int pass, Work w) {
        if (pass == firstNormalizedPass && normalizer.length > 0) {
            String n = normalize(s, from, to);
            if (n != null) {
                s = n;
                from = 0;
                to = n.length();
            }
        }
        if (pass == passes.length) {
            preTokenizer.split(s, from, to, w);
            return;
        }
        AddedTokens tokens = passes[pass];
        int gap = from;
        int i = from;
        while (i < to) {
            int t = tokens.longestAt(s, i, to);
            if (t < 0) {
                i++;
                continue;
            }
            if (i > gap) {
                addedTokens(s, gap, i, pass + 1, w);
            }
            w.add(tokens.ids[t]);
            i += tokens.contents[t].length();
            gap = i;
        }
        if (to > gap) {
            addedTokens(s, gap, to, pass + 1, w);
        }
    }

    /** The ids of the pre-token {@code s[from, to)}, appended to {@code w}. */
    private void word(String s, int from, int to, Work w) {
        int n = w.utf8(s, from, to);
        if (n == 1) {
            w.add(byteIds[w.bytes[0] & 0xFF]);
            return;
        }
        if (wholeWords != null) {
            char[] chars = new char[n];
            for (int i = 0; i < n; i++) {
                chars[i] = ByteLevel.charOf(w.bytes[i]);
            }
            Integer id = wholeWords.get(new String(chars));
            if (id != null) {
                w.add(id);
                return;
            }
        }
        mergeAll(n, w);
    }

    /**
     * HF's {@code Word::merge_all}: a min-heap of (rank, position) over adjacent pairs; a popped
     * entry whose pair has changed since it was pushed is skipped; each merge pushes the two pairs
     * it creates. Symbols are a linked list over the word's bytes; a merged-away symbol gets -1.
     */
    private void mergeAll(int n, Work w) {
        w.ensureSymbols(n);
        int[] c = w.sym;
        int[] prev = w.prev;
        int[] next = w.next;
        for (int i = 0; i < n; i++) {
            c[i] = byteIds[w.bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        w.heapSize = 0;
        for (int i = 0; i + 1 < n; i++) {
            int r = ranks.get(c[i], c[i + 1]);
            if (r >= 0) {
                w.push(((long) r << 32) | i);
            }
        }
        while (w.heapSize > 0) {
            long top = w.pop();
            int pos = (int) top;
            int r = (int) (top >>> 32);
            int right = next[pos];
            if (c[pos] < 0 || right < 0) {
                continue;
            }
            int current = ranks.get(c[pos], c[right]);
            if (current < 0 || mergedId[current] != mergedId[r]) {
                continue;
            }
            c[pos] = mergedId[r];
            c[right] = -1;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) {
                prev[after] = pos;
            }
            int before = prev[pos];
            if (before >= 0) {
                int r2 = ranks.get(c[before], c[pos]);
                if (r2 >= 0) {
                    w.push(((long) r2 << 32) | before);
                }
            }
            if (after >= 0) {
                int r3 = ranks.get(c[pos], c[after]);
                if (r3 >= 0) {
                    w.push(((long) r3 << 32) | pos);
                }
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            w.add(c[i]);
        }
    }

    /** The normalized text of s[from, to), or null when it is already normalized. */
    private String normalize(String s, int from, int to) {
        // Below U+0300 every character is in NFC and composes with nothing before it; below U+00A0,
        // in every form.
        char limit = '\u0300';
        for (java.text.Normalizer.Form f : normalizer) {
            if (f != java.text.Normalizer.Form.NFC) {
                limit = '\u00A0';
            }
        }
        int i = from;
        while (i < to && s.charAt(i) < limit) {
            i++;
        }
        if (i == to) {
            return null;
        }
        CharSequence text = from == 0 && to == s.length() ? s : s.substring(from, to);
        String out = null;
        for (java.text.Normalizer.Form f : normalizer) {
            if (!java.text.Normalizer.isNormalized(text, f)) {
                out = java.text.Normalizer.normalize(text, f);
                text = out;
            }
        }
        return out;
    }

    // ---- configuration checks ----

    private static void require(boolean ok, String reason) throws Declined {
        if (!ok) {
            throw new Declined(reason);
        }
    }

    private static boolean isNull(JsonNode n) {
        return n == null || n.isNull();
    }

    /** HF normalizers that java.text.Normalizer reproduces exactly (the Unicode normalization forms). */
    private static java.text.Normalizer.Form[] normalizer(JsonNode n) throws Declined {
        List<java.text.Normalizer.Form> forms = new ArrayList<>();
        if (!isNull(n)) {
            List<JsonNode> steps = new ArrayList<>();
            if ("Sequence".equals(n.path("type").asText()) && n.path("normalizers").isArray()) {
                n.path("normalizers").forEach(steps::add);
            } else {
                steps.add(n);
            }
            for (JsonNode step : steps) {
                String type = step.path("type").asText();
                require(step.size() == 1 && Set.of("NFC", "NFD", "NFKC", "NFKD").contains(type),
                        "normalizer " + n + " (only none, NFC, NFD, NFKC, NFKD or a Sequence of them)");
                forms.add(java.text.Normalizer.Form.valueOf(type));
            }
        }
        return forms.toArray(new java.text.Normalizer.Form[0]);
    }

    /**
     * The pre-tokenizers it reproduces: {@code Split} steps (behaviour {@code Isolated}, not
     * inverted) with DeepSeek-V3's three regexes or one of the {@link SplitScanner} regexes, then
     * {@code ByteLevel} (with or without prefix space, with or without GPT-2's regex); or
     * {@code ByteLevel} alone.
     */
    private static Pipeline preTokenizer(JsonNode p) throws Declined {
        String reason = "pre_tokenizer is not Split steps with known regexes (DeepSeek-V3's, GPT-2's, Llama-3's, Qwen's) "
                + "then ByteLevel: " + p;
        require(p != null && !p.isNull(), reason);
        List<JsonNode> steps = new ArrayList<>();
        if ("Sequence".equals(p.path("type").asText())) {
            require(p.size() == 2 && p.path("pretokenizers").isArray(), reason);
            p.path("pretokenizers").forEach(steps::add);
        } else {
            steps.add(p);
        }
        require(!steps.isEmpty(), reason);
        List<Object> splits = new ArrayList<>();
        int i = 0;
        int deepseek = PreTokenizer.SPLITS.size();
        while (i < steps.size() - 1) {
            boolean fused = i + deepseek < steps.size();
            for (int k = 0; fused && k < deepseek; k++) {
                fused = PreTokenizer.SPLITS.get(k).equals(splitRegex(steps.get(i + k)));
            }
            if (fused) {
                splits.add(Pipeline.DEEPSEEK);
                i += deepseek;
                continue;
            }
            SplitScanner scanner = SplitScanner.forRegex(splitRegex(steps.get(i)));
            require(scanner != null, reason);
            splits.add(scanner);
            i++;
        }
        require(i == steps.size() - 1, reason);
        JsonNode b = steps.get(i);
        require("ByteLevel".equals(b.path("type").asText())
                && b.path("add_prefix_space").isBoolean() && b.path("use_regex").isBoolean(), reason);
        for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            require(Set.of("type", "add_prefix_space", "use_regex", "trim_offsets").contains(f), reason);
        }
        return new Pipeline(splits.toArray(), b.path("add_prefix_space").asBoolean(), b.path("use_regex").asBoolean());
    }

    /** The regex of an Isolated, not inverted Split step, or null for any other step. */
    private static String splitRegex(JsonNode s) {
        boolean split = s.size() == 4 && "Split".equals(s.path("type").asText())
                && s.path("pattern").size() == 1 && s.path("pattern").path("Regex").isTextual()
                && "Isolated".equals(s.path("behavior").asText())
                && s.path("invert").isBoolean() && !s.path("invert").asBoolean();
        return split ? s.path("pattern").path("Regex").asText() : null;
    }

    /**
     * The pre-tokenizer steps in order, each applied to the pieces of the one before: DeepSeek-V3's
     * fused three Splits ({@link PreTokenizer#split}) or a {@link SplitScanner}; then ByteLevel's
     * prefix space (put before every piece that does not start with a space, as HF does) and regex.
     */
    static final class Pipeline {
        static final Object DEEPSEEK = "deepseek";
        private final Object[] steps;
        private final boolean prefixSpace;
        private final boolean useRegex;

        Pipeline(Object[] steps, boolean prefixSpace, boolean useRegex) {
            this.steps = steps;
            this.prefixSpace = prefixSpace;
            this.useRegex = useRegex;
        }

        void split(String s, int from, int to, PreTokenizer.PieceSink sink) {
            run(0, s, from, to, sink);
        }

        private void run(int k, String s, int from, int to, PreTokenizer.PieceSink sink) {
            if (k == steps.length) {
                byteLevel(s, from, to, sink);
                return;
            }
            // The common case (the last Split feeds a plain ByteLevel) hands pieces straight to the sink.
            PreTokenizer.PieceSink next = k + 1 == steps.length && !prefixSpace && !useRegex ? sink
                    : (t, f, e) -> run(k + 1, t, f, e, sink);
            if (steps[k] == DEEPSEEK) {
                PreTokenizer.split(s, from, to, next);
            } else {
                ((SplitScanner) steps[k]).isolate(s, from, to, next);
            }
        }

        private void byteLevel(String s, int from, int to, PreTokenizer.PieceSink sink) {
            if (prefixSpace && from < to && s.charAt(from) != ' ') {
                s = " " + s.substring(from, to);
                from = 0;
                to = s.length();
            }
            if (useRegex) {
                SplitScanner.GPT2.isolate(s, from, to, sink);
            } else if (from < to) {
                sink.piece(s, from, to);
            }
        }
    }

    /**
     * The added tokens as HF's {@code AddedVocabulary} holds them after loading this file: ids from
     * {@code add_tokens} (the vocabulary's id if the content is in it, else the next free id after
     * the vocabulary's size), split into a non-normalized and a normalized pass.
     */
    private static AddedTokens[][] addedTokenPasses(JsonNode added, Map<String, Integer> vocab) throws Declined {
        List<JsonNode> specials = new ArrayList<>();
        List<JsonNode> ordinary = new ArrayList<>();
        Set<String> specialContents = new HashSet<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode t : added) {
            String content = t.path("content").asText("");
            require(seen.add(content), "added token " + content + " is listed twice");
            for (String flag : List.of("single_word", "lstrip", "rstrip")) {
                require(!t.path(flag).asBoolean(false), "added token " + content + " has " + flag);
            }
            if (t.path("special").asBoolean(false) && !content.isEmpty()) {
                specials.add(t);
                specialContents.add(content);
            }
        }
        Map<String, Integer> ids = new HashMap<>();
        int vocabSize = vocab.size();
        for (JsonNode t : added) {
            String content = t.path("content").asText("");
            if (content.isEmpty()) {
                continue;
            }
            Integer id = vocab.get(content);
            if (id == null) {
                int max = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
                id = ids.isEmpty() ? vocabSize : (max >= vocabSize || vocabSize == 0) ? max + 1 : vocabSize;
            }
            ids.put(content, id);
            if (!specialContents.contains(content)) {
                ordinary.add(t);
            }
        }
        List<JsonNode> all = new ArrayList<>(specials);
        all.addAll(ordinary);
        AddedTokens[][] passes = new AddedTokens[2][];
        for (boolean normalized : new boolean[]{false, true}) {
            List<String> contents = new ArrayList<>();
            for (JsonNode t : all) {
                if (t.path("normalized").asBoolean(true) == normalized) {
                    contents.add(t.path("content").asText());
                }
            }
            passes[normalized ? 1 : 0] = contents.isEmpty() ? new AddedTokens[0]
                    : new AddedTokens[]{new AddedTokens(contents, ids)};
        }
        return passes;
    }

    /** One pass of added tokens, longest first so the first that matches at a position is the longest. */
    private static final class AddedTokens {
        final String[] contents;
        final int[] ids;
        private final boolean[] first = new boolean[65536];

        AddedTokens(List<String> tokens, Map<String, Integer> ids) {
            List<String> sorted = new ArrayList<>(tokens);
            sorted.sort(Comparator.comparingInt(String::length).reversed());
            contents = sorted.toArray(new String[0]);
            this.ids = new int[contents.length];
            for (int i = 0; i < contents.length; i++) {
                this.ids[i] = ids.get(contents[i]);
                first[contents[i].charAt(0)] = true;
            }
        }

        /** The longest token that starts at {@code i} and ends by {@code to}, or -1. */
        int longestAt(String s, int i, int to) {
            if (!first[s.charAt(i)]) {
                return -1;
            }
            for (int t = 0; t < contents.length; t++) {
                if (contents[t].length() <= to - i && s.startsWith(contents[t], i)) {
                    return t;
                }
            }
            return -1;
        }
    }

    /** Merge ranks by pair of ids: open addressing on a long key, linear probing. */
    private static final class PairRanks {
        private final long[] keys;
        private final int[] values;
        private final int mask;

        PairRanks(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected) * 4 - 1) << 1;
            keys = new long[cap];
            Arrays.fill(keys, -1L);
            values = new int[cap];
            mask = cap - 1;
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 40) & mask;
        }

        void put(int a, int b, int value) {
            long key = ((long) a << 32) | (b & 0xFFFFFFFFL);
            int i = slot(key);
            while (keys[i] != -1L && keys[i] != key) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = value;
        }

        /** The rank of merging {@code a b}, or -1. */
        int get(int a, int b) {
            long key = ((long) a << 32) | (b & 0xFFFFFFFFL);
            int i = slot(key);
            while (true) {
                long k = keys[i];
                if (k == key) {
                    return values[i];
                }
                if (k == -1L) {
                    return -1;
                }
                i = (i + 1) & mask;
            }
        }
    }

    /** A thread's scratch space: output ids, the word being merged, its heap, and the pre-token cache. */
    private final class Work implements PreTokenizer.PieceSink {
        int[] out = new int[1024];
        int size;
        byte[] bytes = new byte[256];
        int[] sym = new int[256];
        int[] prev = new int[256];
        int[] next = new int[256];
        long[] heap = new long[256];
        int heapSize;

        /**
         * 2^18 slots, filled to half (131,072 pre-tokens) before the cache starts over: multilingual
         * text has many distinct pre-tokens, and on the bench's corpus in random order (man pages in
         * four languages, Python docs and code) encoding cost about 25 % more with 2^16 slots, and
         * more again with 2^20, whose arrays no longer fit the processor's caches. About 4 MB of
         * arrays per thread, plus the cached keys.
         */
        private static final int CACHE_BITS = 18;
        private static final int CACHE_SLOTS = 1 << CACHE_BITS;
        private final String[] cacheKeys = new String[CACHE_SLOTS];
        private final int[] cacheHashes = new int[CACHE_SLOTS];
        /** A pre-token's ids; most are one token, kept in {@link #cacheSingle} with null here. */
        private final int[][] cacheIds = new int[CACHE_SLOTS][];
        private final int[] cacheSingle = new int[CACHE_SLOTS];
        private int cached;

        @Override
        public void piece(String s, int from, int to) {
            int len = to - from;
            if (len > MAX_CACHED_CHARS) {
                word(s, from, to, this);
                return;
            }
            int h = 0;
            for (int i = from; i < to; i++) {
                h = 31 * h + s.charAt(i);
            }
            h ^= h >>> 16;
            int slot = home(h);
            for (String k; (k = cacheKeys[slot]) != null; slot = (slot + 1) & (CACHE_SLOTS - 1)) {
                if (cacheHashes[slot] == h && k.length() == len && s.regionMatches(from, k, 0, len)) {
                    int[] ids = cacheIds[slot];
                    if (ids == null) {
                        add(cacheSingle[slot]);
                        return;
                    }
                    ensureOut(ids.length);
                    System.arraycopy(ids, 0, out, size, ids.length);
                    size += ids.length;
                    return;
                }
            }
            int start = size;
            word(s, from, to, this);
            if (cached >= CACHE_SLOTS / 2) {
                // Bounded: forget everything and start over (cheap, and rare on real text).
                Arrays.fill(cacheKeys, null);
                Arrays.fill(cacheIds, null);
                cached = 0;
                slot = home(h);
                while (cacheKeys[slot] != null) {
                    slot = (slot + 1) & (CACHE_SLOTS - 1);
                }
            }
            cacheKeys[slot] = s.substring(from, to);
            cacheHashes[slot] = h;
            if (size - start == 1) {
                cacheSingle[slot] = out[start];
                cacheIds[slot] = null;
            } else {
                cacheIds[slot] = Arrays.copyOfRange(out, start, size);
            }
            cached++;
        }

        /** A hash's first slot (Fibonacci hashing: its top bits after a multiply). */
        private static int home(int h) {
            return (h * 0x9E3779B9) >>> (32 - CACHE_BITS);
        }

        void add(int id) {
            ensureOut(1);
            out[size++] = id;
        }

        private void ensureOut(int more) {
            if (size + more > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, size + more));
            }
        }

        /** Writes the UTF-8 bytes of s[from, to) (no lone surrogates) to {@link #bytes}; returns their count. */
        int utf8(String s, int from, int to) {
            if (bytes.length < 3 * (to - from)) {
                bytes = new byte[3 * (to - from)];
            }
            int n = 0;
            for (int i = from; i < to; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    bytes[n++] = (byte) c;
                } else if (c < 0x800) {
                    bytes[n++] = (byte) (0xC0 | (c >> 6));
                    bytes[n++] = (byte) (0x80 | (c & 0x3F));
                } else if (Character.isHighSurrogate(c)) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    bytes[n++] = (byte) (0xF0 | (cp >> 18));
                    bytes[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    bytes[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    bytes[n++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    bytes[n++] = (byte) (0xE0 | (c >> 12));
                    bytes[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                    bytes[n++] = (byte) (0x80 | (c & 0x3F));
                }
            }
            return n;
        }

        void ensureSymbols(int n) {
            if (sym.length < n) {
                sym = new int[n];
                prev = new int[n];
                next = new int[n];
                heap = new long[2 * n];
            }
        }

        void push(long v) {
            if (heapSize == heap.length) {
                heap = Arrays.copyOf(heap, heap.length * 2);
            }
            int i = heapSize++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= v) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = v;
        }

        long pop() {
            long top = heap[0];
            long last = heap[--heapSize];
            int i = 0;
            int half = heapSize >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < heapSize && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (last <= heap[child]) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
