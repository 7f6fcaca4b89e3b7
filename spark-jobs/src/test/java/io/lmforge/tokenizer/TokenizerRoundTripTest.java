package io.lmforge.tokenizer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lmforge.testing.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tokenizer trained on real English prose, written as tokenizer.json, loaded by Hugging Face
 * tokenizers through DJL (offline, native library from the jar), round-trips held-out text in
 * other languages and scripts exactly; and our Java pre-tokenizer splits text where DeepSeek-V3's
 * released tokenizer does.
 */
class TokenizerRoundTripTest {
    static List<String> training;
    static List<String> heldOut;
    static BpeTrainer.Result bpe;
    static byte[] json;

    @BeforeAll
    static void train() {
        List<String> docs = TestData.texts("debian/python3.11-doc/usr/share/doc/python3.11/html/_sources/library", ".rst.txt", 120);
        training = docs.subList(0, 100);
        heldOut = new ArrayList<>(docs.subList(100, docs.size()));
        heldOut.addAll(TestData.texts("debian/manpages-ja/usr/share/man", ".gz", 5));
        heldOut.addAll(TestData.texts("debian/manpages-zh/usr/share/man", ".gz", 5));
        heldOut.addAll(TestData.texts("debian/manpages-de/usr/share/man", ".gz", 5));
        heldOut.addAll(TestData.texts("debian/libpython3.11-stdlib/usr/lib/python3.11", ".py", 5));
        heldOut.add("emoji \uD83D\uDE00\uD83D\uDC4D\uD83C\uDFFD, NUL \u0000, tabs\t\t, CR\r\n, "
                + "combining e\u0301, RTL \u05E9\u05DC\u05D5\u05DD, 12345678 and \u00A0nbsp, <eos> as text");
        Map<String, Long> words = new HashMap<>();
        for (String d : training) {
            PreTokenizer.split(d, w -> words.merge(w, 1L, Long::sum));
        }
        String[] w = words.keySet().toArray(new String[0]);
        long[] c = new long[w.length];
        for (int i = 0; i < w.length; i++) {
            c[i] = words.get(w[i]);
        }
        bpe = new BpeTrainer(1500, 2).train(w, c);
        json = TokenizerJson.write(bpe, SpecialTokens.DEFAULT);
    }

    @Test
    void huggingFaceLoadsItAndRoundTripsHeldOutTextExactly() {
        String text = new String(json, StandardCharsets.UTF_8);
        try (HfEncoder hf = HfEncoder.forDocuments(text); HfEncoder full = HfEncoder.load(text)) {
            long bytes = 0;
            long tokens = 0;
            int[][] encoded = hf.encode(heldOut.toArray(new String[0]));
            int[][] oneByOne = hf.encodeEach(heldOut.toArray(new String[0]));
            for (int i = 0; i < heldOut.size(); i++) {
                assertArrayEquals(encoded[i], oneByOne[i], "the batch API and one call per text, held-out text " + i);
                assertEquals(heldOut.get(i), full.decode(encoded[i], true), "held-out text " + i);
                for (int id : encoded[i]) {
                    assertTrue(id >= 4 && id < 4 + bpe.tokens().size(), "id " + id);
                }
                bytes += heldOut.get(i).getBytes(StandardCharsets.UTF_8).length;
                tokens += encoded[i].length;
            }
            // Merges are applied (not one token per byte): English docs compress well.
            int[] english = hf.encode(heldOut.get(0));
            assertTrue(heldOut.get(0).getBytes(StandardCharsets.UTF_8).length > 3.0 * english.length,
                    "bytes per token on English prose: " + (double) heldOut.get(0).length() / english.length);
            assertTrue(bytes > tokens);
        }
    }

    @Test
    void specialTokensComeFirstAndTheirTextEncodesAsText() {
        ObjectNode t = TokenizerJson.parse(new String(json, StandardCharsets.UTF_8), "ours");
        assertEquals(0, TokenizerJson.idOf(t, "<bos>"));
        assertEquals(1, TokenizerJson.idOf(t, "<eos>"));
        assertEquals(2, TokenizerJson.idOf(t, "<pad>"));
        assertEquals(3, TokenizerJson.idOf(t, "<unk>"));
        assertEquals(4 + 256 + bpe.merges().size(), TokenizerJson.vocabSize(t));
        try (HfEncoder full = HfEncoder.load(new String(json, StandardCharsets.UTF_8));
             HfEncoder text = HfEncoder.forDocuments(new String(json, StandardCharsets.UTF_8))) {
            assertArrayEquals(new int[]{1}, full.encode("<eos>"), "the released form matches special tokens");
            int[] ids = text.encode("a <eos> b");
            for (int id : ids) {
                assertTrue(id >= 4, "document text never yields a special id: " + java.util.Arrays.toString(ids));
            }
            assertEquals("a <eos> b", text.decode(ids, false));
        }
    }

    @Test
    void preTokenizerSplitsLikeDeepSeekV3() throws IOException {
        assertEquals(List.of("Hello", " world", " ", "123", "45", " ", "中文字符", "abc", "!\n"),
                PreTokenizer.pieces("Hello world 12345 中文字符abc!\n"));
        // Encoding each of our pieces alone gives DeepSeek-V3's ids for the whole text only if
        // HF never merges across one of our boundaries.
        String deepseek = Files.readString(TestData.path("npm/tokenizer-deepseek_v3/models/tokenizer.json"));
        try (HfEncoder hf = HfEncoder.forDocuments(deepseek)) {
            for (String text : heldOut) {
                List<String> pieces = PreTokenizer.pieces(text);
                int[][] perPiece = hf.encode(pieces.toArray(new String[0]));
                List<Integer> joined = new ArrayList<>();
                for (int[] p : perPiece) {
                    for (int id : p) {
                        joined.add(id);
                    }
                }
                int[] whole = hf.encode(text);
                assertEquals(whole.length, joined.size(), "token count of " + text.substring(0, 40));
                for (int i = 0; i < whole.length; i++) {
                    assertEquals(whole[i], joined.get(i), "token " + i);
                }
            }
        }
    }
}
