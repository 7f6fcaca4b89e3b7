package io.lmforge.dedup;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FingerprinterTest {
    private final Fingerprinter fp = new Fingerprinter(1, 2, Fingerprinter.Weighting.LOG);
    private final Fingerprinter tf = new Fingerprinter(1, 2, Fingerprinter.Weighting.TF);

    static final String PARAGRAPH = Texts.KERNEL;

    @Test
    void voteCountingInByteLanesMatchesPlainCounting() {
        Random random = new Random(42);
        for (int size : new int[]{1, 2, 254, 255, 256, 1000, 5003}) {
            long[] features = new long[size];
            int[] ones = new int[64];
            for (int i = 0; i < size; i++) {
                features[i] = random.nextLong();
                for (int b = 0; b < 64; b++) {
                    ones[b] += (int) ((features[i] >>> b) & 1);
                }
            }
            long smallest = Long.MAX_VALUE;
            for (long f : features) {
                smallest = Math.min(smallest, f);
            }
            long ties = Fingerprinter.fmix64(smallest);
            long expected = 0;
            for (int b = 0; b < 64; b++) {
                if (2 * ones[b] > size || (2 * ones[b] == size && ((ties >>> b) & 1) == 1)) {
                    expected |= 1L << b;
                }
            }
            assertEquals(expected, tf.simHashOfFeatures(features), "size " + size);
        }
    }

    @Test
    void fingerprintsAreStableAcrossReleases() {
        // Stored fingerprints are compared with later runs' (refreshes): a change here must bump
        // Fingerprinter.VERSION, which makes later runs refuse old stores instead of missing duplicates.
        fp.fingerprint(PARAGRAPH);
        assertEquals(0x71b6679231fc02cdL, fp.simHash(), Long.toHexString(fp.simHash()));
        tf.fingerprint(PARAGRAPH);
        assertEquals(0x71b72f8a71fc0249L, tf.simHash(), Long.toHexString(tf.simHash()));
    }

    @Test
    void logWeightsKeepARepeatedTokenFromOutvotingTheText() {
        // Two unrelated documents that both end in a register dump: with plain counts "00" decides
        // every bit and they look identical; with 1 + ln(count) the prose still decides.
        String dump = " 00".repeat(400);
        tf.fingerprint(Texts.KERNEL + dump);
        long a = tf.simHash();
        tf.fingerprint(Texts.CAKE + dump);
        assertTrue(Long.bitCount(a ^ tf.simHash()) <= 3);
        fp.fingerprint(Texts.KERNEL + dump);
        a = fp.simHash();
        fp.fingerprint(Texts.CAKE + dump);
        assertTrue(Long.bitCount(a ^ fp.simHash()) > 10, "distance " + Long.bitCount(a ^ fp.simHash()));
    }

    @Test
    void caseWhitespaceAndPunctuationDoNotMatter() {
        fp.fingerprint("Hello, World!\n\nThis is   a TEST.");
        long sim = fp.simHash();
        long hi = fp.exactHi();
        long lo = fp.exactLo();
        fp.fingerprint("hello world this is a test");
        assertEquals(sim, fp.simHash());
        assertEquals(hi, fp.exactHi());
        assertEquals(lo, fp.exactLo());
        assertEquals(6, fp.tokens());
        fp.fingerprint("world hello this is a test");
        assertFalse(hi == fp.exactHi() && lo == fp.exactLo(), "word order is part of the exact hash");
    }

    @Test
    void aSmallEditMovesFewBitsAndUnrelatedTextMovesMany() {
        fp.fingerprint(PARAGRAPH);
        long original = fp.simHash();
        fp.fingerprint(PARAGRAPH.replace("short delay", "brief delay"));
        assertTrue(Long.bitCount(original ^ fp.simHash()) <= 3);
        fp.fingerprint(Texts.CAKE);
        assertTrue(Long.bitCount(original ^ fp.simHash()) > 10);
    }

    @Test
    void chineseIsShingledInCharacters() {
        String zh = "内核为每个进程维护一个内存区域列表。当进程访问一个尚未映射页面的地址时，缺页处理程序会遍历这个列表，"
                + "找到覆盖该地址的区域，分配一个新页面并建立映射。从文件映射的区域会从页缓存中读取页面，"
                + "而被标记为写时复制的区域会在第一次写入时得到一份私有副本。进程除了一个短暂的延迟之外，什么也不会察觉。"
                + "内存回收线程会定期扫描最近没有被访问的页面，把干净的页面直接丢弃，把脏页面写回文件或交换区，"
                + "然后把这些页面交还给伙伴分配器，以便满足新的分配请求。";
        fp.fingerprint(zh);
        long original = fp.simHash();
        long chars = zh.codePoints().filter(c -> Character.isLetterOrDigit(c)).count();
        assertEquals(chars, fp.tokens());
        fp.fingerprint(zh.replace("新页面", "新的页面"));
        assertTrue(Long.bitCount(original ^ fp.simHash()) <= 3, "one added character");
        fp.fingerprint("今天天气很好，我们去公园散步，看见很多人在湖边钓鱼，孩子们在草地上放风筝，老人们在树下下棋聊天。");
        assertTrue(Long.bitCount(original ^ fp.simHash()) > 10);
    }

    @Test
    void mixedScriptsSurrogatesAndCombiningMarksAreTokenized() {
        fp.fingerprint("使用Linux内核");
        assertEquals(5, fp.tokens(), "four characters and one word");
        fp.fingerprint("\uD840\uDC00\uD840\uDC01");   // two CJK extension B ideographs (surrogate pairs)
        assertEquals(2, fp.tokens());
        fp.fingerprint("cafe\u0301 au lait");
        assertEquals(3, fp.tokens(), "a combining accent stays inside its word");
        fp.fingerprint("Ünïcödé wörds ÄND CASE");
        long a = fp.simHash();
        fp.fingerprint("ünïcödé WÖRDS änd case");
        assertEquals(a, fp.simHash());
    }

    @Test
    void textWithoutTokensHasNoSimHashButDistinctExactHashes() {
        fp.fingerprint("!!! ...");
        assertFalse(fp.hasFeatures());
        long hi = fp.exactHi();
        fp.fingerprint("???");
        assertFalse(fp.hasFeatures());
        assertNotEquals(hi, fp.exactHi());
        fp.fingerprint("");
        assertEquals(0, fp.tokens());
    }

    @Test
    void simHashBitsAreBalanced() {
        // A biased bit would put unrelated documents closer than chance: check every bit over many texts.
        Random random = new Random(7);
        int[] set = new int[64];
        int texts = 2000;
        for (int t = 0; t < texts; t++) {
            List<String> words = new ArrayList<>();
            for (int w = 0; w < 30; w++) {
                words.add(Integer.toString(random.nextInt(1_000_000), 36));
            }
            fp.fingerprint(String.join(" ", words));
            for (int b = 0; b < 64; b++) {
                set[b] += (int) ((fp.simHash() >>> b) & 1);
            }
        }
        for (int b = 0; b < 64; b++) {
            // 2000 fair coins: mean 1000, sd 22; 5 sd either side.
            assertTrue(Math.abs(set[b] - texts / 2) < 112, "bit " + b + " set in " + set[b] + " of " + texts);
        }
    }

    private final Fingerprinter segmenting = DedupSettings.defaults().fingerprinter();

    /** Kernel documentation-like prose of {@code words} words, from a fixed seed. */
    static String prose(long seed, int words) {
        String[] vocabulary = (Texts.KERNEL + " " + Texts.CAKE + " " + Texts.TRAIN + " " + Texts.GARDEN).split("\\s+");
        Random random = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(vocabulary[random.nextInt(vocabulary.length)]).append(i % 17 == 16 ? ".\n" : " ");
        }
        return sb.toString();
    }

    private java.util.Set<Long> segmentsOf(String text) {
        segmenting.fingerprint(text);
        java.util.Set<Long> out = new java.util.HashSet<>();
        for (long s : segmenting.segments()) {
            out.add(s);
        }
        return out;
    }

    @Test
    void segmentsAreCutByContentSoAnInsertionMovesOnlyNearbyBoundaries() {
        String text = prose(1, 400);
        java.util.Set<Long> original = segmentsOf(text);
        // 400 words, 12 + 28 on average per segment: about ten segments.
        assertTrue(original.size() >= 5 && original.size() <= 16, "segments " + original.size());
        java.util.Set<Long> prefixed = segmentsOf(prose(2, 60) + " " + text);
        java.util.Set<Long> kept = new java.util.HashSet<>(original);
        kept.retainAll(prefixed);
        assertTrue(kept.size() >= original.size() - 2, kept.size() + " of " + original.size() + " segments survive a prefix");
        java.util.Set<Long> unrelated = segmentsOf(prose(3, 400));
        unrelated.retainAll(original);
        assertTrue(unrelated.isEmpty(), "unrelated text shares no segment");
    }

    @Test
    void aLongDocumentKeepsAConsistentSampleOfItsSegments() {
        String text = prose(4, 3000);
        java.util.Set<Long> original = segmentsOf(text);
        assertEquals(16, original.size(), "at most max-per-document segments");
        java.util.Set<Long> edited = segmentsOf(text.substring(0, text.length() * 4 / 5) + prose(5, 600));
        edited.retainAll(original);
        assertTrue(edited.size() >= 8, "a copy with its last fifth replaced keeps " + edited.size() + " of the same 16");
    }

    @Test
    void shortTextsHaveNoSegmentsAndTheSketchIsTheirShingleSet() {
        assertTrue(segmentsOf("a few words only, fewer than a segment").isEmpty());
        segmenting.fingerprint("one two three");
        assertEquals(4, segmenting.sketch().length, "fewer than five tokens: one shingle of them all");
        segmenting.fingerprint("one two three four five six seven");
        assertEquals(12, segmenting.sketch().length, "seven tokens: three 5-grams");
        segmenting.fingerprint("");
        assertEquals(0, segmenting.sketch().length);
    }

    @Test
    void mixingIsInvertible() {
        Random random = new Random(8);
        for (int i = 0; i < 1000; i++) {
            long x = random.nextLong();
            assertEquals(x, Fingerprinter.unmix64(Fingerprinter.fmix64(x)));
        }
    }

    @Test
    void segmentsAndSketchesAreStableAcrossReleases() {
        // Stored with the fingerprints: a change here must bump Fingerprinter.VERSION.
        segmenting.fingerprint(prose(9, 500));
        assertEquals(0x3f0029fbL, java.util.Arrays.hashCode(segmenting.segments()) & 0xffffffffL,
                Long.toHexString(java.util.Arrays.hashCode(segmenting.segments()) & 0xffffffffL));
        assertEquals(0xcc128477L, java.util.Arrays.hashCode(segmenting.sketch()) & 0xffffffffL,
                Long.toHexString(java.util.Arrays.hashCode(segmenting.sketch()) & 0xffffffffL));
    }

    @Test
    void longerShinglesAreSupported() {
        Fingerprinter trigrams = new Fingerprinter(3, 3, Fingerprinter.Weighting.LOG);
        trigrams.fingerprint(PARAGRAPH);
        long a = trigrams.simHash();
        fp.fingerprint(PARAGRAPH);
        assertNotEquals(a, fp.simHash(), "different features, different fingerprint");
        trigrams.fingerprint(PARAGRAPH.toUpperCase());
        assertEquals(a, trigrams.simHash());
    }
}
