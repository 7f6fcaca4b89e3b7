package io.lmforge.shards;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code shards/manifest.json}, the contract between the shards stage (which writes it) and the
 * trainer (which reads it): window length, vocabulary, special token ids, and each split's files
 * and counts. The mixture report only documents the data; nothing reads it back.
 *
 * @param root          the shards directory it was read from; null for a manifest built in memory
 * @param seqLen        tokens per window minus one: windows hold {@code seqLen + 1} ids
 * @param specialTokens role (bos, eos, pad, unk) to id, in that order
 * @param splits        {@link #TRAIN} and {@link #VAL}, in that order
 * @param lossMasked    supervised fine-tuning shards: every file has a {@link ShardColumns#LOSS_MASK}
 *                      column and only the targets it marks count in the loss (JSON {@code "loss_mask": true});
 *                      false (or absent, in manifests written before the column existed): every
 *                      target but padding counts
 */
public record ShardManifest(Path root, int seqLen, int vocabSize, String tokenizerSha256, long seed,
                            Map<String, Integer> specialTokens, double valFraction, Map<String, Split> splits,
                            Map<String, Object> mixture, boolean lossMasked) {
    public static final String FILE = "manifest.json";
    public static final String TRAIN = "train";
    public static final String VAL = "val";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One split: its files in reading order (relative to the shards directory as written,
     * resolved to full paths once read), the sequences in each, and its counts.
     */
    public record Split(String name, List<Path> files, List<Long> fileSequences, long sequences, long tokens,
                        Map<String, Long> tokensByDomain, Map<String, Long> documentsByDomain) {
    }

    /** Pre-training shards (no loss mask). */
    public ShardManifest(Path root, int seqLen, int vocabSize, String tokenizerSha256, long seed,
                         Map<String, Integer> specialTokens, double valFraction, Map<String, Split> splits,
                         Map<String, Object> mixture) {
        this(root, seqLen, vocabSize, tokenizerSha256, seed, specialTokens, valFraction, splits, mixture, false);
    }

    public Split split(String name) {
        return splits.get(name);
    }

    /** The id to leave out of the loss: the padding token if the tokenizer has one. */
    public int ignoreIndex() {
        return specialTokens.getOrDefault("pad", -100);
    }

    public byte[] toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seq_len", seqLen);
        out.put("vocab_size", vocabSize);
        out.put("tokenizer_sha256", tokenizerSha256);
        out.put("seed", seed);
        out.put("special_tokens", specialTokens);
        out.put("val_fraction", valFraction);
        if (lossMasked) {
            out.put("loss_mask", true);
        }
        Map<String, String> columns = new LinkedHashMap<>();
        columns.put(ShardColumns.INPUT_IDS, "list<int32>: seq_len + 1 tokens; inputs [0, seq_len), targets [1, seq_len]");
        columns.put(ShardColumns.DOMAIN, "string: the domain of every token of the sequence (sequences never mix domains)");
        columns.put(ShardColumns.DOC_STARTS, "list<int32>: positions where a document's bos token is");
        if (lossMasked) {
            columns.put(ShardColumns.LOSS_MASK, "list<int8>: seq_len + 1 flags; the target at position t counts in the "
                    + "loss iff loss_mask[t + 1] = 1 (response tokens and their eos)");
        }
        out.put("columns", columns);
        Map<String, Object> s = new LinkedHashMap<>();
        for (Split split : splits.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sequences", split.sequences());
            m.put("tokens", split.tokens());
            m.put("tokens_by_domain", split.tokensByDomain());
            m.put("documents_by_domain", split.documentsByDomain());
            m.put("files", split.files().stream().map(Path::toString).toList());
            m.put("file_sequences", split.fileSequences());
            s.put(split.name(), m);
        }
        out.put("splits", s);
        out.put("mixture", mixture);
        try {
            return JSON.writeValueAsBytes(out);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads {@code shardsDir/manifest.json} from any Hadoop filesystem, checks its required keys
     * and that every listed file exists, and resolves the file names to full paths.
     */
    public static ShardManifest load(String shardsDir, Configuration conf) throws IOException {
        Path root = new Path(shardsDir);
        Path file = new Path(root, FILE);
        FileSystem fs = file.getFileSystem(conf);
        if (!fs.exists(file)) {
            throw new ShardFormatException(file + ": not found; --data must be the shards directory that "
                    + "'lmforge corpus' writes (OUT/shards, holding manifest.json, train/ and val/)");
        }
        JsonNode json;
        try (InputStream in = fs.open(file)) {
            json = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            throw new ShardFormatException(file + ": not JSON: " + e.getOriginalMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new ShardFormatException(file + ": not a JSON object");
        }
        int seqLen = required(json, "seq_len", file).asInt();
        int vocab = required(json, "vocab_size", file).asInt();
        if (seqLen < 1 || vocab < 2) {
            throw new ShardFormatException(file + ": seq_len " + seqLen + " / vocab_size " + vocab + " out of range");
        }
        Map<String, Integer> special = new LinkedHashMap<>();
        json.path("special_tokens").fields().forEachRemaining(e -> special.put(e.getKey(), integer(e.getValue(),
                "special_tokens." + e.getKey(), file)));
        Map<String, Split> splits = new LinkedHashMap<>();
        for (String name : List.of(TRAIN, VAL)) {
            splits.put(name, split(name, json.path("splits").path(name), root, fs, file));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> mixture = json.has("mixture") ? JSON.convertValue(json.get("mixture"), LinkedHashMap.class)
                : Map.of();
        return new ShardManifest(root, seqLen, vocab, json.path("tokenizer_sha256").asText(""),
                json.path("seed").asLong(0), special, json.path("val_fraction").asDouble(0), splits, mixture,
                lossMasked(json, file));
    }

    private static Split split(String name, JsonNode s, Path root, FileSystem fs, Path manifest) throws IOException {
        Path dir = new Path(root, name);
        List<Path> files = new ArrayList<>();
        if (s.has("files")) {
            for (JsonNode f : s.get("files")) {
                String p = f.asText();
                Path path = new Path(p);
                // Names may be relative to the split directory, to the shards root, or absolute.
                if (!path.isAbsolute() && !p.contains(":")) {
                    Path inSplit = new Path(dir, p);
                    path = fs.exists(inSplit) ? inSplit : new Path(root, p);
                }
                files.add(path);
            }
        } else if (fs.exists(dir)) {
            FileStatus[] listed = fs.listStatus(dir, p -> p.getName().endsWith(".parquet"));
            Arrays.sort(listed, Comparator.comparing(st -> st.getPath().getName()));
            for (FileStatus st : listed) {
                files.add(st.getPath());
            }
        }
        for (Path f : files) {
            if (!fs.exists(f)) {
                throw new FileNotFoundException("shard listed in the manifest is missing: " + f);
            }
        }
        List<Long> fileSequences = new ArrayList<>();
        s.path("file_sequences").forEach(n -> fileSequences.add(n.asLong()));
        return new Split(name, List.copyOf(files), List.copyOf(fileSequences), s.path("sequences").asLong(-1),
                s.path("tokens").asLong(-1), longs(s.path("tokens_by_domain")), longs(s.path("documents_by_domain")));
    }

    private static boolean lossMasked(JsonNode json, Path file) {
        JsonNode v = json.get("loss_mask");
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new ShardFormatException(file + ": \"loss_mask\" must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    private static Map<String, Long> longs(JsonNode object) {
        Map<String, Long> out = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
        return out;
    }

    private static JsonNode required(JsonNode json, String key, Path file) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            throw new ShardFormatException(file + ": missing \"" + key + "\"");
        }
        if (!v.isNumber()) {
            throw new ShardFormatException(file + ": \"" + key + "\" must be a number, got " + v);
        }
        return v;
    }

    private static int integer(JsonNode v, String key, Path file) {
        if (!v.canConvertToInt()) {
            throw new ShardFormatException(file + ": \"" + key + "\" must be an integer, got " + v);
        }
        return v.asInt();
    }
}
