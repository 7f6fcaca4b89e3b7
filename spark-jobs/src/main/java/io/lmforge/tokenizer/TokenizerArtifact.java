package io.lmforge.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code OUT/tokenizer/}: {@code tokenizer.json} (Hugging Face) and {@code tokenizer_config.json}
 * (the special tokens by role, as {@code transformers} reads them). The shards stage reads both
 * back from here, so a trained and a released tokenizer look the same to it.
 *
 * @param json          the tokenizer.json text
 * @param sha256        of the tokenizer.json bytes, as written
 * @param vocabSize     embedding rows a model needs: the largest id plus one
 * @param specialIds    role (bos, eos, pad, unk) to id, for the roles the tokenizer has
 */
public record TokenizerArtifact(String json, String sha256, int vocabSize, Map<String, Integer> specialIds)
        implements Serializable {

    public static final String TOKENIZER_JSON = "tokenizer.json";
    public static final String CONFIG_JSON = "tokenizer_config.json";

    /** Checks the special tokens against the tokenizer and describes it. A bos or eos it names must exist. */
    public static TokenizerArtifact of(String json, SpecialTokens names, String where) {
        ObjectNode tokenizer = TokenizerJson.parse(json, where);
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : names.byRole().entrySet()) {
            int id = TokenizerJson.idOf(tokenizer, e.getValue());
            if (id < 0 && (e.getKey().equals("bos") || e.getKey().equals("eos"))) {
                throw new IllegalArgumentException(where + " has no token '" + e.getValue() + "' for " + e.getKey()
                        + "; name the tokenizer's own with tokenizer.special-tokens." + e.getKey());
            }
            if (id >= 0) {
                ids.put(e.getKey(), id);
            }
        }
        String sha = Hashing.sha256().hashString(json, StandardCharsets.UTF_8).toString();
        return new TokenizerArtifact(json, sha, TokenizerJson.vocabSize(tokenizer), Map.copyOf(ids));
    }

    /** Writes both files under {@code dir}. */
    public static void write(Configuration hadoop, String dir, String json, SpecialTokens names) throws IOException {
        writeFile(hadoop, new Path(dir, TOKENIZER_JSON), json.getBytes(StandardCharsets.UTF_8));
        ObjectNode config = TokenizerJson.JSON.createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("bos_token", names.bos().orElse(null));
        config.put("eos_token", names.eos().orElse(null));
        names.pad().ifPresent(p -> config.put("pad_token", p));
        names.unk().ifPresent(u -> config.put("unk_token", u));
        config.put("clean_up_tokenization_spaces", false);
        writeFile(hadoop, new Path(dir, CONFIG_JSON),
                TokenizerJson.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
    }

    /** Reads what {@link #write} wrote (or a released tokenizer laid out the same way). */
    public static TokenizerArtifact read(Configuration hadoop, String dir) throws IOException {
        Path json = new Path(dir, TOKENIZER_JSON);
        String text = readFile(hadoop, json);
        SpecialTokens names = namesFromConfig(hadoop, new Path(dir, CONFIG_JSON))
                .orElseThrow(() -> new IOException(new Path(dir, CONFIG_JSON) + " is missing"));
        return of(text, names, json.toString());
    }

    /**
     * The special token names in a {@code tokenizer_config.json}, if the file exists. A role it
     * leaves out or sets to null is absent (the shards stage then asks shards.bos-token / eos-token).
     */
    public static Optional<SpecialTokens> namesFromConfig(Configuration hadoop, Path file) throws IOException {
        if (!file.getFileSystem(hadoop).exists(file)) {
            return Optional.empty();
        }
        JsonNode config = TokenizerJson.JSON.readTree(readFile(hadoop, file));
        return Optional.of(new SpecialTokens(tokenName(config.get("bos_token")), tokenName(config.get("eos_token")),
                tokenName(config.get("pad_token")),
                tokenName(config.get("unk_token"))));
    }

    /** A token in tokenizer_config.json is a string or an AddedToken object with "content". */
    private static Optional<String> tokenName(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        return Optional.of(node.isTextual() ? node.asText() : node.path("content").asText());
    }

    public static String readFile(Configuration hadoop, Path file) throws IOException {
        FileSystem fs = file.getFileSystem(hadoop);
        if (!fs.exists(file)) {
            throw new IOException(file + " does not exist");
        }
        try (FSDataInputStream in = fs.open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public static void writeFile(Configuration hadoop, Path file, byte[] bytes) throws IOException {
        try (FSDataOutputStream out = file.getFileSystem(hadoop).create(file, true)) {
            out.write(bytes);
        }
    }
}
