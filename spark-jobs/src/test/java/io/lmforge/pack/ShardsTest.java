package io.lmforge.pack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.hash.Hashing;
import com.typesafe.config.ConfigFactory;
import io.lmforge.config.Settings;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.corpus.StageContext;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.SparkTestSession;
import io.lmforge.testing.TestData;
import io.lmforge.tokenizer.HfEncoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole corpus job on real text in four domains (English docs, Python code, Japanese and
 * German man pages), through tokenizer training to shards, read back with DuckDB (not
 * parquet-mr): sequence length, document starts, the mixture of every batch-size window, exact
 * decoding back to the documents, repetition limits, the train/val split and the manifest.
 */
class ShardsTest {
    static final int SEQ_LEN = 63;
    static final int BATCH = 8;
    static final Map<String, Double> WEIGHTS = Map.of("docs", 0.4, "code", 0.3, "man-ja", 0.2, "man-de", 0.1);

    @TempDir
    static Path dir;
    static CorpusRun run;
    static JsonNode manifest;
    static Map<String, Set<String>> documentsByDomain = new HashMap<>();
    static Map<String, Integer> documentCounts = new HashMap<>();
    static Map<String, List<Seq>> splits = new HashMap<>();
    /** The report of the last {@link #rebuildSplits}. */
    static Map<String, Object> lastReport;

    record Seq(int[] ids, String domain, int[] docStarts) {
    }

    @BeforeAll
    static void runTheJob() throws IOException, SQLException {
        Path in = Files.createDirectories(dir.resolve("in"));
        writeJsonl(in.resolve("docs.jsonl"), "docs",
                TestData.texts("debian/python3.11-doc/usr/share/doc/python3.11/html/_sources/tutorial", ".rst.txt", 30));
        writeJsonl(in.resolve("code.jsonl"), "code",
                TestData.texts("debian/libpython3.11-stdlib/usr/lib/python3.11/asyncio", ".py", 30));
        writeJsonl(in.resolve("ja.jsonl"), "man-ja", TestData.texts("debian/manpages-ja/usr/share/man/ja/man1", ".gz", 25));
        writeJsonl(in.resolve("de.jsonl"), "man-de", TestData.texts("debian/manpages-de/usr/share/man/de/man1", ".gz", 25));
        run = CorpusRun.run("sources = [ { name = corpus, format = jsonl, path = " + CorpusRun.quote(in) + " } ]\n"
                + "stages = []\ntokenizer { vocab-size = 700 }\n"
                + "shards { seq-len = " + SEQ_LEN + ", seed = 7, val-fraction = 0.1, "
                + "mix { weights { " + weightsHocon() + " }, batch-size = " + BATCH + " } }\n", dir.resolve("out"));
        manifest = new ObjectMapper().readTree(Files.readAllBytes(run.out.resolve("shards/manifest.json")));
        for (String split : List.of("train", "val")) {
            splits.put(split, readWithDuckDb(run.out.resolve("shards"), manifest.at("/splits/" + split + "/files")));
        }
    }

    @Test
    void everySequenceIsSeqLenPlusOneWithItsDocumentStarts() {
        for (List<Seq> seqs : splits.values()) {
            for (Seq s : seqs) {
                assertEquals(SEQ_LEN + 1, s.ids.length);
                List<Integer> bos = new ArrayList<>();
                for (int i = 0; i < s.ids.length; i++) {
                    if (s.ids[i] == 0) {
                        bos.add(i);
                    }
                }
                assertEquals(bos, toList(s.docStarts));
            }
        }
        assertTrue(splits.get("train").size() > 50 * BATCH, "train sequences: " + splits.get("train").size());
        assertTrue(splits.get("val").size() > 0);
    }

    @Test
    void everyWindowOfBatchSizeSequencesCarriesTheTargetMixture() {
        assertEquals(0, manifest.at("/mixture/train/unmet").size(), manifest.at("/mixture/train").toString());
        List<Seq> train = splits.get("train");
        Map<String, Integer> window = new HashMap<>();
        for (int p = 0; p < train.size(); p++) {
            window.merge(train.get(p).domain, 1, Integer::sum);
            if (p >= BATCH) {
                window.merge(train.get(p - BATCH).domain, -1, Integer::sum);
            }
            if (p >= BATCH - 1) {
                for (Map.Entry<String, Double> w : WEIGHTS.entrySet()) {
                    int count = window.getOrDefault(w.getKey(), 0);
                    assertTrue(Math.abs(count - BATCH * w.getValue()) <= 1.0,
                            "window ending at " + p + ": " + count + " of " + w.getKey() + " for weight " + w.getValue());
                }
            }
        }
        for (Map.Entry<String, Double> w : WEIGHTS.entrySet()) {
            assertEquals(w.getValue(), manifest.at("/mixture/train/domains/" + w.getKey() + "/achieved").asDouble(), 1e-3);
        }
    }

    @Test
    void sequencesDecodeBackToWholeDocumentsRepeatedAtMostMaxEpochs() throws IOException {
        String json = Files.readString(run.out.resolve("tokenizer/tokenizer.json"));
        Map<String, Set<String>> valTexts = new HashMap<>();
        try (HfEncoder tokenizer = HfEncoder.load(json)) {
            Map<String, Integer> trainUses = new HashMap<>();
            for (String split : List.of("train", "val")) {
                Map<String, List<Integer>> streams = new LinkedHashMap<>();
                for (Seq s : splits.get(split)) {
                    List<Integer> stream = streams.computeIfAbsent(s.domain, k -> new ArrayList<>());
                    for (int id : s.ids) {
                        stream.add(id);
                    }
                }
                for (Map.Entry<String, List<Integer>> e : streams.entrySet()) {
                    List<Integer> stream = e.getValue();
                    int complete = 0;
                    int start = stream.indexOf(0);
                    while (start >= 0) {
                        int end = stream.subList(start, stream.size()).indexOf(1);
                        if (end < 0) {
                            break;
                        }
                        end += start;
                        int[] ids = stream.subList(start + 1, end).stream().mapToInt(Integer::intValue).toArray();
                        String text = tokenizer.decode(ids, false);
                        assertTrue(documentsByDomain.get(e.getKey()).contains(text),
                                split + " " + e.getKey() + ": decoded text is not one of the domain's documents: "
                                        + text.substring(0, Math.min(80, text.length())));
                        if (split.equals("train")) {
                            trainUses.merge(text, 1, Integer::sum);
                        } else {
                            valTexts.computeIfAbsent(e.getKey(), k -> new HashSet<>()).add(text);
                        }
                        complete++;
                        start = end + 1 < stream.size() && stream.get(end + 1) == 0 ? end + 1 : -1;
                    }
                    assertTrue(complete > 0 || split.equals("val"), split + " " + e.getKey() + " has no complete document");
                }
            }
            int maxEpochs = manifest.at("/mixture/max_epochs").asInt();
            for (Map.Entry<String, Integer> u : trainUses.entrySet()) {
                assertTrue(u.getValue() <= maxEpochs, "a document is used " + u.getValue() + " times");
            }
            assertTrue(trainUses.values().stream().anyMatch(n -> n > 1), "an up-sampled domain repeats documents");
            for (Set<String> val : valTexts.values()) {
                for (String text : val) {
                    assertTrue(!trainUses.containsKey(text), "a validation document is also in train");
                }
            }
        }
    }

    @Test
    void validationHoldsItsFractionOfEveryDomain() {
        for (String domain : WEIGHTS.keySet()) {
            long train = manifest.at("/splits/train/documents_by_domain/" + domain).asLong();
            long val = manifest.at("/splits/val/documents_by_domain/" + domain).asLong();
            assertEquals(documentCounts.get(domain).longValue(), train + val, domain + ": every document once, in one split");
            assertEquals(Math.round((train + val) * 0.1), val, domain + ": round(n * val-fraction) in val");
        }
    }

    @Test
    void manifestDescribesTheShardsAndTheTokenizer() throws IOException {
        byte[] tokenizer = Files.readAllBytes(run.out.resolve("tokenizer/tokenizer.json"));
        assertEquals(Hashing.sha256().hashBytes(tokenizer).toString(), manifest.get("tokenizer_sha256").asText());
        assertEquals(SEQ_LEN, manifest.get("seq_len").asInt());
        assertEquals(7, manifest.get("seed").asLong());
        assertEquals(700, manifest.get("vocab_size").asInt());
        assertEquals("{\"bos\":0,\"eos\":1,\"pad\":2,\"unk\":3}", manifest.get("special_tokens").toString());
        for (String split : List.of("train", "val")) {
            JsonNode s = manifest.at("/splits/" + split);
            List<Seq> seqs = splits.get(split);
            assertEquals(seqs.size(), s.get("sequences").asLong());
            assertEquals((long) seqs.size() * (SEQ_LEN + 1), s.get("tokens").asLong());
            Map<String, Long> byDomain = new HashMap<>();
            for (Seq q : seqs) {
                byDomain.merge(q.domain, (long) SEQ_LEN + 1, Long::sum);
            }
            for (Map.Entry<String, Long> e : byDomain.entrySet()) {
                assertEquals(e.getValue(), s.at("/tokens_by_domain/" + e.getKey()).asLong(), split + " " + e.getKey());
            }
        }
        JsonNode job = run.manifest();
        assertEquals(700, job.at("/stages/tokenizer/vocab_size").asInt());
        assertEquals(manifest.at("/splits/train/sequences").asLong(), job.at("/stages/shards/train_sequences").asLong());
        // Our tokenizer is one the JVM encoder reproduces, and no document needed HF.
        assertEquals("jvm", job.at("/stages/shards/encoder").asText());
        assertEquals(0, job.at("/stages/shards/hf_encoded_documents").asLong());
    }

    @Test
    void theSameSeedGivesTheSameShardsAndAnotherSeedAnotherOrder() throws IOException, SQLException {
        // The first run (a small corpus) encoded with the JVM encoder, and split, planned and cut its
        // pieces on the driver; this one encodes with HF tokenizers and does the rest in Spark jobs,
        // joins the pieces by shuffling the ids and cuts each pass into 8 buckets.
        Map<String, List<Seq>> again;
        System.setProperty("lmforge.shards.broadcast-pieces", "0");
        System.setProperty("lmforge.shards.bucket-bits", "3");
        try {
            again = rebuildSplits("seed = 7, encoder = hf", "again");
        } finally {
            System.clearProperty("lmforge.shards.broadcast-pieces");
            System.clearProperty("lmforge.shards.bucket-bits");
        }
        for (String split : List.of("train", "val")) {
            assertEquals(splits.get(split).size(), again.get(split).size(), split);
            for (int i = 0; i < again.get(split).size(); i++) {
                assertArrayEquals(splits.get(split).get(i).ids, again.get(split).get(i).ids, split + " sequence " + i);
                assertEquals(splits.get(split).get(i).domain, again.get(split).get(i).domain, split + " sequence " + i);
            }
        }
        List<Seq> other = rebuild("seed = 8", "other");
        int same = 0;
        List<Seq> train = again.get("train");
        for (int i = 0; i < Math.min(other.size(), train.size()); i++) {
            same += Arrays.equals(other.get(i).ids, train.get(i).ids) ? 1 : 0;
        }
        assertTrue(same < train.size() / 10, same + " of " + train.size() + " sequences unchanged by another seed");
    }

    @Test
    void aReleasedTokenizerDeepSeekV3GivesItsOwnIds() throws IOException, SQLException {
        Path models = TestData.path("npm/tokenizer-deepseek_v3/models");
        Path out = dir.resolve("deepseek");
        new io.lmforge.tokenizer.TokenizerStage(io.lmforge.tokenizer.TokenizerSettings.from(Settings.of(ConfigFactory.parseString(
                "pretrained = " + CorpusRun.quote(models.resolve("tokenizer.json"))), "lmforge.corpus", "tokenizer")))
                .build(run.documents(), new StageContext(SparkTestSession.get(), new OutputLayout(out.toString()), "ds"));
        Path tokenizerDir = out.resolve("_staging/tokenizer");
        List<Seq> train = rebuild("seed = 7, encoder = jvm, tokenizer = " + CorpusRun.quote(tokenizerDir), "deepseek-shards");
        JsonNode m = new ObjectMapper().readTree(Files.readAllBytes(dir.resolve("deepseek-shards/_staging/shards/manifest.json")));
        // The tokenizer's ids end at 128814 (the model pads its embedding table to 129280).
        assertEquals(128815, m.get("vocab_size").asInt());
        assertEquals(0, m.at("/special_tokens/bos").asInt());
        assertEquals(1, m.at("/special_tokens/eos").asInt());
        // The first complete document in the stream of the first sequence's domain: DeepSeek's ids for its text.
        String domain = train.get(0).domain;
        List<Integer> stream = new ArrayList<>();
        for (Seq s : train) {
            if (s.domain.equals(domain)) {
                stream.addAll(toList(s.ids));
            }
        }
        int bos = stream.indexOf(0);
        int eos = stream.subList(bos, stream.size()).indexOf(1) + bos;
        assertTrue(bos >= 0 && eos > bos, "a complete document in the " + domain + " stream");
        int[] ids = stream.subList(bos + 1, eos).stream().mapToInt(Integer::intValue).toArray();
        try (HfEncoder deepseek = HfEncoder.forDocuments(Files.readString(models.resolve("tokenizer.json")))) {
            String text = deepseek.decode(ids, false);
            assertTrue(documentsByDomain.get(domain).contains(text), text);
            assertArrayEquals(deepseek.encode(text), ids);
        }
    }

    /**
     * Qwen3's released tokenizer names no bos_token: documents end with the eos token alone
     * (here shards.eos-token picks its document separator, <|endoftext|>, over the chat eos), and
     * doc_starts gives each document's first token. The JVM encoder reproduces it (NFC, its regex).
     */
    @Test
    void aTokenizerWithoutBosDelimitsDocumentsByEosAndDocStartsAtTheirFirstToken() throws IOException, SQLException {
        Path models = TestData.path("npm/tokenizer-qwen3/models");
        Path out = dir.resolve("qwen3");
        new io.lmforge.tokenizer.TokenizerStage(io.lmforge.tokenizer.TokenizerSettings.from(io.lmforge.corpus.CorpusSettings.of(ConfigFactory.parseString(
                "pretrained = " + CorpusRun.quote(models.resolve("tokenizer.json"))), "tokenizer")))
                .build(run.documents(), new StageContext(SparkTestSession.get(), new OutputLayout(out.toString()), "qwen3"));
        Path tokenizerDir = out.resolve("_staging/tokenizer");
        int endOfText = 151643;
        List<Seq> train = rebuild("seed = 7, encoder = jvm, eos-token = \"<|endoftext|>\", tokenizer = "
                + CorpusRun.quote(tokenizerDir), "qwen3-shards");
        assertEquals("jvm", lastReport.get("encoder"));
        assertEquals(0L, lastReport.get("hf_encoded_documents"));
        assertEquals("none", lastReport.get("bos_token_id"));
        JsonNode m = new ObjectMapper().readTree(Files.readAllBytes(dir.resolve("qwen3-shards/_staging/shards/manifest.json")));
        assertEquals("{\"eos\":" + endOfText + ",\"pad\":" + endOfText + "}", m.get("special_tokens").toString());
        int documents = 0;
        for (Seq s : train) {
            List<Integer> afterEos = new ArrayList<>();
            for (int i = 0; i + 1 < s.ids.length; i++) {
                if (s.ids[i] == endOfText) {
                    afterEos.add(i + 1);
                }
            }
            List<Integer> starts = new ArrayList<>(toList(s.docStarts));
            starts.remove(Integer.valueOf(0));   // a document that starts the sequence: its eos is in the one before
            assertEquals(afterEos, starts);
            documents += afterEos.size();
        }
        assertTrue(documents > 10, documents + " document starts");
        String domain = train.get(0).domain;
        List<Integer> stream = new ArrayList<>();
        for (Seq s : train) {
            if (s.domain.equals(domain)) {
                stream.addAll(toList(s.ids));
            }
        }
        int from = stream.indexOf(endOfText) + 1;
        int to = stream.subList(from, stream.size()).indexOf(endOfText) + from;
        assertTrue(from > 0 && to > from, "a complete document in the " + domain + " stream");
        int[] ids = stream.subList(from, to).stream().mapToInt(Integer::intValue).toArray();
        try (HfEncoder qwen = HfEncoder.forDocuments(Files.readString(models.resolve("tokenizer.json")))) {
            String text = qwen.decode(ids, false);
            assertTrue(documentsByDomain.get(domain).contains(text), text);
            assertArrayEquals(qwen.encode(text), ids);
        }
    }

    /** Delimiters: from tokenizer_config.json, from the settings, none; an error naming the key when nothing says. */
    @Test
    void documentDelimitersComeFromTheConfigOrTheSettings() throws IOException {
        String json = Files.readString(TestData.path("npm/tokenizer-qwen3/models/tokenizer.json"));
        io.lmforge.tokenizer.SpecialTokens qwen = new io.lmforge.tokenizer.SpecialTokens(java.util.Optional.empty(),
                java.util.Optional.of("<|im_end|>"), java.util.Optional.of("<|endoftext|>"), java.util.Optional.empty());
        io.lmforge.tokenizer.TokenizerArtifact named = io.lmforge.tokenizer.TokenizerArtifact.of(json, qwen, "qwen");
        java.util.function.Function<String, ShardSettings> settings =
                h -> ShardSettings.from(io.lmforge.corpus.CorpusSettings.of(ConfigFactory.parseString(h), "shards"));
        assertEquals(new DocumentTokens.Delimiters(-1, 151645), DocumentTokens.Delimiters.of(named, settings.apply(""), "c"));
        assertEquals(new DocumentTokens.Delimiters(151644, -1), DocumentTokens.Delimiters.of(named,
                settings.apply("bos-token = \"<|im_start|>\", eos-token = none"), "c"));
        io.lmforge.tokenizer.TokenizerArtifact unnamed = io.lmforge.tokenizer.TokenizerArtifact.of(json,
                new io.lmforge.tokenizer.SpecialTokens(java.util.Optional.empty(), java.util.Optional.empty(),
                        java.util.Optional.empty(), java.util.Optional.empty()), "qwen");
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> DocumentTokens.Delimiters.of(unnamed, settings.apply(""), "dir/tokenizer_config.json"));
        assertTrue(e.getMessage().contains("shards.eos-token") && e.getMessage().contains("dir/tokenizer_config.json"),
                e.getMessage());
        assertEquals(new DocumentTokens.Delimiters(-1, 151643), DocumentTokens.Delimiters.of(unnamed,
                settings.apply("eos-token = \"<|endoftext|>\""), "c"));
        RuntimeException missing = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> DocumentTokens.Delimiters.of(unnamed, settings.apply("eos-token = \"<eos>\""), "c"));
        assertTrue(missing.getMessage().contains("shards.eos-token = '<eos>'"), missing.getMessage());
    }

    @Test
    void aTokenizerTheJvmEncoderDeclinesIsEncodedByHfOrRefusedWithTheReason() throws IOException, SQLException {
        // BPE dropout samples merges: HF loads it (and encodes without dropout), the JVM encoder declines it.
        Path tokenizerDir = Files.createDirectories(dir.resolve("dropout-tokenizer"));
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
                new ObjectMapper().readTree(run.out.resolve("tokenizer/tokenizer.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("model")).put("dropout", 0.0);
        new ObjectMapper().writeValue(tokenizerDir.resolve("tokenizer.json").toFile(), json);
        Files.copy(run.out.resolve("tokenizer/tokenizer_config.json"), tokenizerDir.resolve("tokenizer_config.json"));
        String tokenizer = "tokenizer = " + CorpusRun.quote(tokenizerDir);

        IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> rebuild("seed = 7, encoder = jvm, " + tokenizer, "dropout-jvm"));
        assertTrue(refused.getMessage().contains("dropout"), refused.getMessage());

        List<Seq> byHf = rebuild("seed = 7, " + tokenizer, "dropout-auto");
        assertEquals("hf", lastReport.get("encoder"));
        assertEquals(splits.get("train").size(), byHf.size());
        for (int i = 0; i < byHf.size(); i++) {
            assertArrayEquals(splits.get("train").get(i).ids, byHf.get(i).ids, "train sequence " + i);
        }
    }

    @Test
    void readByRowGroupsWithTheIdsOnDiskTheDocumentsGiveTheSameShards() throws IOException, SQLException {
        // The first run read its documents (few files of one row group each) through a shuffle of
        // their text, and kept the ids in memory; here one file of many row groups is read split by
        // row group, with no shuffle, and the ids wait on disk; and each file is written in parts of
        // 7 sequences by several tasks, joined after. The shards must not change.
        Path file = dir.resolve("row-groups");
        run.documents().coalesce(1).write().option("parquet.block.size", 16 << 10)
                .option("parquet.page.size.row.check.min", 1).option("parquet.page.size.row.check.max", 2)
                .parquet(file.toString());
        long rowGroups = 0;
        for (Path part : Files.list(file).filter(p -> p.toString().endsWith(".parquet")).toList()) {
            try (var r = org.apache.parquet.hadoop.ParquetFileReader.open(org.apache.parquet.hadoop.util.HadoopInputFile
                    .fromPath(new org.apache.hadoop.fs.Path(part.toUri()), new org.apache.hadoop.conf.Configuration()))) {
                rowGroups += r.getRowGroups().size();
            }
        }
        int tasks = DocumentTokens.tasks(org.apache.spark.api.java.JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext()));
        assertTrue(rowGroups >= tasks, rowGroups + " row groups, fewer than the " + tasks + " tasks wanted");
        var documents = SparkTestSession.get().read().parquet(file.toString());
        Map<String, List<Seq>> again;
        System.setProperty("lmforge.shards.part-sequences", "7");
        try {
            again = rebuildSplits("seed = 7, scratch-storage = DISK_ONLY", "row-groups-out", documents);
        } finally {
            System.clearProperty("lmforge.shards.part-sequences");
        }
        assertEquals("splits", lastReport.get("tokenize_input"));
        Path train = dir.resolve("row-groups-out/_staging/shards/train");
        try (var r = org.apache.parquet.hadoop.ParquetFileReader.open(org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(train.resolve("shard-00000.parquet").toUri()), new org.apache.hadoop.conf.Configuration()))) {
            assertEquals((r.getRecordCount() + 6) / 7, r.getRowGroups().size(), "a row group per part");
        }
        try (var listed = Files.list(train)) {
            assertEquals(List.of("shard-00000.parquet"), listed.map(p -> p.getFileName().toString())
                    .filter(n -> !n.endsWith(".crc")).sorted().toList(), "the parts are gone");
        }
        for (String split : List.of("train", "val")) {
            assertEquals(splits.get(split).size(), again.get(split).size(), split);
            for (int i = 0; i < again.get(split).size(); i++) {
                assertArrayEquals(splits.get(split).get(i).ids, again.get(split).get(i).ids, split + " sequence " + i);
                assertEquals(splits.get(split).get(i).domain, again.get(split).get(i).domain, split + " sequence " + i);
                assertArrayEquals(splits.get(split).get(i).docStarts, again.get(split).get(i).docStarts, split + " sequence " + i);
            }
        }
        assertEquals("shuffled", manifestOfTheRun().at("/stages/shards/tokenize_input").asText());
    }

    @Test
    void anEmptyCorpusGivesEmptyShardsNotAnError() throws IOException, SQLException {
        Path out = dir.resolve("empty");
        StageContext context = new StageContext(SparkTestSession.get(), new OutputLayout(out.toString()), "empty");
        var none = run.documents().limit(0);
        new io.lmforge.tokenizer.TokenizerStage(io.lmforge.tokenizer.TokenizerSettings.from(
                Settings.of(ConfigFactory.parseString("vocab-size = 1000"), "lmforge.corpus", "tokenizer"))).build(none, context);
        Map<String, Object> report = ShardsStage.from(Settings.of(ConfigFactory.parseString("seq-len = 15"), "lmforge.corpus", "shards"))
                .build(none, context);
        assertEquals(0L, report.get("train_sequences"));
        JsonNode m = new ObjectMapper().readTree(Files.readAllBytes(out.resolve("_staging/shards/manifest.json")));
        assertEquals(260, m.get("vocab_size").asInt(), "4 special tokens and 256 bytes, no merges");
        for (String split : List.of("train", "val")) {
            assertEquals(1, m.at("/splits/" + split + "/files").size());
            assertEquals(0, readWithDuckDb(out.resolve("_staging/shards"), m.at("/splits/" + split + "/files")).size());
        }
    }

    /** Runs the shards stage alone on the same documents with other settings; its train split. */
    static List<Seq> rebuild(String settings, String name) throws IOException, SQLException {
        return rebuildSplits(settings, name).get("train");
    }

    static Map<String, List<Seq>> rebuildSplits(String settings, String name) throws IOException, SQLException {
        return rebuildSplits(settings, name, run.documents());
    }

    static Map<String, List<Seq>> rebuildSplits(String settings, String name, org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> documents)
            throws IOException, SQLException {
        Path out = dir.resolve(name);
        String hocon = "seq-len = " + SEQ_LEN + ", val-fraction = 0.1, mix { weights { " + weightsHocon() + " }, batch-size = "
                + BATCH + " }, " + (settings.contains("tokenizer") ? "" : "tokenizer = " + CorpusRun.quote(run.out.resolve("tokenizer")) + ", ")
                + settings;
        lastReport = ShardsStage.from(Settings.of(ConfigFactory.parseString(hocon), "lmforge.corpus", "shards"))
                .build(documents, new StageContext(SparkTestSession.get(), new OutputLayout(out.toString()), name));
        JsonNode m = new ObjectMapper().readTree(Files.readAllBytes(out.resolve("_staging/shards/manifest.json")));
        Map<String, List<Seq>> read = new HashMap<>();
        for (String split : List.of("train", "val")) {
            read.put(split, readWithDuckDb(out.resolve("_staging/shards"), m.at("/splits/" + split + "/files")));
        }
        return read;
    }

    static JsonNode manifestOfTheRun() throws IOException {
        return new ObjectMapper().readTree(Files.readAllBytes(run.out.resolve("manifest.json")));
    }

    static String weightsHocon() {
        StringBuilder weights = new StringBuilder();
        WEIGHTS.forEach((d, w) -> weights.append('"').append(d).append("\" = ").append(w).append(", "));
        return weights.toString();
    }

    static List<Seq> readWithDuckDb(Path shards, JsonNode files) throws SQLException {
        List<Seq> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            for (JsonNode f : files) {
                String path = shards.resolve(f.asText()).toString().replace("'", "''");
                try (ResultSet rs = st.executeQuery("SELECT input_ids, domain, doc_starts FROM read_parquet('" + path
                        + "', file_row_number = true) ORDER BY file_row_number")) {
                    while (rs.next()) {
                        out.add(new Seq(ints(rs.getArray(1).getArray()), rs.getString(2), ints(rs.getArray(3).getArray())));
                    }
                }
            }
        }
        return out;
    }

    static int[] ints(Object array) {
        Object[] a = (Object[]) array;
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = ((Number) a[i]).intValue();
        }
        return out;
    }

    static List<Integer> toList(int[] a) {
        List<Integer> out = new ArrayList<>();
        for (int v : a) {
            out.add(v);
        }
        return out;
    }

    static void writeJsonl(Path file, String domain, List<String> texts) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder out = new StringBuilder();
        int i = 0;
        for (String t : texts) {
            String text = t.substring(0, Math.min(t.length(), 4000));
            documentsByDomain.computeIfAbsent(domain, k -> new HashSet<>()).add(text);
            documentCounts.merge(domain, 1, Integer::sum);
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("id", domain + "-" + i++);
            record.put("text", text);
            record.put("metadata", Map.of("domain", domain));
            out.append(json.writeValueAsString(record)).append('\n');
        }
        Files.writeString(file, out.toString(), StandardCharsets.UTF_8);
    }
}
