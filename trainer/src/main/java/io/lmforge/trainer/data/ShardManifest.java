package io.lmforge.trainer.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code shards/manifest.json}, the contract between tokenization and training: window length,
 * vocabulary, special token ids, and each split's files and token counts.
 *
 * @param root       the shards directory (any Hadoop filesystem)
 * @param seqLen     tokens per window minus one: windows hold {@code seqLen + 1} ids
 * @param specialTokens  e.g. bos, eos, pad, unk to their ids
 */
public record ShardManifest(Path root, int seqLen, int vocabSize, String tokenizerSha256, long seed,
                            Map<String, Integer> specialTokens, Map<String, Split> splits) {

    /** One split ("train", "val"): its files, resolved to full paths, and its counts. */
    public record Split(String name, List<Path> files, long sequences, long tokens, Map<String, Long> tokensByDomain) {
    }

    public static ShardManifest load(String shardsDir, Configuration conf) throws IOException {
        Path root = new Path(shardsDir);
        Path file = new Path(root, "manifest.json");
        FileSystem fs = file.getFileSystem(conf);
        if (!fs.exists(file)) {
            throw new ShardFormatException(file + ": not found; --data must be the shards directory that "
                    + "'lmforge corpus' writes (OUT/shards, holding manifest.json, train/ and val/)");
        }
        JsonObject json;
        try (Reader r = new InputStreamReader(fs.open(file), StandardCharsets.UTF_8)) {
            json = JsonParser.parseReader(r).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new ShardFormatException(file + ": not a JSON object: " + e.getMessage(), e);
        }
        try {
            int seqLen = required(json, "seq_len", file).getAsInt();
            int vocab = required(json, "vocab_size", file).getAsInt();
            if (seqLen < 1 || vocab < 2) {
                throw new ShardFormatException(file + ": seq_len " + seqLen + " / vocab_size " + vocab + " out of range");
            }
            Map<String, Integer> special = new LinkedHashMap<>();
            if (json.has("special_tokens")) {
                for (Map.Entry<String, JsonElement> e : json.getAsJsonObject("special_tokens").entrySet()) {
                    special.put(e.getKey(), e.getValue().getAsInt());
                }
            }
            Map<String, Split> splits = new LinkedHashMap<>();
            JsonObject splitsJson = json.has("splits") ? json.getAsJsonObject("splits") : new JsonObject();
            for (String name : List.of("train", "val")) {
                JsonObject s = splitsJson.has(name) ? splitsJson.getAsJsonObject(name) : new JsonObject();
                splits.put(name, split(name, s, root, fs));
            }
            return new ShardManifest(root, seqLen, vocab,
                    json.has("tokenizer_sha256") ? json.get("tokenizer_sha256").getAsString() : "",
                    json.has("seed") ? json.get("seed").getAsLong() : 0, special, splits);
        } catch (ClassCastException | IllegalStateException | NumberFormatException e) {
            throw new ShardFormatException(file + ": unexpected value: " + e.getMessage(), e);
        }
    }

    public Split split(String name) {
        return splits.get(name);
    }

    /** The id to leave out of the loss: the padding token if the tokenizer has one. */
    public int ignoreIndex() {
        return specialTokens.getOrDefault("pad", -100);
    }

    private static Split split(String name, JsonObject s, Path root, FileSystem fs) throws IOException {
        Path dir = new Path(root, name);
        List<Path> files = new ArrayList<>();
        if (s.has("files")) {
            for (JsonElement f : s.getAsJsonArray("files")) {
                String p = f.getAsString();
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
        Map<String, Long> byDomain = new LinkedHashMap<>();
        if (s.has("tokens_by_domain")) {
            for (Map.Entry<String, JsonElement> e : s.getAsJsonObject("tokens_by_domain").entrySet()) {
                byDomain.put(e.getKey(), e.getValue().getAsLong());
            }
        }
        return new Split(name, List.copyOf(files), s.has("sequences") ? s.get("sequences").getAsLong() : -1,
                s.has("tokens") ? s.get("tokens").getAsLong() : -1, byDomain);
    }

    private static JsonElement required(JsonObject json, String key, Path file) {
        if (!json.has(key) || json.get(key).isJsonNull()) {
            throw new ShardFormatException(file + ": missing \"" + key + "\"");
        }
        return json.get(key);
    }
}
