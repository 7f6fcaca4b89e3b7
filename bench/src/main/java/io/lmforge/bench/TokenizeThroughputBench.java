package io.lmforge.bench;

import com.typesafe.config.ConfigFactory;
import io.lmforge.bench.machine.Machine;
import io.lmforge.config.Settings;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.pipeline.SparkSessions;
import io.lmforge.corpus.StageContext;
import io.lmforge.pack.ShardsStage;
import io.lmforge.tokenizer.BpeEncoder;
import io.lmforge.tokenizer.DocumentEncoder;
import io.lmforge.tokenizer.HfEncoder;
import io.lmforge.tokenizer.TokenizerJson;
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
 * one JVM, alternately in one run. The tokenizer alone is Hugging Face tokenizers called its
 * fastest way (the batch API, or one call per document on as many threads as cores; the faster of
 * the two each round) and the JVM encoder on as many threads as cores. The goal is a stage rate of
 * at least 90% of the tokenizer's. Before timing, both encoders' ids are compared on every text.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenization throughput of the shards stage against HF tokenizers alone and the JVM encoder alone on the same text.")
public final class TokenizeThroughputBench implements Callable<Integer> {
    /** Fixes the corpus's random order, so that runs are comparable. */
    private static final long ORDER_SEED = 17;

    @Option(names = "--input", description = "DOMAIN=DIR of text files, repeatable (default: the fetched test data)")
    List<String> inputs;

    @Option(names = "--tokenizer", description = "a tokenizer/ directory (tokenizer.json + tokenizer_config.json); "
            + "default: DeepSeek-V3's, from the fetched test data")
    Path tokenizer;

    @Option(names = "--rounds", defaultValue = "3", description = "alternating rounds; the best of each side counts")
    int rounds;

    @Option(names = "--encoder", defaultValue = "auto", description = "the stage's encoder: auto, jvm or hf")
    String encoderChoice;

    @Option(names = "--batch", defaultValue = "1",
            description = "the stage's encode-batch: 1 encodes each document on its task's thread, more uses HF's batch API")
    int batch;

    @Option(names = "--alone-batch", defaultValue = "2048",
            description = "documents per HF batch call alone (large batches keep HF's thread pool busiest)")
    int aloneBatch;

    @Option(names = "--work", defaultValue = ".cache/bench/tokenize", description = "scratch directory")
    Path work;

    @Option(names = "--profile-stages", description = "also list every Spark stage's tasks, CPU time and shuffle bytes")
    boolean profileStages;

    @Option(names = "--repeat", defaultValue = "1",
            description = "takes every input document this many times, each copy with its own id, so that fixed costs vanish")
    int repeat;

    @Option(names = "--hf-alone", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "time HF tokenizers alone too (--no-hf-alone: only the JVM encoder alone and the stage, "
                    + "for a corpus on which HF alone would take most of the run)")
    boolean hfAlone;

    @Option(names = "--master", defaultValue = "local[*]")
    String master;

    @Override
    public Integer call() throws Exception {
        Path dir = tokenizer != null ? tokenizer : BenchCorpus.testData().resolve("npm/tokenizer-deepseek_v3/models");
        // One order for every side: the encoders alone take the texts in the order the stage reads them
        // (its input files hold the list in slices). The encoders' caches make order matter: on the
        // default corpus the JVM encoder cost about 15 % more on the shuffled texts than grouped by language.
        List<BenchCorpus.Doc> distinct = BenchCorpus.load(inputs != null ? inputs : BenchCorpus.DEFAULT_INPUTS, BenchCorpus.testData());
        List<BenchCorpus.Doc> docs = BenchCorpus.shuffled(BenchCorpus.repeat(distinct, repeat), ORDER_SEED);
        String[] texts = docs.stream().map(BenchCorpus.Doc::text).toArray(String[]::new);
        long bytes = BenchCorpus.bytes(docs);
        System.out.printf("corpus: %d documents, %.1f MB%s; tokenizer %s%n", docs.size(), bytes / 1e6,
                repeat > 1 ? " (each input document " + repeat + " times)" : "", dir);

        SparkSession spark = SparkSessions.create(Optional.of(master), Map.of("spark.ui.enabled", "false"));
        Dataset<Row> documents = BenchCorpus.write(spark, docs, work.resolve("documents").toAbsolutePath());
        String json = Files.readString(dir.resolve("tokenizer.json"), StandardCharsets.UTF_8);
        HfEncoder encoder = HfEncoder.forDocuments(json);
        BpeEncoder.Loaded loaded = BpeEncoder.forDocuments(TokenizerJson.parse(json, "tokenizer.json"));
        BpeEncoder jvm = loaded.encoder();
        if (jvm == null) {
            if (!hfAlone) {
                throw new IllegalArgumentException("the JVM encoder declines this tokenizer (" + loaded.declined()
                        + "): HF alone is the only measure to compare with, leave out --no-hf-alone");
            }
            System.out.println("the JVM encoder declines this tokenizer: " + loaded.declined());
        } else {
            // The copies --repeat makes are the same texts: checking each distinct text once is enough.
            System.out.println(sameIds(encoder, jvm, distinct.stream().map(BenchCorpus.Doc::text).toArray(String[]::new)));
        }
        encode(encoder, texts, Math.min(texts.length, 200), aloneBatch);   // warm-up
        JobProfile profile = JobProfile.attach(spark, profileStages);
        double bestJvm = Double.MAX_VALUE;
        double cpuJvm = Double.MAX_VALUE;

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
            long t;
            long cpu;
            double batchWall = Double.NaN;
            double batchCpu = Double.NaN;
            double threadsWall = Double.NaN;
            double threadsCpu = Double.NaN;
            if (hfAlone) {
                // Each HF run on a tokenizer of its own, as the stage's (HF fills its word cache with
                // the first words it meets and keeps them: a tokenizer warmed on other text runs faster
                // or slower for it).
                try (HfEncoder fresh = HfEncoder.forDocuments(json)) {
                    t = System.nanoTime();
                    cpu = Machine.processCpuNanos();
                    tokens = encode(fresh, texts, texts.length, aloneBatch);
                    batchWall = (System.nanoTime() - t) / 1e9;
                    batchCpu = (Machine.processCpuNanos() - cpu) / 1e9;
                }
                long threadTokens;
                try (HfEncoder fresh = HfEncoder.forDocuments(json)) {
                    t = System.nanoTime();
                    cpu = Machine.processCpuNanos();
                    threadTokens = encodeOnThreads(text -> fresh.encodeEach(new String[]{text})[0], texts, cores);
                    threadsWall = (System.nanoTime() - t) / 1e9;
                    threadsCpu = (Machine.processCpuNanos() - cpu) / 1e9;
                }
                if (threadTokens != tokens) {
                    throw new IllegalStateException("the two ways of calling HF gave " + tokens + " and " + threadTokens + " tokens");
                }
            }
            double jvmWall = 0;
            double jvmCpu = 0;
            if (jvm != null) {
                t = System.nanoTime();
                cpu = Machine.processCpuNanos();
                long jvmTokens = encodeOnThreads(text -> jvm.encode(text), texts, cores);
                jvmWall = (System.nanoTime() - t) / 1e9;
                jvmCpu = (Machine.processCpuNanos() - cpu) / 1e9;
                if (!hfAlone) {
                    tokens = jvmTokens;
                } else if (jvmTokens != tokens) {
                    throw new IllegalStateException("HF and the JVM encoder gave " + tokens + " and " + jvmTokens + " tokens");
                }
                bestJvm = Math.min(bestJvm, jvmWall);
                cpuJvm = Math.min(cpuJvm, jvmCpu);
            }
            if (hfAlone) {
                bestBatch = Math.min(bestBatch, batchWall);
                bestThreads = Math.min(bestThreads, threadsWall);
                bestAlone = Math.min(bestAlone, Math.min(batchWall, threadsWall));
                cpuAlone = Math.min(cpuAlone, Math.min(batchCpu, threadsCpu));
            }

            OutputLayout layout = new OutputLayout(work.resolve("out-" + round).toAbsolutePath().toString());
            ShardsStage stage = ShardsStage.from(Settings.of(ConfigFactory.parseMap(Map.of(
                    "tokenizer", dir.toAbsolutePath().toString(), "encoder", encoderChoice, "encode-batch", batch)), "lmforge.corpus", "shards"));
            profile.reset();
            // Each round's stage starts with the empty encoder caches a new run's executors have,
            // as the encoders alone do (new threads each round, a new HF tokenizer each HF run).
            DocumentEncoder.forgetShared();
            t = System.nanoTime();
            cpu = Machine.processCpuNanos();
            Map<String, Object> report = stage.build(documents, new StageContext(spark, layout, "bench"));
            double staged = (System.nanoTime() - t) / 1e9;
            double stagedCpu = (Machine.processCpuNanos() - cpu) / 1e9;
            bestStage = Math.min(bestStage, staged);
            cpuStage = Math.min(cpuStage, stagedCpu);
            bestPass = Math.min(bestPass, ((Number) report.get("tokenize_seconds")).doubleValue());
            System.out.printf("round %d: HF alone %.1fs batch API (%.1f CPU s), %.1fs one call per document on %d threads "
                            + "(%.1f CPU s); JVM encoder alone %.1fs (%.1f CPU s); shards stage %.1fs (%.1f CPU s; encoder %s, "
                            + "%s documents by HF; tokenize pass %ss, pack %ss); load average %.1f%n",
                    round + 1, batchWall, batchCpu, threadsWall, cores, threadsCpu, jvmWall, jvmCpu, staged, stagedCpu,
                    report.get("encoder"), report.get("hf_encoded_documents"), report.get("tokenize_seconds"),
                    report.get("pack_seconds"), loadAverage());
            spark.sparkContext().listenerBus().waitUntilEmpty();   // the last job's end is posted asynchronously
            System.out.print(profile.summary(staged));
        }
        spark.stop();
        double jvmSeconds = jvm != null ? bestJvm : Double.NaN;
        System.out.printf("%n%-52s %10s %10s %9s %9s%n", "", "MB/s", "Mtokens/s", "vs HF", "vs JVM");
        double alone = hfAlone ? bestAlone : Double.NaN;
        if (hfAlone) {
            row("HF tokenizers alone (the faster way each round)", bytes, tokens, bestAlone, alone, jvmSeconds);
            row("  batch API, texts in memory", bytes, tokens, bestBatch, alone, jvmSeconds);
            row("  one call per document, " + cores + " threads", bytes, tokens, bestThreads, alone, jvmSeconds);
            System.out.printf("   CPU seconds (all threads of the JVM, HF's native ones included): %.1f%n", cpuAlone);
        }
        if (jvm != null) {
            row("JVM encoder alone, " + cores + " threads", bytes, tokens, bestJvm, alone, jvmSeconds);
            System.out.printf("   CPU seconds: %.1f%n", cpuJvm);
        }
        row("shards stage: tokenize pass (read, encode, cache)", bytes, tokens, bestPass, alone, jvmSeconds);
        row("shards stage: whole (+ plan, pack, write shards)", bytes, tokens, bestStage, alone, jvmSeconds);
        System.out.printf("   CPU seconds: %.1f%s%s (ratios the machine's load moves less)%n", cpuStage,
                hfAlone ? String.format(", %.0f%% of HF alone's", 100 * cpuAlone / cpuStage) : "",
                jvm != null ? String.format(", %.0f%% of the JVM encoder alone's", 100 * cpuJvm / cpuStage) : "");
        System.out.printf("(%d rounds, best of each; batches of %d documents alone; the stage's encoder %s, encode-batch %d; "
                + "%d cores)%n", rounds, aloneBatch, encoderChoice, batch, cores);
        return 0;
    }

    /** Encodes every text with one call each, on {@code threads} threads taking the next text in turn; the number of tokens. */
    private static long encodeOnThreads(java.util.function.Function<String, int[]> encoder, String[] texts, int threads)
            throws InterruptedException {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong tokens = new java.util.concurrent.atomic.AtomicLong();
        List<Thread> workers = new java.util.ArrayList<>();
        for (int w = 0; w < threads; w++) {
            Thread worker = new Thread(() -> {
                for (int i = next.getAndIncrement(); i < texts.length; i = next.getAndIncrement()) {
                    int[] ids = encoder.apply(texts[i]);
                    // A text the JVM encoder cannot vouch for goes to HF in the stage; none do in our corpora.
                    if (ids == null) {
                        throw new IllegalStateException("the JVM encoder declined text " + i);
                    }
                    tokens.addAndGet(ids.length + 2);
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

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void row(String what, long bytes, long tokens, double seconds, double alone, double jvm) {
        System.out.printf("%-52s %10.2f %10.3f %9s %8s%n", what, bytes / 1e6 / seconds, tokens / 1e6 / seconds,
                Double.isNaN(alone) ? "" : String.format("%.0f%%", 100 * alone / seconds),
                Double.isNaN(jvm) ? "" : String.format("%.0f%%", 100 * jvm / seconds));
    }

    /** Compares HF's ids and the JVM encoder's on every text. */
    private static String sameIds(HfEncoder hf, BpeEncoder jvm, String[] texts) {
        int declined = 0;
        for (int i = 0; i < texts.length; i++) {
            int[] ours = jvm.encode(texts[i]);
            if (ours == null) {
                declined++;
            } else if (!java.util.Arrays.equals(ours, hf.encodeEach(new String[]{texts[i]})[0])) {
                throw new IllegalStateException("HF and the JVM encoder give different ids for text " + i);
            }
        }
        return String.format("HF and the JVM encoder give identical ids on all %d texts it encodes (%d left to HF)",
                texts.length - declined, declined);
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
