package io.lmforge.trainer.sft;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Packs tokenized examples into windows of {@code seqLen + 1} tokens, in arrival order, one open
 * window per domain (sequences never mix domains): an example goes whole into the open window if
 * it fits, else the window is closed (its rest padded, untrained) and a new one starts with it.
 * So an example never spans two windows, and its trained flags travel with its own tokens: the
 * target after an example's eos is the next example's bos, which is never trained on. The window's
 * {@code doc_starts} list each example's bos, for {@code train.mask-documents}.
 */
final class SftPacker {

    /** A packed window: {@code tokens}, {@code lossMask} ({@code seqLen + 1} each), example starts. */
    record Window(String domain, int[] tokens, byte[] lossMask, int[] docStarts, int examples) {
    }

    private final int length;
    private final int pad;
    private final Consumer<Window> out;
    private final Map<String, Open> open = new LinkedHashMap<>();
    private long paddingTokens;

    /** @param pad the id that fills a window's rest (never trained on) */
    SftPacker(int seqLen, int pad, Consumer<Window> out) {
        this.length = seqLen + 1;
        this.pad = pad;
        this.out = out;
    }

    /** The most tokens one example may have. */
    int windowLength() {
        return length;
    }

    /** @param example at most {@link #windowLength()} tokens (see {@link TokenizedExample#truncated}) */
    void add(TokenizedExample example) {
        if (example.length() > length) {
            throw new IllegalArgumentException(example.source() + ": " + example.length() + " tokens, more than a window's "
                    + length);
        }
        Open w = open.get(example.domain());
        if (w != null && w.used + example.length() > length) {
            close(w);
            w = null;
        }
        if (w == null) {
            w = new Open(example.domain());
            open.put(example.domain(), w);
        }
        System.arraycopy(example.tokens(), 0, w.tokens, w.used, example.length());
        System.arraycopy(example.mask(), 0, w.mask, w.used, example.length());
        w.starts[w.examples++] = w.used;
        w.used += example.length();
    }

    /** Closes every open window. */
    void finish() {
        for (Open w : open.values().toArray(new Open[0])) {
            close(w);
        }
    }

    long paddingTokens() {
        return paddingTokens;
    }

    private void close(Open w) {
        Arrays.fill(w.tokens, w.used, length, pad);
        paddingTokens += length - w.used;
        open.remove(w.domain);
        out.accept(new Window(w.domain, w.tokens, w.mask, Arrays.copyOf(w.starts, w.examples), w.examples));
    }

    private final class Open {
        final String domain;
        final int[] tokens = new int[length];
        final byte[] mask = new byte[length];
        final int[] starts = new int[length];
        int used;
        int examples;

        Open(String domain) {
            this.domain = domain;
        }
    }
}
