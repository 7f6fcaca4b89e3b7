package io.lmforge.tokenizer;

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
 * hiragana and katakana; and the word / punctuation / whitespace regex.
 *
 * <p>The trainer counts words with this Java port; the {@code tokenizer.json} it writes carries
 * the same regexes, so Hugging Face tokenizers splits text the same way when it encodes. Java's
 * {@code \s} is made Unicode-aware to match Oniguruma's, which HF uses.
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

    private static final Pattern[] PATTERNS = SPLITS.stream()
            .map(r -> Pattern.compile(r, Pattern.UNICODE_CHARACTER_CLASS))
            .toArray(Pattern[]::new);

    private PreTokenizer() {
    }

    /** Calls {@code sink} with each pre-token of {@code text}, as a byte-level string. */
    public static void split(String text, Consumer<String> sink) {
        Matcher[] matchers = new Matcher[PATTERNS.length];
        for (int i = 0; i < PATTERNS.length; i++) {
            matchers[i] = PATTERNS[i].matcher("");
        }
        split(text, 0, matchers, sink);
    }

    /** The pre-tokens of {@code text} as plain (not byte-level) strings, for tests and tools. */
    public static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        split(text, piece -> out.add(new String(ByteLevel.decode(piece), java.nio.charset.StandardCharsets.UTF_8)));
        return out;
    }

    /** Each step has its own matcher: a step's loop is suspended only while later steps run. */
    private static void split(String text, int step, Matcher[] matchers, Consumer<String> sink) {
        if (text.isEmpty()) {
            return;
        }
        if (step == matchers.length) {
            sink.accept(ByteLevel.encode(text));
            return;
        }
        Matcher m = matchers[step].reset(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                split(text.substring(last, m.start()), step + 1, matchers, sink);
            }
            split(m.group(), step + 1, matchers, sink);
            last = m.end();
        }
        if (last < text.length()) {
            split(text.substring(last), step + 1, matchers, sink);
        }
    }
}
