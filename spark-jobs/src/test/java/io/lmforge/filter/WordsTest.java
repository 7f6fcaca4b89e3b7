package io.lmforge.filter;

import io.lmforge.testing.TestData;
import org.apache.spark.sql.catalyst.util.CollationAwareUTF8String;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code jvm} engine's word view ({@link Words}: ranges of one char array) against the
 * regexes of {@link TextViews#wordsOf} run as Spark runs them ({@code java.util.regex}'s replace,
 * Spark's {@code trim} of spaces, {@code split} on {@code \s+}, empty tokens dropped), and the
 * case-mapping facts the scans rely on, checked for every code point.
 */
class WordsTest {
    private static final Pattern CJK = Pattern.compile(TextViews.CJK);
    private static final Pattern EDGES = Pattern.compile("^" + TextViews.PUNCT + "+|" + TextViews.PUNCT + "+$");
    private static final Pattern STRIP = Pattern.compile(TextViews.PUNCT + "*\\s+" + TextViews.PUNCT + "*");

    /** TextViews.wordsOf, step by step. */
    static String[] byRegexes(String text) {
        String s = CJK.matcher(text).replaceAll(" $0 ");
        s = EDGES.matcher(s).replaceAll(" ");
        s = STRIP.matcher(s).replaceAll(" ");
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == ' ') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == ' ') {
            to--;
        }
        return Arrays.stream(s.substring(from, to).split("\\s+", -1)).filter(w -> !w.isEmpty()).toArray(String[]::new);
    }

    static final List<String> ADVERSARIAL = List.of(
            "", " ", "\t\n\u000B\f\r", "...", "a", ".a.", "a.b", "a .b. c", "!!!a???", "(x) [y] {z}",
            "end.\u2028", "end.\u2029", "end.\u0085", "end.\r\n", "end.\n", "end.\r", ".\r\n", "a.\r\nb.\n",
            "\uD83D\uDE00 emoji\uD83D\uDE00. \uD840\uDC00\uD840\uDC01", "\uD800 lone \uDC00 surrogates\uD800",
            "e\u0301te\u0301. cafe\u0301, \u0301lead", "zero\u200Bwidth \u200B joiner\u200D\u200Cx \uFEFFbom",
            "\u3000\u300C\u65E5\u672C\u8A9E\u300D\u306E\u30C6\u30AD\u30B9\u30C8\u3002\u4E2D\u6587\uFF0C\u6807\u70B9\uFF01",
            "\u65E5a\u672Cb \u8A9E.\u4E2D, \u3042\u30FC\u3099 \u309A\u30FB", "\uFF08\u5168\u89D2\uFF09\uFF1A\uFF20",
            "\u00BFQu\u00E9? \u00A1S\u00ED! \u00ABguillemets\u00BB \u2018q\u2019 \u201Cq\u201D \u2026",
            "\u2010\u2027\u2030\u205E\u205F\u2060", "tab\tsep\u00A0nbsp\u2003em", "\u0130stanbul \u212Aelvin \u03A3\u039F\u03A3",
            "a\u3000b", "\u3001\u3001\u3001", "x\u3002\n\u3002y", "\u00AD\u00ADsoft", "\uF900\uFAFF\u3400\u4DBF\u9FFF");

    static void assertSameWords(String text) {
        Words w = Words.of(text);
        assertArrayEquals(byRegexes(text), w.toStrings(), () -> "words of " + escape(text));
        long codePoints = 0;
        for (String s : byRegexes(text)) {
            codePoints += s.codePointCount(0, s.length());
        }
        assertEquals(codePoints, w.codePoints(), () -> "code points of the words of " + escape(text));
        String noCjk = CJK.matcher(text).replaceAll("");
        assertEquals(text.codePointCount(0, text.length()) - noCjk.codePointCount(0, noCjk.length()), w.cjkChars(),
                () -> "CJK characters of " + escape(text));
    }

    @Test
    void wordRangesAreTheRegexWordsOnAdversarialStrings() {
        for (String s : ADVERSARIAL) {
            assertSameWords(s);
            // Each string also inside text and repeated, so edges and anchors land elsewhere.
            assertSameWords("x " + s + " y");
            assertSameWords(s + s + "\n" + s);
        }
    }

    @Test
    void wordRangesAreTheRegexWordsOnRealTextInElevenLanguages() {
        int texts = 0;
        for (String lang : List.of("en", "de", "fr", "es", "it", "pt", "id", "ja", "zh-cn", "zh-tw")) {
            List<String> sections = TestData.debianReference(lang);
            for (int i = 0; i < sections.size(); i += 9) {
                assertSameWords(sections.get(i));
                texts++;
            }
        }
        List<String> man = new ArrayList<>(TestData.records("multilang/manpages-ru.jsonl").values());
        for (int i = 0; i < man.size(); i += 25) {
            assertSameWords(man.get(i));
            texts++;
        }
        assertTrue(texts > 300, texts + " texts");
    }

    /** Spark's lower of a string with ICU's case mapping or the JDK's, not cached. */
    private static String lower(String s, boolean icu) {
        UTF8String u = UTF8String.fromString(s);
        return (icu ? CollationAwareUTF8String.toLowerCase(u) : u.toLowerCase()).toString();
    }

    @Test
    void caseMappingFactsTheScansRelyOnHoldForEveryCodePoint() {
        List<String> lowerToAscii = new ArrayList<>();
        for (int c = 0x80; c <= Character.MAX_CODE_POINT; c++) {
            // Unassigned, surrogate and private-use code points have no case mappings.
            int type = Character.getType(c);
            if (type == Character.UNASSIGNED || type == Character.SURROGATE || type == Character.PRIVATE_USE) {
                continue;
            }
            int cp = c;
            String s = Character.toString(cp);
            for (boolean icu : new boolean[]{true, false}) {
                String l = lower(s, icu);
                // Stopwords: a word longer than every stopword is none.
                assertTrue(l.length() >= s.length(), () -> "lower of U+" + Integer.toHexString(cp) + " is shorter");
                // ScannedText.lowerContains: which characters beyond ASCII lower-case to ASCII.
                if (l.chars().anyMatch(ch -> ch < 0x80) && !lowerToAscii.contains(s)) {
                    lowerToAscii.add(s);
                }
                // Stopwords.Memo: CJK characters are caseless.
                if (s.length() == 1 && ScannedText.isCjk(s.charAt(0))) {
                    assertEquals(s, l);
                }
            }
        }
        assertEquals(List.of("\u0130", "\u212A"), lowerToAscii);
    }

    @Test
    void lowerContainsIsLowerThenContains() {
        List<String> texts = new ArrayList<>(ADVERSARIAL);
        texts.addAll(List.of("Lorem Ipsum dolor", "LOREM IPSUM", "lorem  ipsum", "LOREM \u0130PSUM", "lorem\u212Aipsum",
                "lorem ipsu", "xlorem ipsumx", "Lorem\u00A0ipsum", "\u0141orem ipsum", "lorem ips\u00FCm lorem ipsum"));
        for (String t : texts) {
            for (boolean icu : new boolean[]{true, false}) {
                ScannedText s = new ScannedText(t, icu);
                assertEquals(lower(t, icu).contains("lorem ipsum"), s.lowerContains("lorem ipsum"), () -> escape(t));
            }
        }
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\u%04X", c)));
        return b.toString();
    }
}
