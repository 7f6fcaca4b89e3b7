package io.lmforge.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lmforge.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The JVM encoder against Hugging Face tokenizers itself (through DJL): the same ids on every
 * document of a held-out corpus in many languages, on hostile strings and on random ones, for
 * DeepSeek-V3's released tokenizer and for one we train; and it declines what it does not copy.
 */
class BpeEncoderTest {
    static ObjectNode deepseek;
    static ObjectNode ours;
    static HfEncoder deepseekHf;
    static HfEncoder oursHf;
    static BpeEncoder deepseekJvm;
    static BpeEncoder oursJvm;
    static List<String> heldOut;

    @BeforeAll
    static void load() {
        deepseek = TokenizerJson.parse(TestData.read("npm/tokenizer-deepseek_v3/models/tokenizer.json"), "deepseek");
        deepseekHf = HfEncoder.forDocuments(deepseek.toString());
        deepseekJvm = loaded(BpeEncoder.forDocuments(deepseek));

        String docs = "debian/python3.11-doc/usr/share/doc/python3.11/html/_sources/";
        Map<String, Long> words = new HashMap<>();
        for (String d : TestData.texts(docs + "library", ".rst.txt", 120)) {
            PreTokenizer.split(d, w -> words.merge(w, 1L, Long::sum));
        }
        String[] w = words.keySet().toArray(new String[0]);
        long[] c = Arrays.stream(w).mapToLong(words::get).toArray();
        ours = TokenizerJson.parse(new String(TokenizerJson.write(new BpeTrainer(4000, 2).train(w, c),
                SpecialTokens.DEFAULT), StandardCharsets.UTF_8), "ours");
        oursHf = HfEncoder.forDocuments(ours.toString());
        oursJvm = loaded(BpeEncoder.forDocuments(ours));

        // Held out: nothing above was trained on these.
        heldOut = heldOutCorpus();
    }

    /** Real text in many languages and scripts: Python docs and code, man pages, the Debian Reference. */
    static List<String> heldOutCorpus() {
        String docs = "debian/python3.11-doc/usr/share/doc/python3.11/html/_sources/";
        List<String> heldOut = new ArrayList<>();
        for (String dir : List.of("tutorial", "howto", "faq", "reference")) {
            heldOut.addAll(TestData.texts(docs + dir, ".rst.txt", 20));
        }
        heldOut.addAll(TestData.texts("debian/libpython3.11-stdlib/usr/lib/python3.11/asyncio", ".py", 20));
        heldOut.addAll(TestData.texts("debian/libpython3.11-stdlib/usr/lib/python3.11/concurrent", ".py", 10));
        for (String lang : List.of("ja", "zh_CN", "zh_TW", "de", "fr", "ru")) {
            heldOut.addAll(TestData.texts("debian/manpages-" + lang.substring(0, 2) + "/usr/share/man/" + lang, ".gz", 15));
        }
        for (String lang : List.of("en", "de", "fr", "es", "it", "pt", "ja", "zh-cn", "zh-tw", "id")) {
            heldOut.addAll(TestData.debianReference(lang).subList(0, 12));
        }
        return heldOut;
    }

    @AfterAll
    static void close() {
        deepseekHf.close();
        oursHf.close();
    }

    static BpeEncoder loaded(BpeEncoder.Loaded l) {
        assertNull(l.declined(), "declined: " + l.declined());
        return l.encoder();
    }

    /** Asserts the JVM encoder gives HF's ids on each text (or declines the text, where it must). */
    static void assertSameIds(BpeEncoder jvm, HfEncoder hf, List<String> texts) {
        int[][] expected = hf.encodeEach(texts.toArray(new String[0]));
        for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i);
            int[] ids = jvm.encode(t);
            if (!BpeEncoder.canEncode(t)) {
                assertNull(ids, "a text it cannot vouch for must be left to HF");
                continue;
            }
            if (ids == null && !BpeEncoder.normalizesAsHf(t)) {
                continue;
            }
            if (!Arrays.equals(expected[i], ids)) {
                fail("text " + i + " differs from HF at token " + firstDifference(expected[i], ids) + ": "
                        + describe(t.length() > 200 ? t.substring(0, 200) : t) + "\nHF  " + Arrays.toString(expected[i])
                        + "\nJVM " + Arrays.toString(ids));
            }
        }
    }

    private static int firstDifference(int[] a, int[] b) {
        int i = 0;
        while (i < Math.min(a.length, b.length) && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    private static String describe(String s) {
        StringBuilder b = new StringBuilder("\"" + s + "\" [");
        s.codePoints().limit(60).forEach(cp -> b.append(Integer.toHexString(cp)).append(' '));
        return b.append(']').toString();
    }

    @Test
    void sameIdsAsHuggingFaceOnEveryHeldOutDocument() {
        long bytes = heldOut.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
        assertTrue(heldOut.size() > 250 && bytes > 3_000_000, heldOut.size() + " documents, " + bytes + " bytes");
        assertTrue(heldOut.stream().allMatch(BpeEncoder::canEncode), "real text is never left to HF here");
        assertSameIds(deepseekJvm, deepseekHf, heldOut);
        assertSameIds(oursJvm, oursHf, heldOut);
    }

    static List<String> hostile() {
        List<String> s = new ArrayList<>(List.of(
                "",
                " ",
                "a",
                "\u0000",
                "NUL\u0000inside\u0000\u0000",
                "emoji \uD83D\uDE00\uD83D\uDC4D\uD83C\uDFFD family \uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67 flag \uD83C\uDDE9\uD83C\uDDEA",
                "keycap 1\uFE0F\u20E3 and \u2764\uFE0F text\u200Djoined",
                "e\u0301 a\u0300\u0316 \u0301start, Z\u0351\u0334\u0353a\u035Bl\u0327g\u0489o, \u0915\u094D\u0937 \u0E01\u0E34\u0E48",
                "digits \u0661\u0662\u0663\u0664\u0665 \uFF11\uFF12\uFF13\uFF14 \u2163\u2164 \u00B2\u00B3 \u0967\u0968 12345678901234567890",
                "tabs\t\tand\u000B\u000Cfeeds \u0085nel\u00A0nbsp\u1680ogham\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A"
                        + "\u2028ls\u2029ps\u202Fnnbsp\u205Fmmsp\u3000ideo\u180Emvs\u200Bzwsp\uFEFFbom",
                "\u001C\u001D\u001E\u001Fseparators \u001C a",
                "\r\n\r\n  \r\n\t\n\r \n\n\n   x  \r\n  ",
                "trailing spaces   ",
                "   leading",
                "a\r\rb\n\r\nc",
                "x".repeat(5000),
                "supercalifragilisticexpialidocious".repeat(40),
                "\u00e9".repeat(3000) + " \u4e2d".repeat(500),
                "9".repeat(1000) + "." + "0".repeat(7),
                "!!!???...---***" + "=".repeat(300) + "\n\n",
                "<\uFF5CUser\uFF5C>hello<\uFF5CAssistant\uFF5C>hi<\uFF5Cend\u2581of\u2581sentence\uFF5C>",
                "word<\uFF5CUser\uFF5C>word x<\uFF5Cfim\u2581hole\uFF5C>y<\uFF5Cfim\u2581begin\uFF5C><\uFF5Cfim\u2581end\uFF5C>",
                "<\uFF5Ctool\u2581calls\u2581begin\uFF5C><\uFF5Ctool\u2581call\u2581begin\uFF5C>f<\uFF5Ctool\u2581sep\uFF5C>",
                "<\uFF5CUser\uFF5C<\uFF5CUser\uFF5C>> <<\uFF5CUser\uFF5C <\uFF5CUse",
                "<eos> <bos> <pad> <unk> <\uFF5Cbegin\u2581of\u2581sentence\uFF5C> <\uFF5C\u2581pad\u2581\uFF5C>",
                "\u4e2d\u6587\u5b57\u7b26abc\u3042\u30a2\u30fc\u3000\u4e00\u9fa5\u9fa6 \uAC00\uD7A3 \uD840\uDC00\uD869\uDEDF",
                "\u05E9\u05DC\u05D5\u05DD \u0627\u0644\u0639\u0631\u0628\u064A\u0629 \u200F\u200E\u202A\u202C",
                "\uD835\uDC00\uD835\uDC01 \uD835\uDFCE\uD835\uDFCF math letters and digits",
                "private \uE000\uF8FF \uDB80\uDC00 use",
                "C0 \u0001\u0002\u0007\u001B[31mred\u001B[0m \u007F DEL \u0080\u009F C1",
                "quotes \u00AB\u00BB \u201C\u201D \u2018\u2019 \u300C\u300D \u2014\u2013 \u2026",
                "currency $5 \u20AC5 \u00A35 \u00A55 \u20B9 symbols \u00A9\u00AE\u2122 \u2200\u2203\u2211 \u2190\u2192 \u25A0",
                "'s 't 're 've 'm 'll 'd It's DON'T"));
        return s;
    }

    @Test
    void sameIdsOnHostileStrings() {
        List<String> texts = hostile();
        assertSameIds(deepseekJvm, deepseekHf, texts);
        assertSameIds(oursJvm, oursHf, texts);
        assertArrayEquals(new int[0], deepseekJvm.encode(""));
    }

    @Test
    void addedTokensMatchAsHuggingFaceMatchesThemAndSpecialTextStaysText() {
        int user = deepseekHf.encode("<\uFF5CUser\uFF5C>")[0];
        // The released id, as the full tokenizer gives it (TokenizerJson.withoutSpecialTokens keeps it).
        assertEquals(128803, user);
        assertArrayEquals(new int[]{user}, deepseekJvm.encode("<\uFF5CUser\uFF5C>"));
        int[] inside = deepseekJvm.encode("abc<\uFF5CUser\uFF5C>def");
        assertEquals(1, Arrays.stream(inside).filter(id -> id == user).count(), Arrays.toString(inside));
        for (String special : List.of("<\uFF5Cbegin\u2581of\u2581sentence\uFF5C>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>")) {
            int[] ids = deepseekJvm.encode(special);
            assertTrue(ids.length > 1, "special text is encoded as text: " + Arrays.toString(ids));
            assertFalse(Arrays.stream(ids).anyMatch(id -> id <= 2), Arrays.toString(ids));
        }
        int[] eos = oursJvm.encode("a <eos> b");
        assertTrue(Arrays.stream(eos).allMatch(id -> id >= 4), Arrays.toString(eos));
    }

    @Test
    void sameIdsOnRandomStringsOverManyUnicodeBlocks() {
        int[][] blocks = {
                {0x0000, 0x007F}, {0x0080, 0x024F}, {0x0250, 0x036F}, {0x0370, 0x052F}, {0x0530, 0x06FF},
                {0x0700, 0x08FF}, {0x0900, 0x0DFF}, {0x0E00, 0x0FFF}, {0x1000, 0x1FFF}, {0x2000, 0x2BFF},
                {0x2C00, 0x2FFF}, {0x3000, 0x33FF}, {0x3400, 0x4DBF}, {0x4DC0, 0x9FFF}, {0xA000, 0xABFF},
                {0xAC00, 0xD7FF}, {0xE000, 0xF8FF}, {0xF900, 0xFFFF}, {0x10000, 0x1FFFF}, {0x1F000, 0x1FAFF},
                {0x20000, 0x2FFFF}, {0xE0000, 0xE01EF},
        };
        String frequent = " \n\t\r.,'\"-_:0123456789aeiouxyzAEZ<|>\uFF5C\u00A0\u3000\u4e00\u3042";
        Random random = new Random(20240917);
        List<String> texts = new ArrayList<>();
        int left = 0;
        for (int trial = 0; trial < 4000; trial++) {
            StringBuilder b = new StringBuilder();
            int len = 1 + random.nextInt(trial % 10 == 0 ? 200 : 24);
            int[] block = blocks[random.nextInt(blocks.length)];
            for (int i = 0; i < len; i++) {
                int pick = random.nextInt(10);
                if (pick < 4) {
                    b.appendCodePoint(block[0] + random.nextInt(block[1] - block[0] + 1));
                } else if (pick < 8) {
                    b.append(frequent.charAt(random.nextInt(frequent.length())));
                } else if (pick < 9) {
                    int[] other = blocks[random.nextInt(blocks.length)];
                    b.appendCodePoint(other[0] + random.nextInt(other[1] - other[0] + 1));
                } else {
                    b.append(List.of("<\uFF5CUser\uFF5C>", "<eos>", " the", "ing", "\r\n", "  ", "12345").get(random.nextInt(7)));
                }
            }
            String s = b.toString();
            texts.add(s);
            if (!BpeEncoder.canEncode(s)) {
                left++;
            }
        }
        assertTrue(left > 0 && left < texts.size() / 2, left + " random texts left to HF");
        assertSameIds(deepseekJvm, deepseekHf, texts);
        assertSameIds(oursJvm, oursHf, texts);
    }

    /**
     * The fallback rule is exactly wide enough: every code point this JVM calls assigned (all of
     * Unicode but the private-use planes 15 and 16, sampled) splits and merges as in HF, beside
     * letters, marks, digits, punctuation, spaces and itself. (On the code points Java 17 calls
     * unassigned, HF differs on about one in ten, which is why those texts go to HF.)
     */
    @Test
    void everyAssignedCodePointAgreesWithHuggingFaceInContext() {
        List<String> texts = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        int count = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp += cp >= 0xF0000 ? 97 : 1) {
            if (Character.getType(cp) == Character.UNASSIGNED || Character.getType(cp) == Character.SURROGATE) {
                continue;
            }
            String c = new String(Character.toChars(cp));
            b.append("ab").append(c).append("cd ").append(c).append(c).append(" 1").append(c).append("2 !")
                    .append(c).append("\u0301").append(c).append("\n").append(c).append("  ").append(c);
            if (++count % 8 == 0) {
                texts.add(b.toString());
                b.setLength(0);
            }
        }
        texts.add(b.toString());
        assertTrue(count > 140_000, count + " code points");
        assertTrue(texts.stream().allMatch(BpeEncoder::canEncode));
        assertSameIds(deepseekJvm, deepseekHf, texts);
    }

    @Test
    void textsItCannotVouchForAreLeftToTheCaller() {
        assertTrue(BpeEncoder.canEncode("plain \uD83D\uDE00 text \u4e2d"));
        assertFalse(BpeEncoder.canEncode("lone high \uD83D here"));
        assertFalse(BpeEncoder.canEncode("lone low \uDE00 here"));
        assertFalse(BpeEncoder.canEncode("ends high \uD83D"));
        assertFalse(BpeEncoder.canEncode("unassigned \u0378"));
        assertFalse(BpeEncoder.canEncode("noncharacter \uFFFF"));
        assertNull(deepseekJvm.encode("x\u0378y"));
    }

    @Test
    void idsStayRightWhenTheCacheFillsAndStartsOver() throws Exception {
        // More distinct pre-tokens than the cache holds (131,072 before it starts over), on a fresh
        // thread so that its cache is empty: each text after the first starts with words it cached.
        StringBuilder words = new StringBuilder();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 150_000; i++) {
            // Letters only, so that each word is one pre-token: " w" and i in base 26, some with an é.
            words.append(" w");
            for (int n = i; n > 0; n /= 26) {
                words.append((char) ('a' + n % 26));
            }
            words.append(i % 7 == 0 ? "\u00e9" : "");
            if (i % 10_000 == 9_999) {
                texts.add(words.toString());
                words.setLength(0);
            }
        }
        texts.add(texts.get(0));
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            one.submit(() -> assertSameIds(deepseekJvm, deepseekHf, texts)).get();
        } finally {
            one.shutdown();
        }
    }

    @Test
    void oneInstanceIsSafeAcrossThreads() throws Exception {
        List<String> texts = heldOut.subList(0, 120);
        int[][] expected = deepseekHf.encodeEach(texts.toArray(new String[0]));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int shift = t;
                done.add(pool.submit(() -> {
                    for (int r = 0; r < 3; r++) {
                        for (int i = 0; i < texts.size(); i++) {
                            int k = (i * 7 + shift * 31) % texts.size();
                            assertArrayEquals(expected[k], deepseekJvm.encode(texts.get(k)), "text " + k);
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** A variant of our tokenizer, loaded by both encoders and compared on part of the corpus. */
    private static void assertVariantMatches(Consumer<ObjectNode> change, List<String> texts) {
        ObjectNode json = ours.deepCopy();
        change.accept(json);
        try (HfEncoder hf = HfEncoder.load(json.toString())) {
            assertSameIds(loaded(BpeEncoder.load(json)), hf, texts);
        }
    }

    private static List<String> sample() {
        List<String> s = new ArrayList<>(hostile());
        for (int i = 0; i < heldOut.size(); i += 12) {
            s.add(heldOut.get(i));
        }
        return s;
    }

    @Test
    void mergesAsArraysAndIgnoreMergesMatchHuggingFace() {
        assertVariantMatches(j -> {
            ArrayNode pairs = j.arrayNode();
            for (var m : j.path("model").path("merges")) {
                String[] p = m.asText().split(" ");
                pairs.addArray().add(p[0]).add(p[1]);
            }
            ((ObjectNode) j.get("model")).set("merges", pairs);
        }, sample());
        assertVariantMatches(j -> ((ObjectNode) j.get("model")).put("ignore_merges", true), sample());
    }

    private static ObjectNode split(ObjectNode j, SplitScanner regex) {
        ObjectNode s = j.objectNode().put("type", "Split");
        s.putObject("pattern").put("Regex", regex.regex);
        return s.put("behavior", "Isolated").put("invert", false);
    }

    private static ObjectNode byteLevel(ObjectNode j, boolean prefixSpace, boolean useRegex) {
        return j.objectNode().put("type", "ByteLevel").put("add_prefix_space", prefixSpace).put("trim_offsets", true)
                .put("use_regex", useRegex);
    }

    private static void preTokenizers(ObjectNode j, ObjectNode... steps) {
        ObjectNode seq = j.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode a = seq.putArray("pretokenizers");
        for (ObjectNode step : steps) {
            a.add(step);
        }
    }

    /**
     * The pre-tokenizers and normalizers of the family on one vocabulary: GPT-2's ByteLevel regex
     * with and without prefix space, GPT-2's, Llama-3's and Qwen's regexes as Split steps, two in a
     * row, prefix space after Splits, and the four Unicode normalization forms.
     */
    @Test
    void preTokenizersAndNormalizersOfTheFamilyMatchHuggingFace() {
        List<String> texts = sample();
        texts.addAll(BpeEncoderFamilyTest.family());
        assertVariantMatches(j -> j.set("pre_tokenizer", byteLevel(j, false, true)), texts);
        assertVariantMatches(j -> j.set("pre_tokenizer", byteLevel(j, true, true)), texts);
        assertVariantMatches(j -> preTokenizers(j, split(j, SplitScanner.LLAMA3), byteLevel(j, false, false)), texts);
        assertVariantMatches(j -> preTokenizers(j, split(j, SplitScanner.QWEN), byteLevel(j, true, false)), texts);
        assertVariantMatches(j -> preTokenizers(j, split(j, SplitScanner.GPT2), byteLevel(j, false, false)), texts);
        assertVariantMatches(j -> preTokenizers(j, split(j, SplitScanner.QWEN), split(j, SplitScanner.GPT2),
                byteLevel(j, false, true)), texts);
        assertVariantMatches(j -> ((ObjectNode) j.get("pre_tokenizer").get("pretokenizers").get(3))
                .put("add_prefix_space", true), texts);
        for (String form : List.of("NFC", "NFD", "NFKC", "NFKD")) {
            assertVariantMatches(j -> j.putObject("normalizer").put("type", form), texts);  // NFC, NFD, NFKC, NFKD
        }
        assertVariantMatches(j -> {
            ObjectNode seq = j.putObject("normalizer").put("type", "Sequence");
            seq.putArray("normalizers").addObject().put("type", "NFD");
            ((ArrayNode) seq.get("normalizers")).addObject().put("type", "NFKC");
        }, texts);
    }

    @Test
    void addedTokensOfBothKindsMatchInHuggingFacesTwoPasses() {
        // Non-normalized tokens are cut out before normalized ones, whatever their position; ids
        // come from HF's add_tokens (the vocabulary's when the content is in it), not the file.
        List<String> texts = List.of("xab", "abxa", "xxaab", "<eos>x<eos>", "foo<b>bar</b>", "<b><b>>",
                "the cat xa the", "ab", "a", "", "xa xa, ab! <eos> <bos>");
        assertVariantMatches(j -> {
            ArrayNode added = (ArrayNode) j.get("added_tokens");
            added.addObject().put("id", 9001).put("content", "ab").put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", false);
            added.addObject().put("id", 9002).put("content", "xa").put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", true).put("special", false);
            added.addObject().put("id", 9003).put("content", "<b>").put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", true).put("special", true);
            added.addObject().put("id", 9004).put("content", "<b><b>").put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", true).put("special", false);
            added.addObject().put("id", 9005).put("content", " the").put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", false);
        }, texts);
        // The full released tokenizer, special tokens included, as HF loads it.
        try (HfEncoder hf = HfEncoder.load(deepseek.toString())) {
            assertSameIds(loaded(BpeEncoder.load(deepseek)), hf, hostile());
        }
    }

    @Test
    void declinesWhatItDoesNotReproduce() {
        List<Map.Entry<String, Consumer<ObjectNode>>> changes = new ArrayList<>();
        changes.add(Map.entry("dropout", j -> ((ObjectNode) j.get("model")).put("dropout", 0.1)));
        changes.add(Map.entry("continuing_subword_prefix", j -> ((ObjectNode) j.get("model")).put("continuing_subword_prefix", "##")));
        changes.add(Map.entry("byte_fallback", j -> ((ObjectNode) j.get("model")).put("byte_fallback", true)));
        changes.add(Map.entry("pre_tokenizer", j -> ((ObjectNode) j.get("pre_tokenizer").get("pretokenizers").get(2))
                .putObject("pattern").put("Regex", "\\s+|\\S+")));
        changes.add(Map.entry("pre_tokenizer", j -> ((ObjectNode) j.get("pre_tokenizer").get("pretokenizers").get(1))
                .put("behavior", "Removed")));
        changes.add(Map.entry("pre_tokenizer", j -> j.putObject("pre_tokenizer").put("type", "Metaspace")));
        changes.add(Map.entry("normalizer", j -> j.putObject("normalizer").put("type", "Lowercase")));
        changes.add(Map.entry("model type", j -> ((ObjectNode) j.get("model")).put("type", "WordPiece")));
        changes.add(Map.entry("lstrip", j -> ((ObjectNode) j.get("added_tokens").get(0)).put("lstrip", true)));
        changes.add(Map.entry("byte 0x", j -> ((ObjectNode) j.get("model").get("vocab")).remove(String.valueOf(ByteLevel.charOf('a')))));
        changes.add(Map.entry("merge", j -> ((ArrayNode) j.get("model").get("merges")).insert(0, "zzzqq yyy")));
        for (Map.Entry<String, Consumer<ObjectNode>> c : changes) {
            ObjectNode json = ours.deepCopy();
            c.getValue().accept(json);
            BpeEncoder.Loaded l = BpeEncoder.load(json);
            assertNull(l.encoder(), c.getKey());
            assertNotNull(l.declined());
            assertTrue(l.declined().contains(c.getKey()), c.getKey() + ": " + l.declined());
        }
        ObjectNode noPre = ours.deepCopy();
        noPre.putNull("pre_tokenizer");
        assertTrue(BpeEncoder.of(noPre).isEmpty());
        assertTrue(BpeEncoder.of(ours).isPresent());
    }
}
