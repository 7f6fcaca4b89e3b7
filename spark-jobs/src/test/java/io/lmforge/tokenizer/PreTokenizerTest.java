package io.lmforge.tokenizer;

import io.lmforge.testing.TestData;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hand-written scanner against the regexes it stands for. */
class PreTokenizerTest {

    @Test
    void characterClassesAgreeWithTheRegexEngineOnEveryCodePoint() {
        Pattern white = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);
        Pattern letter = Pattern.compile("\\p{L}");
        Pattern mark = Pattern.compile("\\p{M}");
        Pattern punct = Pattern.compile("\\p{P}");
        Pattern symbol = Pattern.compile("\\p{S}");
        Pattern number = Pattern.compile("\\p{N}");
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                continue;
            }
            String c = new String(Character.toChars(cp));
            String at = "U+" + Integer.toHexString(cp);
            assertEquals(white.matcher(c).matches(), PreTokenizer.isWhiteSpace(cp), at);
            assertEquals(letter.matcher(c).matches(), PreTokenizer.isLetter(cp), at);
            assertEquals(letter.matcher(c).matches() || mark.matcher(c).matches(), PreTokenizer.isLetterOrMark(cp), at);
            assertEquals(punct.matcher(c).matches(), PreTokenizer.isPunctuation(cp), at);
            assertEquals(symbol.matcher(c).matches(), PreTokenizer.isSymbol(cp), at);
            assertEquals(number.matcher(c).matches(), PreTokenizer.isNumber(cp), at);
        }
    }

    @Test
    void scannerEqualsTheRegexesOnRealText() {
        List<String> texts = new ArrayList<>();
        texts.addAll(TestData.texts("debian/python3.11-doc/usr/share/doc/python3.11/html/_sources/library", ".rst.txt", 40));
        texts.addAll(TestData.texts("debian/libpython3.11-stdlib/usr/lib/python3.11/asyncio", ".py", 20));
        for (String lang : List.of("ja", "zh_CN", "fr", "de")) {
            texts.addAll(TestData.texts("debian/manpages-" + lang.substring(0, 2) + "/usr/share/man/" + lang + "/man1", ".gz", 15));
        }
        for (String t : texts) {
            assertEquals(PreTokenizer.regexPieces(t), PreTokenizer.pieces(t));
        }
    }

    @Test
    void scannerEqualsTheRegexesOnRandomStrings() {
        // Characters from every class the alternatives care about, including the edge cases.
        String alphabet = "aZé\u0301\u0903 \t\n\r\u00a0\u3000\u2028.,!'\"-_$+<=>^`|~@#()[]{}7\u0663\u2163\u00b2"
                + "中文\u3042\u30a2한\u0000\u001b\u200b\ufeff";
        int[] emoji = {0x1F600, 0x1D465, 0x1F44D, 0x20000};
        Random random = new Random(3);
        for (int trial = 0; trial < 20_000; trial++) {
            StringBuilder b = new StringBuilder();
            int len = random.nextInt(16);
            for (int i = 0; i < len; i++) {
                if (random.nextInt(12) == 0) {
                    b.appendCodePoint(emoji[random.nextInt(emoji.length)]);
                } else {
                    b.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            String s = b.toString();
            assertEquals(PreTokenizer.regexPieces(s), PreTokenizer.pieces(s), () -> "on " + s.codePoints()
                    .mapToObj(Integer::toHexString).toList());
        }
    }
}
