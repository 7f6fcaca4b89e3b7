package io.lmforge.bench;

import com.typesafe.config.ConfigFactory;
import io.lmforge.config.Settings;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.corpus.SparkSessions;
import io.lmforge.corpus.StageContext;
import io.lmforge.pack.ShardsStage;
import io.lmforge.tokenizer.HfEncoder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code lmforge bench tokenize}: the shards stage (read documents, tokenize in the executors,
 * plan, pack, write Parquet) against the tokenizer alone on the same texts, already in memory, in
 * one JVM (HF tokenizers' batch API, and one call per document on as many threads as cores; the
 * faster of the two each round), alternately in one run. The goal is a stage rate of at least 90%
 * of the tokenizer's.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenization throughput of the shards stage against HF tokenizers alone on the same text.")
public final class TokenizeThroughputBench implements Callable<Integer> {

    @Option(names = "--input", description = "DOMAIN=DIR of text files, repeatable (default: the fetched test data)")
    List<String> inputs;

    @Option(names = "--tokenizer", description = "a tokenizer/ directory (tokenizer.json + tokenizer_config.json); "
            + "default: DeepSeek-V3's, from the fetched test data")
    Path tokenizer;

    @Option(names = "--rounds", defaultValue = "3", description = "alternating rounds; the best of each side counts")
    int rounds;

    @Option(names = "--batch", defaultValue = "1",
            description = "the stage's encode-batch: 1 encodes each document on its task's thread, more uses HF's batch API")
    int batch;

    @Option(names = "--alone-batch", defaultValue = "2048",
            description = "documents per HF batch call alone (large batches keep HF's thread pool busiest)")
    int aloneBatch;

    @Option(names = "--work", defaultValue = "bench/tokenize", description = "scratch directory")
    Path work;

    @Option(names = "--master", defaultValue = "local[*]")
    String master;

    @Override
    public Integer call() throws Exception {
        Path dir = tokenizer != null ? tokenizer : BenchCorpus.testData().resolve("npm/tokenizer-deepseek_v3/models");
        List<BenchCorpus.Doc> docs = BenchCorpus.load(inputs != null ? inputs : BenchCorpus.DEFAULT_INPUTS, BenchCorpus.testData());
        String[] texts = docs.stream().map(BenchCorpus.Doc::text).toArray(String[]::new);
        long bytes = BenchCorpus.bytes(docs);
        System.out.printf("corpus: %d documents, %.1f MB; tokenizer %s%n", docs.size(), bytes / 1e6, dir);

        SparkSession spark = SparkSessions.create(Optional.of(master), Map.of("spark.ui.enabled", "false"));
        Dataset<Row> documents = BenchCorpus.write(spark, docs, work.resolve("documents").toAbsolutePath());
        HfEncoder encoder = HfEncoder.forDocuments(Files.readString(dir.resolve("tokenizer.json"), StandardCharsets.UTF_8));
        encode(encoder, texts, Math.min(texts.length, 200), aloneBatch);   // warm-up
        JobProfile profile = JobProfile.attach(spark);

        double bestAlone = Double.MAX_VALUE;
        double bestBatch = Double.MAX_VALUE;
        double bestThreads = Double.MAX_VALUE;
        double bestStage = Double.MAX_VALUE;
        double bestPass = Double.MAX_VALUE;
        double cpuAlone = Double.MAX_VALUE;
        double cpuStage = Double.MAX_VALUE;
        long tokens = 0;
        int cores = Runtime.getRuntime().availableProcessors();
        for (int round = 0; round < rounds; round++) {
            long t = System.nanoTime();
            long cpu = cpuNanos();
            tokens = encode(encoder, texts, texts.length, aloneBatch);
            double batchWall = (System.nanoTime() - t) / 1e9;
            double batchCpu = (cpuNanos() - cpu) / 1e9;

            t = System.nanoTime();
            cpu = cpuNanos();
            long threadTokens = encodeOnThreads(encoder, texts, cores);
            double threadsWall = (System.nanoTime() - t) / 1e9;
            double threadsCpu = (cpuNanos() - cpu) / 1e9;
            if (threadTokens != tokens) {
                throw new IllegalStateException("the two ways of calling HF gave " + tokens + " and " + threadTokens + " tokens");
            }
            bestBatch = Math.min(bestBatch, batchWall);
            bestThreads = Math.min(bestThreads, threadsWall);
            bestAlone = Math.min(bestAlone, Math.min(batchWall, threadsWall));
            cpuAlone = Math.min(cpuAlone, Math.min(batchCpu, threadsCpu));

            OutputLayout layout = new OutputLayout(work.resolve("out-" + round).toAbsolutePath().toString());
            ShardsStage stage = ShardsStage.from(Settings.of(ConfigFactory.parseMap(Map.of(
                    "tokenizer", dir.toAbsolutePath().toString(), "encode-batch", batch)), "shards"));
            profile.reset();
            t = System.nanoTime();
            cpu = cpuNanos();
            Map<String, Object> report = stage.build(documents, new StageContext(spark, layout, "bench"));
            double staged = (System.nanoTime() - t) / 1e9;
            double stagedCpu = (cpuNanos() - cpu) / 1e9;
            bestStage = Math.min(bestStage, staged);
            cpuStage = Math.min(cpuStage, stagedCpu);
            bestPass = Math.min(bestPass, ((Number) report.get("tokenize_seconds")).doubleValue());
            System.out.printf("round %d: tokenizer alone %.1fs batch API (%.1f CPU s), %.1fs one call per document on %d threads "
                            + "(%.1f CPU s); shards stage %.1fs (%.1f CPU s; tokenize pass %ss, pack %ss); load average %.1f%n",
                    round + 1, batchWall, batchCpu, threadsWall, cores, threadsCpu, staged, stagedCpu,
                    report.get("tokenize_seconds"), report.get("pack_seconds"), loadAverage());
            spark.sparkContext().listenerBus().waitUntilEmpty();   // the last job's end is posted asynchronously
            System.out.print(profile.summary(staged));
        }
        spark.stop();
        System.out.printf("%n%-52s %12s %12s %8s%n", "", "MB/s", "Mtokens/s", "ratio");
        row("HF tokenizers alone (the faster way each round)", bytes, tokens, bestAlone, bestAlone);
        row("  batch API, texts in memory", bytes, tokens, bestBatch, bestAlone);
        row("  one call per document, " + cores + " threads", bytes, tokens, bestThreads, bestAlone);
        System.out.printf("   CPU seconds (all threads of the JVM, HF's native ones included): %.1f%n", cpuAlone);
        row("shards stage: tokenize pass (read, encode, write)", bytes, tokens, bestPass, bestAlone);
        row("shards stage: whole (+ plan, pack, write shards)", bytes, tokens, bestStage, bestAlone);
        System.out.printf("   CPU seconds: %.1f, %.0f%% of alone's (a ratio the machine's load moves less)%n",
                cpuStage, 100 * cpuAlone / cpuStage);
        System.out.printf("(%d rounds, best of each; batches of %d documents alone, encode-batch %d in the stage; %d cores)%n",
                rounds, aloneBatch, batch, cores);
        return 0;
    }

    /** Encodes every text with one call each, on {@code threads} threads taking the next text in turn; the number of tokens. */
    private static long encodeOnThreads(HfEncoder encoder, String[] texts, int threads) throws InterruptedException {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong tokens = new java.util.concurrent.atomic.AtomicLong();
        List<Thread> workers = new java.util.ArrayList<>();
        for (int w = 0; w < threads; w++) {
            Thread worker = new Thread(() -> {
                for (int i = next.getAndIncrement(); i < texts.length; i = next.getAndIncrement()) {
                    tokens.addAndGet(encoder.encodeEach(new String[]{texts[i]})[0].length + 2);
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        return tokens.get();
    }

    /** CPU time of the whole process, native threads included. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void row(String what, long bytes, long tokens, double seconds, double alone) {
        System.out.printf("%-52s %12.2f %12.3f %7.0f%%%n", what, bytes / 1e6 / seconds, tokens / 1e6 / seconds,
                100 * alone / seconds);
    }

    /** Encodes the first {@code n} texts in batches; returns the number of tokens. */
    private static long encode(HfEncoder encoder, String[] texts, int n, int batch) {
        long tokens = 0;
        for (int from = 0; from < n; from += batch) {
            String[] b = java.util.Arrays.copyOfRange(texts, from, Math.min(n, from + batch));
            for (int[] ids : encoder.encode(b)) {
                tokens += ids.length + 2;
            }
        }
        return tokens;
    }
}
