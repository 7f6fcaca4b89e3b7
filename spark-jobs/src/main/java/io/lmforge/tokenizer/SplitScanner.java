package io.lmforge.tokenizer;

import static io.lmforge.tokenizer.PreTokenizer.isLetter;
import static io.lmforge.tokenizer.PreTokenizer.isNumber;
import static io.lmforge.tokenizer.PreTokenizer.isWhiteSpace;

/**
 * Hand-written scanners for the word regexes of the GPT-2 / GPT-4 family of byte-level BPE
 * tokenizers, as Hugging Face tokenizers runs them (Oniguruma, leftmost alternative first, greedy
 * runs, the backtracking of {@code \s*[\r\n]+} and {@code \s+(?!\S)} worked out): no lookaround,
 * no backtracking, one pass over each code point. {@link #match} gives where the regex's match at
 * a position ends, so a {@code Split} with behaviour {@code Isolated} is a loop over it
 * ({@link #isolate}).
 *
 * <ul>
 *   <li>{@link #GPT2}: GPT-2's regex, the one HF's {@code ByteLevel} runs when {@code use_regex} is
 *   on (case-sensitive contractions, optional space before letters, digits or other runs);</li>
 *   <li>{@link #LLAMA3}: GPT-4's cl100k regex as Llama-3 ships it (case-insensitive contractions, an
 *   optional non-letter before letters, digits in runs of one to three, newlines kept with the
 *   punctuation or whitespace before them);</li>
 *   <li>{@link #QWEN}: the same with single digits (Qwen2, Qwen2.5, Qwen3).</li>
 * </ul>
 *
 * <p>Character classes come from the JVM's Unicode tables; texts with code points it calls
 * unassigned are left to HF ({@link BpeEncoder#canEncode}). {@code BpeEncoderTest} holds each
 * scanner equal to {@code java.util.regex} running the regex itself, and the encoders equal to HF.
 */
enum SplitScanner {
    GPT2("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"),
    LLAMA3("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    QWEN("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    /** The regex as tokenizer.json spells it (with {@code \r} and {@code \n} as escapes). */
    final String regex;

    SplitScanner(String regex) {
        this.regex = regex;
    }

    /** The scanner for a {@code Split} regex from a tokenizer.json, or null. Raw CR and LF count as their escapes. */
    static SplitScanner forRegex(String regex) {
        if (regex == null) {
            return null;
        }
        String r = regex.replace("\r", "\\r").replace("\n", "\\n");
        for (SplitScanner s : values()) {
            if (s.regex.equals(r)) {
                return s;
            }
        }
        return null;
    }

    /** Where the regex's match at {@code i} ends (the input ends at {@code to}), or -1 if none starts there. */
    int match(String s, int i, int to) {
        return this == GPT2 ? gpt2(s, i, to) : gpt4(s, i, to, this == LLAMA3 ? 3 : 1);
    }

    /** A {@code Split} with behaviour {@code Isolated}: each match, and each gap between matches, is a piece. */
    void isolate(String s, int from, int to, PreTokenizer.PieceSink sink) {
        int gap = from;
        int i = from;
        while (i < to) {
            int end = match(s, i, to);
            if (end < 0) {
                i += Character.isHighSurrogate(s.charAt(i)) && i + 1 < to ? 2 : 1;
                continue;
            }
            if (i > gap) {
                sink.piece(s, gap, i);
            }
            sink.piece(s, i, end);
            i = end;
            gap = end;
        }
        if (to > gap) {
            sink.piece(s, gap, to);
        }
    }

    private static int gpt2(String s, int i, int to) {
        int c0 = s.codePointAt(i);
        int next = i + Character.charCount(c0);
        if (c0 == '\'' && next < to) {
            int e = contraction(s, next, to, false);
            if (e >= 0) {
                return e;
            }
        }
        // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': the optional space is taken when the class follows it.
        int j = c0 == ' ' && next < to ? next : i;
        int cj = j == i ? c0 : s.codePointAt(j);
        if (isLetter(cj)) {
            return letters(s, j, to);
        }
        if (isNumber(cj)) {
            while (j < to) {
                int cp = s.codePointAt(j);
                if (!isNumber(cp)) {
                    break;
                }
                j += Character.charCount(cp);
            }
            return j;
        }
        if (isOther(cj)) {
            return others(s, j, to);
        }
        if (!isWhiteSpace(c0)) {
            return -1;
        }
        int end = whiteSpaceRun(s, i, to);
        // \s+(?!\S): the whole run at the end of input, else all but its last character; else \s+.
        return end == to || end - i < 2 ? end : end - 1;
    }

    private static int gpt4(String s, int i, int to, int maxDigits) {
        int c0 = s.codePointAt(i);
        int next = i + Character.charCount(c0);
        if (c0 == '\'' && next < to) {
            int e = contraction(s, next, to, true);
            if (e >= 0) {
                return e;
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (isLetter(c0)) {
            return letters(s, next, to);
        }
        boolean number = isNumber(c0);
        if (!number && c0 != '\r' && c0 != '\n' && next < to && isLetter(s.codePointAt(next))) {
            return letters(s, next, to);
        }
        // \p{N}{1,max}
        if (number) {
            int j = next;
            for (int count = 1; count < maxDigits && j < to; count++) {
                int cp = s.codePointAt(j);
                if (!isNumber(cp)) {
                    break;
                }
                j += Character.charCount(cp);
            }
            return j;
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        int j = c0 == ' ' && next < to && isOther(s.codePointAt(next)) ? next : i;
        if (j > i || isOther(c0)) {
            j = others(s, j, to);
            while (j < to && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) {
                j++;
            }
            return j;
        }
        if (!isWhiteSpace(c0)) {
            return -1;
        }
        return PreTokenizer.whitespaceRun(s, i, to);
    }

    /** 's 't 're 've 'm 'll 'd after the apostrophe at {@code i - 1}; case-insensitive as Oniguruma folds case. */
    private static int contraction(String s, int i, int to, boolean ignoreCase) {
        char c = fold(s.charAt(i), ignoreCase);
        if (c == 's' || c == 't' || c == 'm' || c == 'd') {
            return i + 1;
        }
        if (i + 1 < to) {
            char d = fold(s.charAt(i + 1), ignoreCase);
            if ((c == 'r' && d == 'e') || (c == 'v' && d == 'e') || (c == 'l' && d == 'l')) {
                return i + 2;
            }
        }
        return -1;
    }

    private static char fold(char c, boolean ignoreCase) {
        if (!ignoreCase) {
            return c;
        }
        if (c >= 'A' && c <= 'Z') {
            return (char) (c + 32);
        }
        // U+017F LATIN SMALL LETTER LONG S case-folds to s.
        return c == '\u017F' ? 's' : c;
    }

    /** [^\s\p{L}\p{N}] */
    static boolean isOther(int cp) {
        return !isWhiteSpace(cp) && !isLetter(cp) && !isNumber(cp);
    }

    private static int letters(String s, int j, int to) {
        while (j < to) {
            char c = s.charAt(j);
            if (c < 128) {
                if (!PreTokenizer.isAsciiLetter(c)) {
                    break;
                }
                j++;
                continue;
            }
            int cp = s.codePointAt(j);
            if (!isLetter(cp)) {
                break;
            }
            j += Character.charCount(cp);
        }
        return j;
    }

    private static int others(String s, int j, int to) {
        while (j < to) {
            int cp = s.codePointAt(j);
            if (!isOther(cp)) {
                break;
            }
            j += Character.charCount(cp);
        }
        return j;
    }

    private static int whiteSpaceRun(String s, int i, int to) {
        int end = i;
        while (end < to && isWhiteSpace(s.charAt(end))) {
            end++;
        }
        return end;
    }
}
