package io.lmforge.trainer.sft;

import io.lmforge.model.generate.TextTokenizer;

import java.util.Arrays;

/**
 * An {@link SftExample} as ids: {@code bos, segments..., eos}, with a flag per token saying
 * whether the loss counts it (trained segments and the eos ending the response).
 *
 * @param mask               1 where the token is trained on, aligned with {@code tokens}
 * @param finalResponseStart where the last response begins: truncation may cut tokens before it, never after
 */
public record TokenizedExample(String source, String domain, int[] tokens, byte[] mask, int finalResponseStart) {

    /** Encodes each segment on its own; segments meet at the blank-line separator, where pre-tokenizers split anyway. */
    public static TokenizedExample encode(SftExample example, TextTokenizer tokenizer, int bos, int eos) {
        int[] tokens = new int[16];
        byte[] mask = new byte[16];
        tokens[0] = bos;
        int n = 1;
        int finalStart = 1;
        for (SftExample.Segment s : example.segments()) {
            int[] ids = tokenizer.encode(s.text());
            if (tokens.length < n + ids.length + 1) {
                int size = Math.max(2 * tokens.length, n + ids.length + 1);
                tokens = Arrays.copyOf(tokens, size);
                mask = Arrays.copyOf(mask, size);
            }
            finalStart = n;
            System.arraycopy(ids, 0, tokens, n, ids.length);
            Arrays.fill(mask, n, n + ids.length, (byte) (s.trained() ? 1 : 0));
            n += ids.length;
        }
        tokens[n] = eos;
        mask[n] = 1;
        n++;
        return new TokenizedExample(example.source(), example.domain(), Arrays.copyOf(tokens, n), Arrays.copyOf(mask, n),
                finalStart);
    }

    public int length() {
        return tokens.length;
    }

    /** Tokens the loss counts. */
    public int trainedTokens() {
        int n = 0;
        for (byte b : mask) {
            n += b;
        }
        return n;
    }

    /**
     * The example cut to {@code length} tokens by dropping context tokens right after bos (the
     * oldest turns first); null when the final response and its eos do not fit with bos.
     */
    public TokenizedExample truncated(int length) {
        int n = tokens.length;
        if (n <= length) {
            return this;
        }
        int drop = n - length;
        if (1 + drop > finalResponseStart) {
            return null;
        }
        int[] t = new int[length];
        byte[] m = new byte[length];
        t[0] = tokens[0];
        m[0] = mask[0];
        System.arraycopy(tokens, 1 + drop, t, 1, length - 1);
        System.arraycopy(mask, 1 + drop, m, 1, length - 1);
        return new TokenizedExample(source, domain, t, m, finalResponseStart - drop);
    }
}
