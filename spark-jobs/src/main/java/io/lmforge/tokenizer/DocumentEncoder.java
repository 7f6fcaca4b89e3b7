package io.lmforge.tokenizer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What encodes document text for the shards: {@link BpeEncoder} (plain Java, several times faster)
 * where it reproduces the tokenizer exactly, Hugging Face tokenizers ({@link HfEncoder}) for
 * everything else, chosen by {@code shards.encoder}. Under {@link Choice#AUTO} a tokenizer the JVM
 * encoder declines, and each single text it cannot vouch for ({@link BpeEncoder#canEncode}), go
 * to HF; the ids are the same either way.
 *
 * <p>One instance per JVM and tokenizer, shared by the tasks of an executor (building either
 * encoder from a large tokenizer.json takes a while). HF is loaded only if some text needs it.
 */
public final class DocumentEncoder {
    private static final Logger LOG = LoggerFactory.getLogger(DocumentEncoder.class);
    private static final Map<String, DocumentEncoder> SHARED = new ConcurrentHashMap<>();

    /** {@code shards.encoder}. */
    public enum Choice {
        /** The JVM encoder when it reproduces the tokenizer, else HF. */
        AUTO,
        /** The JVM encoder; a tokenizer it declines is an error that says why. */
        JVM,
        /** Hugging Face tokenizers for every text. */
        HF;

        public static Choice parse(String value) {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What executors need to build the encoder: the tokenizer.json bytes (a byte array serializes
     * at memory speed, a String of several MB character by character) and the choice.
     */
    public record Source(byte[] json, String sha256, Choice choice) implements Serializable {
        public static Source of(TokenizerArtifact tokenizer, Choice choice) {
            return new Source(tokenizer.json().getBytes(StandardCharsets.UTF_8), tokenizer.sha256(), choice);
        }
    }

    private final BpeEncoder jvm;
    private final Source source;
    private volatile HfEncoder hf;

    private DocumentEncoder(BpeEncoder jvm, Source source) {
        this.jvm = jvm;
        this.source = source;
    }

    /**
     * The encoder for {@code source}, built on first use in this JVM. Under {@link Choice#JVM} a
     * tokenizer the JVM encoder declines fails here, with the reason.
     */
    public static DocumentEncoder shared(Source source) {
        return shared(source.sha256(), source.choice(), source::json);
    }

    /** {@link #shared(Source)} for callers that hold the text: {@code json} is called only if none is built yet. */
    public static DocumentEncoder shared(String sha256, Choice choice, Supplier<byte[]> json) {
        String key = sha256 + "/" + choice;
        DocumentEncoder built = SHARED.get(key);
        return built != null ? built : SHARED.computeIfAbsent(key, k -> build(new Source(json.get(), sha256, choice)));
    }

    /**
     * Drops this JVM's shared encoders, so that the next {@link #shared} builds anew with empty
     * caches, as an executor of a new run does: a benchmark that runs the stage several times in
     * one JVM calls it before each run, so that no run encodes with what an earlier one cached.
     * Call it while no stage encodes: the dropped encoders' HF tokenizers (native memory) are closed.
     */
    public static void forgetShared() {
        for (String key : List.copyOf(SHARED.keySet())) {
            DocumentEncoder dropped = SHARED.remove(key);
            if (dropped != null && dropped.hf != null) {
                dropped.hf.close();
            }
        }
    }

    private static DocumentEncoder build(Source source) {
        if (source.choice() == Choice.HF) {
            DocumentEncoder e = new DocumentEncoder(null, source);
            e.hf();
            return e;
        }
        ObjectNode json = TokenizerJson.parse(new String(source.json(), StandardCharsets.UTF_8), "tokenizer.json");
        BpeEncoder.Loaded loaded = BpeEncoder.forDocuments(json);
        if (loaded.encoder() == null) {
            if (source.choice() == Choice.JVM) {
                throw new IllegalArgumentException("shards.encoder = jvm, but the JVM encoder does not reproduce this "
                        + "tokenizer.json (" + loaded.declined() + "); use encoder = auto or hf");
            }
            LOG.info("shards: encoding with Hugging Face tokenizers; the JVM encoder declines this tokenizer.json: {}",
                    loaded.declined());
            DocumentEncoder e = new DocumentEncoder(null, source);
            e.hf();
            return e;
        }
        return new DocumentEncoder(loaded.encoder(), source);
    }

    /** "jvm" or "hf": which encoder takes the texts it can. */
    public String name() {
        return jvm != null ? Choice.JVM.key() : Choice.HF.key();
    }

    /** The ids of a batch of texts, in order, and how many of them HF encoded. */
    public record Batch(int[][] ids, int byHf) {
    }

    /**
     * The ids of each text (no special tokens added). {@code hfBatch} > 1 sends HF's texts through
     * its batch API; 1 encodes them one by one on this thread.
     */
    public Batch encode(String[] texts, int hfBatch) {
        int[][] out = new int[texts.length][];
        List<Integer> rest = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            out[i] = jvm != null ? jvm.encode(texts[i]) : null;
            if (out[i] == null) {
                rest.add(i);
            }
        }
        if (rest.isEmpty()) {
            return new Batch(out, 0);
        }
        String[] left = new String[rest.size()];
        for (int i = 0; i < left.length; i++) {
            left[i] = texts[rest.get(i)];
        }
        int[][] ids = hfBatch > 1 ? hf().encode(left) : hf().encodeEach(left);
        for (int i = 0; i < left.length; i++) {
            out[rest.get(i)] = ids[i];
        }
        return new Batch(out, left.length);
    }

    private HfEncoder hf() {
        HfEncoder h = hf;
        if (h == null) {
            synchronized (this) {
                if (hf == null) {
                    hf = HfEncoder.forDocuments(new String(source.json(), StandardCharsets.UTF_8));
                }
                h = hf;
            }
        }
        return h;
    }
}
