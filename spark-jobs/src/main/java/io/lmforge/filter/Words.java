package io.lmforge.filter;

import java.util.Arrays;

/**
 * A document's words ({@link TextViews#wordsOf}) as ranges of one char array instead of one
 * string each: the {@code jvm} engine scans every document's words, and building a string per
 * word was most of the scan's time. Word {@code i} is {@code chars[start(i) .. end(i))}.
 *
 * <p>{@code chars} is the text itself, or, when it has CJK characters, the text with each of them
 * spaced out as {@code wordsOf} does first; a word never spans an inserted space, so its
 * characters are contiguous either way. {@code WordsTest} compares the view with the regexes of
 * {@code wordsOf} on real text in eleven languages and on adversarial strings.
 */
final class Words {
    private static final int[] EMPTY = new int[0];

    final char[] chars;
    private final int[] starts;
    private final int[] ends;
    private final int count;
    private final int cjkChars;
    private long[] hashes;

    private Words(char[] chars, int[] starts, int[] ends, int count, int cjkChars) {
        this.chars = chars;
        this.starts = starts;
        this.ends = ends;
        this.count = count;
        this.cjkChars = cjkChars;
    }

    /** CJK characters in the text ({@link TextViews#cjkCharsOf}); 0 for words not scanned from a text. */
    int cjkChars() {
        return cjkChars;
    }

    int count() {
        return count;
    }

    int start(int i) {
        return starts[i];
    }

    int end(int i) {
        return ends[i];
    }

    int length(int i) {
        return ends[i] - starts[i];
    }

    /** Word {@code i} as a string (tests and the rare slow paths). */
    String word(int i) {
        return new String(chars, starts[i], ends[i] - starts[i]);
    }

    String[] toStrings() {
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            out[i] = word(i);
        }
        return out;
    }

    /** Code points of all words together: {@code length(array_join(words, ""))}. */
    long codePoints() {
        long n = 0;
        for (int i = 0; i < count; i++) {
            n += Character.codePointCount(chars, starts[i], ends[i] - starts[i]);
        }
        return n;
    }

    /** A 64-bit hash of each word's characters, computed once ({@link #hash(char[], int, int)}). */
    long[] hashes() {
        if (hashes == null) {
            long[] h = new long[count];
            for (int i = 0; i < count; i++) {
                h[i] = hash(chars, starts[i], ends[i]);
            }
            hashes = h;
        }
        return hashes;
    }

    /**
     * A hash of {@code chars[from .. to)} for hash tables that compare the characters on a match:
     * its quality only affects their speed, never a result.
     */
    static long hash(char[] chars, int from, int to) {
        long h = 0x9E3779B97F4A7C15L ^ (to - from);
        for (int i = from; i < to; i++) {
            h = (h ^ chars[i]) * 0x100000001b3L;
        }
        return mix(h);
    }

    /** SplitMix64's finalizer: every input bit reaches every output bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The words of {@code text}: {@link TextViews#wordsOf}, as ranges. */
    static Words of(String text) {
        int n = text.length();
        int cjk = 0;
        for (int i = 0; i < n; i++) {
            if (ScannedText.isCjk(text.charAt(i))) {
                cjk++;
            }
        }
        // regexp_replace(text, CJK, " $0 ")
        char[] s;
        if (cjk == 0) {
            s = text.toCharArray();
        } else {
            s = new char[n + 2 * cjk];
            int at = 0;
            for (int i = 0; i < n; i++) {
                char c = text.charAt(i);
                if (ScannedText.isCjk(c)) {
                    s[at++] = ' ';
                    s[at++] = c;
                    s[at++] = ' ';
                } else {
                    s[at++] = c;
                }
            }
        }
        return scan(s, cjk);
    }

    /** Words from strings (the {@code sql} engine's arrays), each its own range. */
    static Words of(String[] words) {
        int total = 0;
        for (String w : words) {
            total += w.length();
        }
        char[] chars = new char[total];
        int[] starts = new int[words.length];
        int[] ends = new int[words.length];
        int at = 0;
        for (int i = 0; i < words.length; i++) {
            words[i].getChars(0, words[i].length(), chars, at);
            starts[i] = at;
            at += words[i].length();
            ends[i] = at;
        }
        return new Words(chars, starts, ends, words.length, 0);
    }

    /** Ranges of {@code chars[from .. to)} given by the caller (n-gram words, after CJK segmentation). */
    static Words ofRanges(char[] chars, int[] starts, int[] ends, int count) {
        return new Words(chars, starts, ends, count, 0);
    }

    /**
     * {@code regexp_replace(s, ^PUNCT+|PUNCT+$, " ")}, {@code regexp_replace(s, PUNCT*\s+PUNCT*, " ")},
     * then the non-empty tokens between {@code \s} runs. A replaced span only separates tokens, so
     * the tokens are the kept runs of non-space characters, and each is contiguous in {@code s}.
     */
    private static Words scan(char[] s, int cjkChars) {
        int n = s.length;
        int[] starts = n == 0 ? EMPTY : new int[Math.max(16, n / 6)];
        int[] ends = n == 0 ? EMPTY : new int[starts.length];
        int count = 0;
        int tokenStart = -1;
        int tokenEnd = -1;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j < n && ScannedText.isPunct(s[j])) {
                j++;
            }
            boolean replaced = false;
            if (j < n && ScannedText.isSpace(s[j])) {
                int k = j;
                while (k < n && ScannedText.isSpace(s[k])) {
                    k++;
                }
                while (k < n && ScannedText.isPunct(s[k])) {
                    k++;
                }
                i = k;
                replaced = true;
            } else if (j > i && (i == 0 || endAnchor(s, j))) {
                i = j;
                replaced = true;
            }
            if (!replaced) {
                // No match here: keep one character, or a punctuation run not at an edge whole (no
                // match can start inside it either). Neither is white space: a space at i matched.
                if (tokenStart < 0) {
                    tokenStart = i;
                }
                i = j > i ? j : i + 1;
                tokenEnd = i;
                continue;
            }
            if (tokenStart >= 0) {
                if (count == starts.length) {
                    starts = Arrays.copyOf(starts, count * 2);
                    ends = Arrays.copyOf(ends, count * 2);
                }
                starts[count] = tokenStart;
                ends[count] = tokenEnd;
                count++;
                tokenStart = -1;
            }
        }
        if (tokenStart >= 0) {
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count + 1);
                ends = Arrays.copyOf(ends, count + 1);
            }
            starts[count] = tokenStart;
            ends[count] = tokenEnd;
            count++;
        }
        return new Words(s, starts, ends, count, cjkChars);
    }

    /** {@link ScannedText#endAnchor} on a char array. */
    private static boolean endAnchor(char[] s, int i) {
        int n = s.length;
        if (i == n) {
            return true;
        }
        if (i == n - 1) {
            return ScannedText.isLineTerminator(s[i]);
        }
        return i == n - 2 && s[i] == '\r' && s[i + 1] == '\n';
    }
}
