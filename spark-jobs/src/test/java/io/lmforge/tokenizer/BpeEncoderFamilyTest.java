package io.lmforge.tokenizer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lmforge.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Conformance of the JVM encoder with Hugging Face tokenizers (through DJL) on the released
 * tokenizers of the byte-level BPE family: DeepSeek-V3's, Llama-3's (GPT-4's regex, ignore_merges)
 * and Qwen3's (its regex with single digits, NFC, non-special added tokens). Every text of a
 * multilingual corpus gets HF's ids, the JVM encoder taking every text it can vouch for and HF the
 * rest (lone surrogates, code points unassigned in Java 17's Unicode), as {@link DocumentEncoder}
 * does; and the hand-written scanners equal {@code java.util.regex} running the regexes.
 */
class BpeEncoderFamilyTest {
    static final Map<String, HfEncoder> HF = new LinkedHashMap<>();
    static final Map<String, BpeEncoder> JVM = new LinkedHashMap<>();
    static List<String> corpus;

    @BeforeAll
    static void load() {
        for (String name : List.of("deepseek_v3", "llama3", "qwen3")) {
            ObjectNode json = TokenizerJson.parse(TestData.read("npm/tokenizer-" + name + "/models/tokenizer.json"), name);
            HF.put(name, HfEncoder.forDocuments(json.toString()));
            JVM.put(name, BpeEncoderTest.loaded(BpeEncoder.forDocuments(json)));
        }
        // Every other document of BpeEncoderTest's held-out corpus (all its languages and scripts).
        corpus = new ArrayList<>();
        List<String> heldOut = BpeEncoderTest.heldOutCorpus();
        for (int i = 0; i < heldOut.size(); i += 2) {
            corpus.add(heldOut.get(i));
        }
        corpus.addAll(BpeEncoderTest.hostile());
        corpus.addAll(family());
    }

    @AfterAll
    static void close() {
        HF.values().forEach(HfEncoder::close);
    }

    /** What this family's regexes, normalizers and added tokens care about. */
    static List<String> family() {
        return List.of(
                "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'Re 'rE 'VE 'M 'LL 'lL 'D it'S I'M we'Re she'LL they'VE",
                "'\u017F '\u017Ft \u017F's x'\u212A ''s ' s 'x 'sup 're'll 'dd 'mm 'lll '\u0301s",
                "don't DON'T Don\u2019t l'homme L'HOMME c'est aujourd'hui",
                "e\u0301 A\u030A \u212B \u1100\u1161\u11A8 \u00C5 \u00C5\u0301 A\u0328\u0301 \u1E9B\u0323 \uFB01 \u2126 \u00BD \u00B2 \uFB00",
                "\u0958 \u2ADC \u0344 \u0F73 \u1FEE caf\u0065\u0301 na\u0131\u0308ve \uAC00\u11A8 \u110B\u1175",
                "<think>\u0301x</think> <tool_call>e\u0301</tool_call> <|fim_prefix|>\u0301<|fim_suffix|>",
                "<|im_end|> <|endoftext|> <|im_start|>user <|begin_of_text|> <|eot_id|> <|end_of_text|>",
                "1234567 \u0661\u0662\u0663\u0664 12a34 x1y22z333 3.14159 1,000,000 \u2460\u2461 \u00BE\u2157",
                "a \n\n b\t\n c \r\n d\r\n\r\n\te", " \u00A0x \u3000abc x  \ty  \u2003z\u2003", "\n \n", " \n", "\t",
                "def f(x):\n    return x ** 2  # square\n\n\nclass A:\n\tpass\n",
                "if (a != b && c >= d) { x += y; } // comment\n#include <stdio.h>\n",
                "\uD83D\uDE00abc \uD83D\uDE00 \uD83D\uDE00\uD83D\uDE00! ab\uD83D\uDE00cd \u2764\uFE0F\u200D\uD83D\uDD25",
                "\u00A0\u00A0a  \u00A0 b", "!!! ??? \u2026\u2026 \u3002\u3001 \uFF01\uFF1F", " !!!\n\n", " \u0301\u0301a",
                "\u0300a\u0300 \u0300 1\u0300 \u200D\u200C", "ǅungla ǈ ǋ \u01C4", "\u1E9E\u00DF\u00DF SS",
                "lone \uD800 high \uDBFF\uDC00\uDC00 unassigned \u0378 \uFFFF end");
    }

    private static List<String> random(long seed, int count) {
        String pool = " \n\t\r'.,!?-_\"0123456789aeiosxzASTDMLRVE\u017F\u00E9\u0301\u0308\u00C5\u212B\u00A0\u3000"
                + "\u4e00\u3042\u30A2\u0661\u00B2\u2163\u0915\u094D\u0E01\u05D0\u0627\u0410\u0436\u00DF\uAC00\u1100\u1161";
        String[] pieces = {"<think>", "</think>", "<|im_end|>", "<|endoftext|>", "<tool_call>", " the", "'re", "\r\n",
                "  ", "12345", "\uD83D\uDE00", "\uD83D\uDC4D\uD83C\uDFFD", "\uD835\uDC00", "\uD840\uDC00"};
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            StringBuilder b = new StringBuilder();
            int len = 1 + r.nextInt(t % 10 == 0 ? 200 : 24);
            for (int i = 0; i < len; i++) {
                int pick = r.nextInt(10);
                if (pick < 6) {
                    b.append(pool.charAt(r.nextInt(pool.length())));
                } else if (pick < 9 || r.nextInt(4) > 0) {
                    b.append(pieces[r.nextInt(pieces.length)]);
                } else {
                    b.appendCodePoint(r.nextInt(0x30000));
                }
            }
            out.add(b.toString());
        }
        return out;
    }

    /**
     * HF's ids on every text, the JVM encoder's where it vouches for the text and HF's elsewhere;
     * returns how many texts it left to HF.
     */
    private static int assertAutoGivesHfIds(String name, List<String> texts) {
        BpeEncoder jvm = JVM.get(name);
        int[][] expected = HF.get(name).encodeEach(texts.toArray(new String[0]));
        int left = 0;
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = jvm.encode(texts.get(i));
            if (ids == null) {
                left++;
                continue;
            }
            if (!Arrays.equals(expected[i], ids)) {
                int k = 0;
                while (k < Math.min(ids.length, expected[i].length) && ids[k] == expected[i][k]) {
                    k++;
                }
                int[] before = Arrays.copyOfRange(expected[i], Math.max(0, k - 4), k);
                int[] hfAt = Arrays.copyOfRange(expected[i], k, Math.min(expected[i].length, k + 4));
                int[] jvmAt = Arrays.copyOfRange(ids, k, Math.min(ids.length, k + 4));
                HfEncoder hf = HF.get(name);
                fail(name + ": text " + i + " differs from HF at token " + k + " after " + codePoints(hf.decode(before, false))
                        + "\nHF  " + Arrays.toString(hfAt) + " " + codePoints(hf.decode(hfAt, false))
                        + "\nJVM " + Arrays.toString(jvmAt) + " " + codePoints(hf.decode(jvmAt, false)));
            }
        }
        return left;
    }

    private static String codePoints(String s) {
        StringBuilder b = new StringBuilder("[");
        s.codePoints().forEach(cp -> b.append(Integer.toHexString(cp)).append(' '));
        return b.append(']').toString();
    }

    @Test
    void everyTextOfAMultilingualCorpusGetsHfIdsForEachReleasedTokenizer() {
        long bytes = corpus.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
        assertTrue(corpus.size() > 150 && bytes > 1_500_000, corpus.size() + " texts, " + bytes + " bytes");
        // DeepSeek-V3's on the real text is BpeEncoderTest's; here on what this family adds.
        assertEquals(0, assertAutoGivesHfIds("deepseek_v3", family().subList(0, family().size() - 1)));
        for (String name : List.of("llama3", "qwen3")) {
            int left = assertAutoGivesHfIds(name, corpus);
            assertEquals(corpus.stream().filter(t -> !BpeEncoder.canEncode(t)).count(), left,
                    name + ": only texts with a lone surrogate or unassigned code points go to HF");
            assertTrue(left <= 2, left + " texts left to HF");
        }
    }

    @Test
    void forgettingTheSharedEncodersBuildsNewOnesThatGiveTheSameIds() {
        byte[] json = TestData.read("npm/tokenizer-qwen3/models/tokenizer.json").getBytes(StandardCharsets.UTF_8);
        String[] texts = family().toArray(new String[0]);
        for (DocumentEncoder.Choice choice : List.of(DocumentEncoder.Choice.AUTO, DocumentEncoder.Choice.HF)) {
            DocumentEncoder.Source source = new DocumentEncoder.Source(json, "forget-test", choice);
            DocumentEncoder first = DocumentEncoder.shared(source);
            assertSame(first, DocumentEncoder.shared(source), choice.key());
            int[][] before = first.encode(texts, 1).ids();
            DocumentEncoder.forgetShared();
            DocumentEncoder again = DocumentEncoder.shared(source);
            assertNotSame(first, again, choice.key());
            assertArrayEquals(before, again.encode(texts, 1).ids(), choice.key());
        }
        DocumentEncoder.forgetShared();
    }

    @Test
    void randomStringsGetHfIds() {
        List<String> texts = random(20261206, 3000);
        for (String name : JVM.keySet()) {
            int left = assertAutoGivesHfIds(name, texts);
            assertTrue(left > 0 && left < texts.size() / 2, name + ": " + left + " random texts left to HF");
        }
    }

    /** Every code point Java 17 calls assigned, beside letters, digits, marks, apostrophes and spaces, 16 to a text. */
    static List<String> everyCodePointInContext() {
        List<String> texts = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        int count = 0;
        // Planes 2 and 3 (CJK ideographs, all alike) and the private-use planes are sampled.
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp += cp >= 0xF0000 ? 97 : cp >= 0x20000 ? 13 : 1) {
            if (Character.getType(cp) == Character.UNASSIGNED || Character.getType(cp) == Character.SURROGATE) {
                continue;
            }
            String c = new String(Character.toChars(cp));
            b.append('a').append(c).append("b ").append(c).append(c).append('1').append(c).append('\'')
                    .append(c).append("\u0301").append(c).append("\n ").append(c);
            if (++count % 16 == 0) {
                texts.add(b.toString());
                b.setLength(0);
            }
        }
        texts.add(b.toString());
        assertTrue(count > 70_000, count + " code points");
        return texts;
    }

    /**
     * Qwen3 (its regex and NFC) on every assigned code point; the regexes alone, for all of them,
     * are {@link #scannersEqualTheRegexes}.
     */
    @Test
    void everyAssignedCodePointAgreesWithHfInContext() {
        List<String> texts = everyCodePointInContext();
        // Qwen3 normalizes (NFC): the texts with one of the code points HF's older tables normalize
        // differently go to HF, and only those.
        long differ = texts.stream().filter(t -> !BpeEncoder.normalizesAsHf(t)).count();
        assertTrue(differ > 0 && differ < 60, differ + " texts");
        assertEquals(differ, assertAutoGivesHfIds("qwen3", texts));
    }

    @Test
    void specialTokenTextStaysTextAndOrdinaryAddedTokensKeepTheirIds() {
        int[] think = JVM.get("qwen3").encode("a<think>b</think>");
        assertTrue(Arrays.stream(think).anyMatch(id -> id == 151667) && Arrays.stream(think).anyMatch(id -> id == 151668),
                Arrays.toString(think));
        for (String name : JVM.keySet()) {
            for (String special : List.of("<|im_end|>", "<|endoftext|>", "<|begin_of_text|>")) {
                int[] ids = JVM.get(name).encode(special);
                assertTrue(ids.length > 1, name + " " + special + " " + Arrays.toString(ids));
            }
        }
    }

    /** Each hand-written scanner gives the pieces java.util.regex gives for its regex. */
    @Test
    void scannersEqualTheRegexes() {
        List<String> texts = new ArrayList<>(family());
        texts.addAll(BpeEncoderTest.hostile());
        for (int i = 0; i < corpus.size(); i += 7) {
            texts.add(corpus.get(i));
        }
        texts.addAll(random(7, 3000));
        texts.addAll(everyCodePointInContext());
        texts.removeIf(t -> !BpeEncoder.canEncode(t));
        for (SplitScanner scanner : SplitScanner.values()) {
            Matcher m = Pattern.compile(scanner.regex, Pattern.UNICODE_CHARACTER_CLASS).matcher("");
            for (String t : texts) {
                List<String> expected = new ArrayList<>();
                m.reset(t);
                int last = 0;
                while (m.find()) {
                    if (m.start() > last) {
                        expected.add(t.substring(last, m.start()));
                    }
                    expected.add(m.group());
                    last = m.end();
                }
                if (last < t.length()) {
                    expected.add(t.substring(last));
                }
                List<String> got = new ArrayList<>();
                scanner.isolate(t, 0, t.length(), (s, from, to) -> got.add(s.substring(from, to)));
                if (!expected.equals(got)) {
                    int k = 0;
                    while (k < Math.min(expected.size(), got.size()) && expected.get(k).equals(got.get(k))) {
                        k++;
                    }
                    fail(scanner + " differs at piece " + k + ": regex " + expected.subList(k, Math.min(k + 3, expected.size()))
                            + ", scanner " + got.subList(k, Math.min(k + 3, got.size())));
                }
            }
        }
        assertArrayEquals(new int[0], JVM.get("qwen3").encode(""));
    }
}
