package io.lmforge.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DeepSeek-V3's pre-tokenizer, as its released {@code tokenizer.json} defines it: three
 * {@code Split} steps with behaviour {@code Isolated} (each match is a piece, and so is each gap
 * between matches), applied in turn to the pieces of the one before, then {@code ByteLevel}
 * without a prefix space. The steps: digits in runs of one to three; runs of CJK ideographs,
 * hiragana and katakana; and the word / punctuation / whitespace regex {@link #SPLITS}.
 *
 * <p>The {@code tokenizer.json} we write carries these regexes, and Hugging Face tokenizers
 * applies them when it encodes. To count words for training we scan with hand-written code that
 * does what the regexes do (alternatives in order, greedy runs, the backtracking of
 * {@code \s*[\r\n]+} and {@code \s+(?!\S)} worked out), several times faster than
 * {@code java.util.regex}. {@link #regexPieces} runs the regexes themselves; the tests hold the
 * two equal on real text in many scripts and on random strings.
 */
public final class PreTokenizer {

    /** The regexes of DeepSeek-V3's {@code Split} steps, exactly as in its tokenizer.json. */
    public static final List<String> SPLITS = List.of(
            "\\p{N}{1,3}",
            "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+"
                    + "|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                    + "| ?[\\p{P}\\p{S}]+[\r\n]*"
                    + "|\\s*[\r\n]+"
                    + "|\\s+(?!\\S)"
                    + "|\\s+");

    private static final String ASCII_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private PreTokenizer() {
    }

    /** Calls {@code sink} with each pre-token of {@code text}, as a byte-level string. */
    public static void split(String text, Consumer<String> sink) {
        split(text, 0, text.length(), (s, from, to) -> sink.accept(ByteLevel.encode(s.substring(from, to))));
    }

    /** Receives pre-tokens as ranges of the input, so a caller that looks them up allocates nothing. */
    @FunctionalInterface
    public interface PieceSink {
        void piece(String s, int from, int to);
    }

    /**
     * Calls {@code sink} with each pre-token of {@code text[from, to)} (a piece on its own, as HF
     * pre-tokenizes each gap between added tokens), as a range of {@code text}.
     */
    public static void split(String text, int from, int to, PieceSink sink) {
        isolate(text, from, to, DIGITS, sink);
    }

    /** The {@code Split} steps that isolate runs of a class: digits (runs of up to 3), then CJK (BMP only). */
    private static final int DIGITS = 0;
    private static final int CJK = 1;

    private static boolean member(int step, int cp) {
        return step == DIGITS ? isNumber(cp) : cp < 0x10000 && isCjk((char) cp);
    }

    /**
     * Step {@code step}, a {@code Split} with behaviour {@code Isolated} for a regex of the form
     * {@code [class]{1,max}}: each run of members and each gap goes to the next step (no lambdas,
     * so nothing is allocated per piece).
     */
    private static void isolate(String s, int from, int to, int step, PieceSink sink) {
        int max = step == DIGITS ? 3 : Integer.MAX_VALUE;
        int gap = from;
        int i = from;
        while (i < to) {
            int cp = s.codePointAt(i);
            if (!member(step, cp)) {
                i += Character.charCount(cp);
                continue;
            }
            int j = i;
            for (int count = 0; count < max && j < to && member(step, s.codePointAt(j)); count++) {
                j += Character.charCount(s.codePointAt(j));
            }
            if (i > gap) {
                next(s, gap, i, step, sink);
            }
            next(s, i, j, step, sink);
            i = j;
            gap = j;
        }
        if (to > gap) {
            next(s, gap, to, step, sink);
        }
    }

    private static void next(String s, int from, int to, int step, PieceSink sink) {
        if (step == DIGITS) {
            isolate(s, from, to, CJK, sink);
        } else {
            words(s, from, to, sink);
        }
    }

    /** Step 3 on [from, to): the word / punctuation / whitespace alternatives, gaps kept. */
    private static void words(String s, int from, int to, PieceSink sink) {
        int gap = from;
        int i = from;
        while (i < to) {
            int end = match(s, i, to);
            if (end < 0) {
                i += Character.charCount(s.codePointAt(i));
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

    /** Where the step-3 regex's match at {@code i} ends (input ends at {@code to}), or -1. */
    static int match(String s, int i, int to) {
        int c0 = s.codePointAt(i);
        int next = i + Character.charCount(c0);
        // [!"#...~][A-Za-z]+
        if (c0 < 128 && ASCII_PUNCT.indexOf(c0) >= 0) {
            int j = next;
            while (j < to && isAsciiLetter(s.charAt(j))) {
                j++;
            }
            if (j > next) {
                return j;
            }
        }
        // [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
        if (isLetter(c0)) {
            return letterRun(s, i, to);
        }
        if (c0 != '\r' && c0 != '\n' && !isPunctuation(c0) && !isSymbol(c0)) {
            if (next < to && isLetterOrMark(s.codePointAt(next))) {
                return letterRun(s, next, to);
            }
            if (isMark(c0)) {
                return letterRun(s, i, to);
            }
        }
        // ' ?[\p{P}\p{S}]+[\r\n]*'
        int j = c0 == ' ' && next < to ? next : i;
        if (j < to && isPunctOrSymbol(s.codePointAt(j))) {
            while (j < to && isPunctOrSymbol(s.codePointAt(j))) {
                j += Character.charCount(s.codePointAt(j));
            }
            while (j < to && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) {
                j++;
            }
            return j;
        }
        if (!isWhiteSpace(c0)) {
            return -1;
        }
        return whitespaceRun(s, i, to);
    }

    /**
     * The end of the pre-token a white-space run at {@code i} makes: {@code \s*[\r\n]+} up to the
     * run's last line break, else {@code \s+(?!\S)} (the whole run at the end of input, all but its
     * last character before anything else), else {@code \s+}. Shared by every split regex of the
     * family, which all end in these three alternatives.
     */
    static int whitespaceRun(String s, int i, int to) {
        // All White_Space characters are in the BMP: one char each.
        int end = i;
        int lastNewline = -1;
        while (end < to && isWhiteSpace(s.charAt(end))) {
            if (s.charAt(end) == '\r' || s.charAt(end) == '\n') {
                lastNewline = end;
            }
            end++;
        }
        // \s*[\r\n]+ : the greedy \s* gives back up to the run's last newline.
        if (lastNewline >= 0) {
            return lastNewline + 1;
        }
        // \s+(?!\S) : the whole run at the end of input, else all but its last character.
        if (end == to) {
            return end;
        }
        if (end - i >= 2) {
            return end - 1;
        }
        // \s+
        return end;
    }

    private static int letterRun(String s, int i, int to) {
        while (i < to) {
            int cp = s.codePointAt(i);
            if (!isLetterOrMark(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return i;
    }

    /** The pre-tokens of {@code text} as plain (not byte-level) strings. */
    public static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        split(text, piece -> out.add(new String(ByteLevel.decode(piece), StandardCharsets.UTF_8)));
        return out;
    }

    /** The pre-tokens as the regexes themselves give them (java.util.regex, Unicode {@code \s}). */
    public static List<String> regexPieces(String text) {
        List<String> pieces = List.of(text);
        for (String regex : SPLITS) {
            Matcher m = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS).matcher("");
            List<String> next = new ArrayList<>();
            for (String piece : pieces) {
                m.reset(piece);
                int last = 0;
                while (m.find()) {
                    if (m.start() > last) {
                        next.add(piece.substring(last, m.start()));
                    }
                    next.add(m.group());
                    last = m.end();
                }
                if (last < piece.length()) {
                    next.add(piece.substring(last));
                }
            }
            pieces = next;
        }
        return pieces;
    }

    static boolean isCjk(char c) {
        return (c >= '\u4e00' && c <= '\u9fa5') || (c >= '\u3040' && c <= '\u30ff');
    }

    static boolean isAsciiLetter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    static boolean isNumber(int cp) {
        if (cp < 128) {
            return cp >= '0' && cp <= '9';
        }
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    static boolean isLetter(int cp) {
        if (cp < 128) {
            return isAsciiLetter((char) cp);
        }
        int t = Character.getType(cp);
        return t == Character.UPPERCASE_LETTER || t == Character.LOWERCASE_LETTER || t == Character.TITLECASE_LETTER
                || t == Character.MODIFIER_LETTER || t == Character.OTHER_LETTER;
    }

    static boolean isMark(int cp) {
        int t = Character.getType(cp);
        return t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK || t == Character.COMBINING_SPACING_MARK;
    }

    static boolean isLetterOrMark(int cp) {
        return isLetter(cp) || (cp >= 128 && isMark(cp));
    }

    static boolean isPunctuation(int cp) {
        if (cp < 128) {
            return ASCII_PUNCT.indexOf(cp) >= 0 && !isAsciiSymbol(cp);
        }
        int t = Character.getType(cp);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION
                || t == Character.START_PUNCTUATION || t == Character.END_PUNCTUATION
                || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
    }

    static boolean isSymbol(int cp) {
        if (cp < 128) {
            return isAsciiSymbol(cp);
        }
        int t = Character.getType(cp);
        return t == Character.MATH_SYMBOL || t == Character.CURRENCY_SYMBOL
                || t == Character.MODIFIER_SYMBOL || t == Character.OTHER_SYMBOL;
    }

    /** ASCII symbols (category S): $ + < = > ^ ` | ~ */
    private static boolean isAsciiSymbol(int cp) {
        return cp == '$' || cp == '+' || cp == '<' || cp == '=' || cp == '>' || cp == '^' || cp == '`' || cp == '|' || cp == '~';
    }

    static boolean isPunctOrSymbol(int cp) {
        return isPunctuation(cp) || isSymbol(cp);
    }

    /** Unicode White_Space, which is what {@code \s} means with UNICODE_CHARACTER_CLASS (and in Oniguruma). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
