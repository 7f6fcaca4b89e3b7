package io.lmforge.bench;

import io.lmforge.corpus.OutputLayout;
import io.lmforge.pipeline.SparkSessions;
import io.lmforge.corpus.StageContext;
import io.lmforge.tokenizer.HfEncoder;
import io.lmforge.tokenizer.TokenizerSettings;
import io.lmforge.tokenizer.TokenizerStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code lmforge bench tokenizer}: trains our byte-level BPE (Spark word counting + driver
 * merges, the tokenizer stage itself) and SentencePiece's {@code spm_train --model_type=bpe} at
 * the same vocabulary size on the same text, one after the other in one run, and compares
 * training time and bytes per token on held-out text (the same lines, encoded by each).
 */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "BPE training time and held-out bytes/token, against SentencePiece spm_train --model_type=bpe.")
public final class TokenizerTrainingBench implements Callable<Integer> {

    @Option(names = "--input", description = "DOMAIN=DIR of text files, repeatable (default: the fetched test data)")
    List<String> inputs;

    @Option(names = "--vocab-size", defaultValue = "52000")
    int vocabSize;

    @Option(names = "--held-out", defaultValue = "0.05", description = "fraction of files held out, by path hash")
    double heldOut;

    @Option(names = "--work", defaultValue = ".cache/bench/tokenizer", description = "scratch directory")
    Path work;

    @Option(names = "--spm-train", defaultValue = "spm_train")
    String spmTrain;

    @Option(names = "--spm-encode", defaultValue = "spm_encode")
    String spmEncode;

    @Option(names = "--master", defaultValue = "local[*]")
    String master;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(work);
        List<BenchCorpus.Doc> docs = BenchCorpus.load(inputs != null ? inputs : BenchCorpus.DEFAULT_INPUTS, BenchCorpus.testData());
        List<BenchCorpus.Doc> train = new ArrayList<>();
        List<String> heldOutLines = new ArrayList<>();
        for (BenchCorpus.Doc d : docs) {
            if (Math.floorMod(d.path().hashCode(), 10_000) < heldOut * 10_000) {
                for (String line : d.text().split("\n")) {
                    if (!line.isBlank()) {
                        heldOutLines.add(line);
                    }
                }
            } else {
                train.add(d);
            }
        }
        Path trainText = work.resolve("train.txt");
        try (var out = Files.newBufferedWriter(trainText, StandardCharsets.UTF_8)) {
            for (BenchCorpus.Doc d : train) {
                out.write(d.text());
                out.write('\n');
            }
        }
        Path heldOutText = work.resolve("heldout.txt");
        Files.write(heldOutText, heldOutLines, StandardCharsets.UTF_8);
        long heldOutBytes = 0;
        for (String l : heldOutLines) {
            heldOutBytes += l.getBytes(StandardCharsets.UTF_8).length;
        }
        System.out.printf("corpus: %d files, train %.1f MB in %d files, held out %d lines (%.1f MB); vocab %d%n",
                docs.size(), Files.size(trainText) / 1e6, train.size(), heldOutLines.size(), heldOutBytes / 1e6, vocabSize);

        SparkSession spark = SparkSessions.create(Optional.of(master), Map.of("spark.ui.enabled", "false"));
        Dataset<Row> documents = BenchCorpus.write(spark, train, work.resolve("documents").toAbsolutePath());
        documents.count();

        OutputLayout layout = new OutputLayout(work.resolve("lmforge").toAbsolutePath().toString());
        TokenizerStage stage = TokenizerStage.from(io.lmforge.config.Settings.of(
                com.typesafe.config.ConfigFactory.parseMap(Map.of("vocab-size", vocabSize)), "lmforge.corpus", "tokenizer"));
        long t = System.nanoTime();
        Map<String, Object> report = stage.build(documents, new StageContext(spark, layout, "bench"));
        double ours = (System.nanoTime() - t) / 1e9;
        spark.stop();
        String json = Files.readString(Path.of(layout.staged("tokenizer"), "tokenizer.json"));
        long ourTokens = 0;
        try (HfEncoder encoder = HfEncoder.forDocuments(json)) {
            for (int from = 0; from < heldOutLines.size(); from += 1024) {
                List<String> batch = heldOutLines.subList(from, Math.min(heldOutLines.size(), from + 1024));
                for (int[] ids : encoder.encode(batch.toArray(new String[0]))) {
                    ourTokens += ids.length;
                }
            }
        }

        Path model = work.resolve("spm");
        List<String> command = List.of(spmTrain, "--input=" + trainText, "--model_prefix=" + model,
                "--model_type=bpe", "--vocab_size=" + vocabSize, "--byte_fallback=true",
                "--normalization_rule_name=identity", "--remove_extra_whitespaces=false",
                "--input_sentence_size=0", "--max_sentence_length=65536",
                "--num_threads=" + Runtime.getRuntime().availableProcessors());
        t = System.nanoTime();
        int rc = run(command, null, work.resolve("spm_train.log"));
        double spm = (System.nanoTime() - t) / 1e9;
        if (rc != 0) {
            System.out.println("spm_train failed (exit " + rc + "); see " + work.resolve("spm_train.log"));
            return 1;
        }
        Path ids = work.resolve("heldout.spm.ids");
        run(List.of(spmEncode, "--model=" + model + ".model", "--output_format=id"), heldOutText, ids);
        long spmTokens = 0;
        for (String line : Files.readAllLines(ids)) {
            spmTokens += line.isBlank() ? 0 : line.trim().split(" ").length;
        }

        System.out.printf("%n%-44s %10s %22s%n", "", "seconds", "held-out bytes/token");
        System.out.printf("%-44s %10.1f %22.3f%n", "lmforge tokenizer stage (Spark " + master + ")", ours,
                (double) heldOutBytes / ourTokens);
        System.out.printf("%-44s %10.1f %22.3f%n", "spm_train --model_type=bpe", spm, (double) heldOutBytes / spmTokens);
        System.out.printf("%nspeed-up %.2fx (spm_train seconds / ours); bytes/token ratio %.3f (ours / spm, higher is better)%n",
                spm / ours, ((double) heldOutBytes / ourTokens) / ((double) heldOutBytes / spmTokens));
        System.out.printf("ours: %s distinct words, %s merges; counting %ss, merges %ss%n", report.get("distinct_words"),
                report.get("merges"), report.get("count_seconds"), report.get("merge_seconds"));
        return 0;
    }

    private static int run(List<String> command, Path stdin, Path output) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(stdin == null)
                .redirectOutput(output.toFile());
        if (stdin != null) {
            pb.redirectInput(stdin.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        return pb.start().waitFor();
    }
}
