package io.lmforge.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Hugging Face tokenizers (the Rust library, through DJL's JNI binding) as an encoder of whole
 * documents: no truncation, no padding, no special tokens added, batch calls.
 *
 * <p>DJL's {@code Encoding} objects fetch tokens, offsets, masks and type ids for every input;
 * we only want ids, so batches go through DJL's public JNI entry points directly and read the
 * ids alone, which roughly halves the cost per document. The native library ships inside the
 * DJL jar (linux x86_64/aarch64, macOS arm64, Windows x86_64) and is unpacked to DJL's cache
 * directory on first use; {@code ai.djl.offline=true} keeps DJL from reaching the network.
 */
public final class HfEncoder implements AutoCloseable {
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false");

    static {
        // Executors get no -D flags from us; no network at run time, whatever the launcher passed.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private final HuggingFaceTokenizer tokenizer;

    private HfEncoder(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Loads tokenizer.json text. Fails with HF's own message if the file is not one HF accepts. */
    public static HfEncoder load(String json) {
        try {
            return new HfEncoder(HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), OPTIONS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Hugging Face tokenizers cannot load this tokenizer.json: "
                    + e.getMessage(), e);
        }
    }

    /**
     * An encoder for document text: {@code tokenizer.json} less its special tokens (see
     * {@link TokenizerJson#withoutSpecialTokens}), so text never turns into a special id.
     */
    public static HfEncoder forDocuments(String json) {
        return load(TokenizerJson.withoutSpecialTokens(TokenizerJson.parse(json, "tokenizer.json")));
    }

    /** The ids of each text. HF runs a batch on its own thread pool. */
    public int[][] encode(String[] texts) {
        long[] encodings = TokenizersLibrary.LIB.batchEncode(tokenizer.getHandle(), texts, false);
        int[][] out = new int[encodings.length][];
        try {
            for (int i = 0; i < encodings.length; i++) {
                long[] ids = TokenizersLibrary.LIB.getTokenIds(encodings[i]);
                int[] v = new int[ids.length];
                for (int j = 0; j < ids.length; j++) {
                    v[j] = (int) ids[j];
                }
                out[i] = v;
            }
        } finally {
            for (long e : encodings) {
                TokenizersLibrary.LIB.deleteEncoding(e);
            }
        }
        return out;
    }

    public int[] encode(String text) {
        return encode(new String[]{text})[0];
    }

    /**
     * The ids of each text, encoded one by one on the calling thread: no hand-off to HF's thread
     * pool, whose workers spin between batches. For callers that are already parallel (Spark tasks).
     */
    public int[][] encodeEach(String[] texts) {
        int[][] out = new int[texts.length][];
        for (int i = 0; i < texts.length; i++) {
            long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), texts[i], false);
            try {
                long[] ids = TokenizersLibrary.LIB.getTokenIds(encoding);
                int[] v = new int[ids.length];
                for (int j = 0; j < ids.length; j++) {
                    v[j] = (int) ids[j];
                }
                out[i] = v;
            } finally {
                TokenizersLibrary.LIB.deleteEncoding(encoding);
            }
        }
        return out;
    }

    /** The text of {@code ids}; special tokens are skipped when asked. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, skipSpecialTokens);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
