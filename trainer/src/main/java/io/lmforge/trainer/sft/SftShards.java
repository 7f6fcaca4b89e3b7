package io.lmforge.trainer.sft;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.eval.JsonLines;
import io.lmforge.model.generate.TextTokenizer;
import io.lmforge.shards.ShardManifest;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code lmforge sft-shards}: supervised fine-tuning JSONL ({@code {"context", "response"}} or
 * chat {@code messages}) to loss-masked token shards for {@code train --init-from CKPT}, tokenized
 * with the checkpoint's own tokenizer. {@code OUT/} is laid out like a corpus run's, so the
 * trainer finds the tokenizer beside the shards:
 *
 * <pre>
 *   OUT/shards/{train,val}/part-NNNNN.zstd.parquet   input_ids, domain, doc_starts, loss_mask
 *   OUT/shards/manifest.json                         "loss_mask": true, the checkpoint's tokenizer_sha256
 *   OUT/tokenizer/tokenizer.json                     the checkpoint's (tokenizer_config.json too, if it has one)
 *   OUT/quarantine.jsonl                             {"error": "FILE line N: why"} per line that could not be used
 *   OUT/manifest.json                                the accounting: lines read = examples packed + quarantined; written last
 * </pre>
 */
public final class SftShards {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    private static final Gson LINE = new GsonBuilder().disableHtmlEscaping().create();

    private SftShards() {
    }

    /**
     * @param seqLen      window length minus one; 0: the checkpoint model's max positions
     * @param valFraction share of examples (chosen by a seeded hash of file and line) in the val split
     * @param rowsPerFile windows per Parquet file (one row group: what the trainer decodes at once)
     */
    public record Options(List<Path> inputs, Path checkpoint, Path out, int seqLen, double valFraction, long seed,
                          int rowsPerFile) {
        public Options {
            if (inputs.isEmpty()) {
                throw new IllegalArgumentException("no input files");
            }
            if (seqLen < 0 || valFraction < 0 || valFraction >= 1 || rowsPerFile < 1) {
                throw new IllegalArgumentException("seq_len " + seqLen + " must be ≥ 0, val fraction " + valFraction
                        + " in [0, 1), rows per file " + rowsPerFile + " ≥ 1");
            }
        }
    }

    /**
     * What a build did. Every non-blank input line is one record: {@code records = examples + quarantined}.
     *
     * @param truncated      examples whose oldest context tokens were cut to fit a window
     * @param trainedTokens  tokens the loss counts (responses and their eos), both splits
     * @param contextTokens  bos and context tokens, both splits
     * @param errors         the quarantined lines' reasons, "FILE line N: why"
     */
    public record Report(ShardManifest manifest, long records, long examples, long truncated, long trainExamples,
                         long valExamples, long trainedTokens, long contextTokens, long paddingTokens, List<String> errors) {
        public long quarantined() {
            return errors.size();
        }
    }

    public static Report build(Options options) throws IOException {
        Path checkpoint = CheckpointFiles.resolve(options.checkpoint());
        CheckpointFiles.Config config = CheckpointFiles.readConfig(checkpoint);
        byte[] tokenizerJson = CheckpointModel.readTokenizer(checkpoint, config, CheckpointFiles.listedHashes(checkpoint));
        Map<String, Integer> special = config.specialTokens();
        for (String role : List.of("bos", "eos")) {
            if (!special.containsKey(role)) {
                throw new IllegalArgumentException(checkpoint.resolve(CheckpointFiles.CONFIG) + " names no " + role
                        + " token; a fine-tuning example needs one (it starts with bos and its response ends with eos)");
            }
        }
        int seqLen = options.seqLen() > 0 ? options.seqLen() : config.model().maxPositions();
        int vocab = config.model().vocabSize();
        Path shardsDir = options.out().resolve("shards");
        if (Files.exists(shardsDir)) {
            throw new FileAlreadyExistsException(shardsDir + " already exists; give a new --out");
        }
        for (Path input : options.inputs()) {
            if (!Files.isRegularFile(input)) {
                throw new NoSuchFileException(input + " is not a file");
            }
        }

        Counts counts = new Counts();
        List<String> errors = new ArrayList<>();
        int pad = special.getOrDefault("pad", special.get("eos"));
        try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerJson, checkpoint.resolve(CheckpointFiles.TOKENIZER).toString());
             SftSplitWriter trainOut = new SftSplitWriter(ShardManifest.TRAIN, shardsDir.resolve(ShardManifest.TRAIN), seqLen,
                     options.rowsPerFile());
             SftSplitWriter valOut = new SftSplitWriter(ShardManifest.VAL, shardsDir.resolve(ShardManifest.VAL), seqLen,
                     options.rowsPerFile())) {
            SftPacker train = new SftPacker(seqLen, pad, trainOut);
            SftPacker val = new SftPacker(seqLen, pad, valOut);
            for (Path input : options.inputs()) {
                JsonLines.Result<SftExample> read = JsonLines.read(input,
                        (json, line) -> SftExample.parse(json, input + " line " + line));
                counts.records += read.records().size() + read.errors().size();
                errors.addAll(read.errors());
                for (SftExample example : read.records()) {
                    String problem = pack(TokenizedExample.encode(example, tokenizer, special.get("bos"), special.get("eos")),
                            vocab, inVal(example, options), train, val, counts);
                    if (problem != null) {
                        errors.add(example.source() + ": " + problem);
                    }
                }
            }
            train.finish();
            val.finish();
            counts.padding = train.paddingTokens() + val.paddingTokens();
            trainOut.close();
            valOut.close();
            Map<String, ShardManifest.Split> splits = new LinkedHashMap<>();
            splits.put(ShardManifest.TRAIN, trainOut.split());
            splits.put(ShardManifest.VAL, valOut.split());
            ShardManifest manifest = new ShardManifest(null, seqLen, vocab, CheckpointFiles.sha256(tokenizerJson),
                    options.seed(), special, options.valFraction(), splits, Map.of(), true);
            Report report = new Report(manifest, counts.records, counts.trainExamples + counts.valExamples, counts.truncated,
                    counts.trainExamples, counts.valExamples, counts.trained, counts.context, counts.padding,
                    List.copyOf(errors));
            write(options, checkpoint, tokenizerJson, report);
            return report;
        }
    }

    /** Packs one example; the reason it cannot be used, or null. */
    private static String pack(TokenizedExample example, int vocab, boolean val, SftPacker train, SftPacker valPacker,
                               Counts counts) {
        for (int id : example.tokens()) {
            if (id < 0 || id >= vocab) {
                return "token id " + id + " is outside the model's vocabulary [0, " + vocab + ")";
            }
        }
        SftPacker packer = val ? valPacker : train;
        TokenizedExample fitted = example.truncated(packer.windowLength());
        if (fitted == null) {
            return "its response and eos are " + (example.length() - example.finalResponseStart())
                    + " tokens; with bos they do not fit a window of seq_len + 1 = " + packer.windowLength() + " tokens";
        }
        if (fitted != example) {
            counts.truncated++;
        }
        packer.add(fitted);
        int trained = fitted.trainedTokens();
        counts.trained += trained;
        counts.context += fitted.length() - trained;
        if (val) {
            counts.valExamples++;
        } else {
            counts.trainExamples++;
        }
        return null;
    }

    /** A seeded hash of the example's file and line: the same split on every run, whatever the other lines. */
    private static boolean inVal(SftExample example, Options options) {
        return options.valFraction() > 0
                && new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + example.source().hashCode()).nextDouble()
                < options.valFraction();
    }

    private static void write(Options options, Path checkpoint, byte[] tokenizerJson, Report report) throws IOException {
        Path out = options.out();
        Files.write(out.resolve("shards").resolve(ShardManifest.FILE), report.manifest().toJson());
        Path tokenizerDir = Files.createDirectories(out.resolve("tokenizer"));
        Files.write(tokenizerDir.resolve(CheckpointFiles.TOKENIZER), tokenizerJson);
        Path tokenizerConfig = checkpoint.resolve(CheckpointFiles.TOKENIZER_CONFIG);
        if (Files.exists(tokenizerConfig)) {
            Files.copy(tokenizerConfig, tokenizerDir.resolve(CheckpointFiles.TOKENIZER_CONFIG));
        }
        try (BufferedWriter w = Files.newBufferedWriter(out.resolve("quarantine.jsonl"), StandardCharsets.UTF_8)) {
            for (String error : report.errors()) {
                w.write(LINE.toJson(Map.of("error", error)));
                w.newLine();
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("inputs", options.inputs().stream().map(Path::toString).toList());
        m.put("checkpoint", checkpoint.toString());
        m.put("seq_len", report.manifest().seqLen());
        m.put("records", report.records());
        m.put("examples", report.examples());
        m.put("quarantined", report.quarantined());
        m.put("truncated", report.truncated());
        m.put("train_examples", report.trainExamples());
        m.put("val_examples", report.valExamples());
        m.put("train_windows", report.manifest().split(ShardManifest.TRAIN).sequences());
        m.put("val_windows", report.manifest().split(ShardManifest.VAL).sequences());
        m.put("trained_tokens", report.trainedTokens());
        m.put("context_tokens", report.contextTokens());
        m.put("padding_tokens", report.paddingTokens());
        Files.writeString(out.resolve("manifest.json"), GSON.toJson(m) + "\n");
    }

    private static final class Counts {
        long records;
        long trainExamples;
        long valExamples;
        long truncated;
        long trained;
        long context;
        long padding;
    }
}
