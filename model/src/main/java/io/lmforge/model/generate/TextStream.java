package io.lmforge.model.generate;

import java.util.Arrays;
import java.util.List;

/**
 * Turns one sequence's new tokens into text as they come. A token can end in the middle of a
 * multi-byte UTF-8 character (byte-level BPE), which decodes to U+FFFD until the next token
 * completes it, so a trailing U+FFFD is held back; so is a tail that could be the start of a stop
 * string. Each step decodes all new tokens again (decoding a lone token is not the same as
 * decoding it after its neighbours), which is cheap next to a forward pass.
 */
public final class TextStream {
    private final TextTokenizer tokenizer;
    private final List<String> stops;
    private int[] tokens = new int[64];
    private int count;
    private String text = "";
    private int emitted;
    private boolean stopped;

    public TextStream(TextTokenizer tokenizer, List<String> stops) {
        this.tokenizer = tokenizer;
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds a token; returns the text that became final (often empty). */
    public String push(int token) {
        if (count == tokens.length) {
            tokens = Arrays.copyOf(tokens, 2 * count);
        }
        tokens[count++] = token;
        String full = tokenizer.decode(tokens, count);
        int end = full.length();
        for (String stop : stops) {
            int at = full.indexOf(stop);
            if (at >= 0 && at < end) {
                end = at;
                stopped = true;
            }
        }
        text = full.substring(0, end);
        if (!stopped) {
            while (end > emitted && full.charAt(end - 1) == '\uFFFD') {
                end--;
            }
            end -= pendingStopPrefix(full, end);
            if (end > 0 && Character.isHighSurrogate(full.charAt(end - 1))) {
                end--;
            }
        }
        return emitUpTo(end);
    }

    /** Whether a stop string appeared; the text ends before it. */
    public boolean stopped() {
        return stopped;
    }

    /** The rest of the text (held-back characters), once the sequence has ended. */
    public String finish() {
        return emitUpTo(text.length());
    }

    /** The whole text so far, up to a stop string. */
    public String text() {
        return text;
    }

    private String emitUpTo(int end) {
        if (end <= emitted) {
            return "";
        }
        String out = text.substring(emitted, Math.min(end, text.length()));
        emitted = end;
        return out;
    }

    /** The longest tail of full[0, end) that is a proper prefix of a stop string. */
    private int pendingStopPrefix(String full, int end) {
        int longest = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, end); k > longest; k--) {
                if (full.regionMatches(end - k, stop, 0, k)) {
                    longest = k;
                    break;
                }
            }
        }
        return longest;
    }
}
