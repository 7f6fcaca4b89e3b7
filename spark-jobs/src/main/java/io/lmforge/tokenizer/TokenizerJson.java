package io.lmforge.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Hugging Face {@code tokenizer.json} files: writes the one a training run produces, and reads
 * the figures the shards need (vocabulary size, special token ids) from any byte-level BPE one,
 * ours or a released one such as DeepSeek-V3's.
 */
public final class TokenizerJson {
    static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerJson() {
    }

    /**
     * A byte-level BPE tokenizer with DeepSeek-V3's pre-tokenizer: the special tokens take ids
     * 0..3 (in {@link SpecialTokens#byRole()} order), then the 256 bytes, then one id per merge.
     */
    public static byte[] write(BpeTrainer.Result bpe, SpecialTokens specials) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode vocab = JSON.createObjectNode();
        int id = 0;
        for (String name : specials.byRole().values()) {
            ObjectNode t = added.addObject();
            t.put("id", id);
            t.put("content", name);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
            vocab.put(name, id++);
        }
        int offset = id;
        for (int i = 0; i < bpe.tokens().size(); i++) {
            if (vocab.has(bpe.tokens().get(i))) {
                throw new IllegalArgumentException("special token '" + bpe.tokens().get(i)
                        + "' is also a learned token; choose another name");
            }
            vocab.put(bpe.tokens().get(i), offset + i);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", preTokenizer());
        ObjectNode post = root.putObject("post_processor");
        byteLevel(post, false).put("trim_offsets", false);
        byteLevel(root.putObject("decoder"), true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.set("vocab", vocab);
        ArrayNode merges = model.putArray("merges");
        for (int[] m : bpe.merges()) {
            // Byte-level tokens never contain a space (it maps to 'Ġ'), so "left right" is unambiguous.
            merges.add(bpe.tokens().get(m[0]) + " " + bpe.tokens().get(m[1]));
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** DeepSeek-V3's pre-tokenizer: the {@link PreTokenizer#SPLITS} in sequence, then ByteLevel. */
    static ObjectNode preTokenizer() {
        ObjectNode seq = JSON.createObjectNode();
        seq.put("type", "Sequence");
        ArrayNode steps = seq.putArray("pretokenizers");
        for (String regex : PreTokenizer.SPLITS) {
            ObjectNode split = steps.addObject();
            split.put("type", "Split");
            split.putObject("pattern").put("Regex", regex);
            split.put("behavior", "Isolated");
            split.put("invert", false);
        }
        byteLevel(steps.addObject(), false).put("use_regex", false);
        return seq;
    }

    private static ObjectNode byteLevel(ObjectNode node, boolean withRegex) {
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", false);
        node.put("trim_offsets", true);
        if (withRegex) {
            node.put("use_regex", true);
        }
        return node;
    }

    /** Parses tokenizer.json text, with a clear error for a file that is not one. */
    public static ObjectNode parse(String json, String where) {
        try {
            JsonNode node = JSON.readTree(json);
            if (!(node instanceof ObjectNode o) || !o.has("model")) {
                throw new IllegalArgumentException(where + " is not a Hugging Face tokenizer.json (no \"model\")");
            }
            return o;
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The same tokenizer with its special added tokens removed, for encoding document text: a
     * document that contains the text {@code <eos>} (papers about tokenizers, code) must not get an
     * end-of-sequence id in the middle. Ordinary added tokens stay. This is what HF tokenizers'
     * {@code split_special_tokens} does; the runner adds bos and eos ids around each document itself.
     */
    public static String withoutSpecialTokens(ObjectNode tokenizer) {
        try {
            return JSON.writeValueAsString(withoutSpecialTokensTree(tokenizer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #withoutSpecialTokens} as a tree, for a reader in the JVM (no text round trip of a large file). */
    public static ObjectNode withoutSpecialTokensTree(ObjectNode tokenizer) {
        ObjectNode copy = tokenizer.deepCopy();
        ArrayNode kept = JSON.createArrayNode();
        ObjectNode vocab = copy.path("model").path("vocab") instanceof ObjectNode v ? v : null;
        for (JsonNode t : tokenizer.path("added_tokens")) {
            if (!t.path("special").asBoolean(false)) {
                kept.add(t);
                // HF ignores an added token's written id: it takes the vocabulary's id for that text, else
                // the next free id after the vocabulary. With the special tokens gone those would shift
                // (DeepSeek-V3's <｜User｜> would get 128003, not 128803), so the written id goes in the vocabulary.
                if (vocab != null && !vocab.has(t.path("content").asText()) && t.path("id").canConvertToInt()) {
                    vocab.put(t.path("content").asText(), t.path("id").asInt());
                }
            }
        }
        copy.set("added_tokens", kept);
        copy.putNull("truncation");
        copy.putNull("padding");
        // A template post-processor would add special tokens; byte-level ones only fix offsets.
        if (!"ByteLevel".equals(copy.path("post_processor").path("type").asText())) {
            copy.putNull("post_processor");
        }
        return copy;
    }

    /** The id of token {@code content}: an added token, else a vocabulary entry; -1 if absent. */
    public static int idOf(ObjectNode tokenizer, String content) {
        for (JsonNode t : tokenizer.path("added_tokens")) {
            if (content.equals(t.path("content").asText())) {
                return t.path("id").asInt();
            }
        }
        JsonNode v = tokenizer.path("model").path("vocab").get(content);
        return v != null && v.isInt() ? v.asInt() : -1;
    }

    /** One more than the largest id of the vocabulary and added tokens: the embedding rows a model needs. */
    public static int vocabSize(ObjectNode tokenizer) {
        int max = -1;
        for (JsonNode v : tokenizer.path("model").path("vocab")) {
            max = Math.max(max, v.asInt());
        }
        for (JsonNode t : tokenizer.path("added_tokens")) {
            max = Math.max(max, t.path("id").asInt());
        }
        return max + 1;
    }
}
