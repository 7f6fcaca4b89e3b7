package io.lmforge.bench;

import com.typesafe.config.ConfigFactory;
import io.lmforge.bench.machine.Machine;
import io.lmforge.config.Settings;
import io.lmforge.pipeline.SparkSessions;
import io.lmforge.dedup.DedupSettings;
import io.lmforge.dedup.DedupStage;
import io.lmforge.bench.dedup.Evaluation;
import io.lmforge.bench.dedup.NearDupSet;
import io.lmforge.bench.dedup.RealText;
import io.lmforge.bench.dedup.RealText.Doc;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;

/**
 * {@code lmforge bench dedup}: the dedup stage and Spark MLlib's MinHashLSH (5 hash tables,
 * approxSimilarityJoin at Jaccard distance 0.3 over word 5-gram shingles) on the same labelled
 * corpus in one process, with both times and both recall and precision figures; then the stage
 * alone on 1x, 2x and 4x the corpus.
 *
 * <p>Larger corpora are made of replicas: replica r maps every word (and every Chinese
 * character) through its own fixed permutation of the vocabulary, which keeps document lengths,
 * word frequencies and every planted pair's Jaccard similarity, and shares no shingles with the
 * other replicas.
 */
@Command(name = "dedup", mixinStandardHelpOptions = true,
        description = "SimHash dedup vs MLlib MinHashLSH on a labelled near-duplicate set from real text; scaling 1x/2x/4x.")
public final class DedupBench implements Callable<Integer> {
    @Option(names = "--testdata", description = "fetched test data (bin/fetch-test-data); default: .cache/testdata")
    Path testdata = Path.of(".cache/testdata");

    @Option(names = "--docs", description = "English kernel documents (default: ${DEFAULT-VALUE})")
    int docs = 6000;

    @Option(names = "--zh", description = "Chinese kernel documents (default: ${DEFAULT-VALUE})")
    int chinese = 400;

    @Option(names = "--pages", description = "Python documentation pages, which share boilerplate (default: ${DEFAULT-VALUE})")
    int pages = 500;

    @Option(names = "--planted", description = "edited copies planted (default: ${DEFAULT-VALUE})")
    int planted = 1400;

    @Option(names = "--scales", split = ",", description = "corpus multiples for the scaling run (default: 1,2,4)")
    List<Integer> scales = List.of(1, 2, 4);

    @Option(names = "--no-minhash", negatable = true, description = "run MLlib MinHashLSH (default: true; at the multiples of --minhash-at)")
    boolean minhash = true;

    @Option(names = "--minhash-at", split = ",", description = "corpus multiples MinHashLSH runs at too (default: 1)")
    List<Integer> minhashScales = List.of(1);

    @Option(names = "--dedup", description = "dedup settings in HOCON, e.g. 'k = 4'")
    String dedup = "";

    @Option(names = "--work", description = "scratch directory (default: ${DEFAULT-VALUE})")
    String work = "/tmp/lmforge-bench-dedup";

    @Option(names = "--repeat", description = "runs of each measurement; the fastest counts (default: ${DEFAULT-VALUE})")
    int repeat = 2;

    @Option(names = "--show-wrong", description = "print this many removals of distinct documents (the precision errors)")
    int showWrong;

    @Option(names = "--master", description = "Spark master (default: local[*])")
    String master;

    @Option(names = "--warmup", description = "original documents of the untimed warm-up run of both methods, with a "
            + "sixth as many planted copies (default: ${DEFAULT-VALUE}, about the 1x corpus; the stage's Spark jobs keep "
            + "getting faster for several runs of a smaller slice)")
    int warmup = 7000;

    @Option(names = "--spark-stages", description = "print the Spark stages of the stage's last run at the first scale: "
            + "time, tasks, shuffle bytes, job description (where the time goes)")
    boolean sparkStages;

    @Override
    public Integer call() {
        Path deb = RealText.root(testdata);
        List<Doc> originals = new ArrayList<>();
        originals.addAll(RealText.kernelEnglish(deb, docs, 1));
        originals.addAll(RealText.kernelChinese(deb, chinese, 2));
        Collections.shuffle(originals, new Random(3));
        List<Doc> withPages = new ArrayList<>(originals);
        withPages.addAll(RealText.pythonPages(deb, pages));
        NearDupSet set = NearDupSet.build(withPages, planted, 4);
        DedupSettings settings = DedupSettings.from(Settings.of(ConfigFactory.parseString(dedup), "lmforge.corpus", "dedup"));
        long bytes = set.docs().stream().mapToLong(d -> d.text().length()).sum();
        System.out.printf("labelled set: %d documents (%.1f MB of text), %d planted pairs, %d at J >= 0.8%n",
                set.docs().size(), bytes / 1e6, set.pairs().size(),
                set.pairs().stream().filter(p -> p.jaccard() >= 0.8).count());
        System.out.printf("dedup settings: %s; %s%n", settings, settings.tables().describe());

        SparkSession spark = SparkSessions.create(Optional.ofNullable(master), Map.of(
                "spark.ui.enabled", "false", "spark.sql.shuffle.partitions", "16"));
        spark.sparkContext().setLogLevel("WARN");
        SparkStageLog stageLog = new SparkStageLog();
        if (sparkStages) {
            spark.sparkContext().addSparkListener(stageLog);
        }
        try {
            // Warm-up, untimed and alike for both methods: class loading, JIT and Spark's code
            // generation on a slice large enough for the hot loops to be compiled.
            NearDupSet small = NearDupSet.build(withPages.subList(0, Math.min(warmup, withPages.size())), warmup / 6, 5);
            Dataset<Row> warm = Evaluation.corpus(spark, small.docs(), work + "/warm-corpus");
            Evaluation.run(new DedupStage(settings), warm, work + "/warm", "warm");
            if (minhash) {
                minHashPairs(warm);
            }

            Map<Integer, Double> seconds = new TreeMap<>();
            Map<Integer, Double> cpuSeconds = new TreeMap<>();
            Map<String, Object> results = new LinkedHashMap<>();
            for (int scale : scales) {
                List<Doc> scaled = replicate(set.docs(), scale);
                Dataset<Row> corpus = Evaluation.corpus(spark, scaled, work + "/corpus-" + scale);
                DedupStage stage = new DedupStage(settings);
                Evaluation.Run last = null;
                List<Double> runs = new ArrayList<>();
                List<Double> cpu = new ArrayList<>();
                for (int run = 0; run < repeat; run++) {
                    stageLog.clear();
                    long t = System.nanoTime();
                    long c = Machine.processCpuNanos();
                    last = Evaluation.run(stage, corpus, work + "/out-" + scale, "bench");
                    runs.add((System.nanoTime() - t) / 1e9);
                    cpu.add((Machine.processCpuNanos() - c) / 1e9);
                }
                double s = fastest(runs);
                cpuSeconds.put(scale, fastest(cpu));
                seconds.put(scale, s);
                Map<String, String> why = last.why();
                NearDupSet.Score score = set.score(firstReplica(last.removals()));
                set.wrongRemovals(firstReplica(last.removals()), scale == scales.get(0) ? showWrong : 0)
                        .forEach(w -> System.out.println(w.replaceFirst(" ", " (" + why.get(w.substring(0, w.indexOf(' '))) + ") ")));
                System.out.printf("simhash  %dx: %7d docs  %8.1f s (fastest of %s), cpu %.1f s (%s)  %s%n", scale, scaled.size(), s,
                        runs(runs), fastest(cpu), runs(cpu), score.summary());
                if (scale == scales.get(0)) {
                    System.out.printf("  recall by level %s%n  recall(J>=0.8) by kind %s%n",
                            score.recallByLevel(), score.recallByKind());
                    results.put("simhash", score);
                    stageLog.print();
                }
                Map<String, Object> report = last.report();
                System.out.printf("  stage seconds %s; comparisons %s, verified pairs %s, partitions %s%n", report.get("seconds"),
                        report.get("comparisons"), report.get("verified_pairs"), report.get("partitions"));
                if (minhash && minhashScales.contains(scale)) {
                    List<String[]> pairs = null;
                    List<Double> mruns = new ArrayList<>();
                    List<Double> mcpu = new ArrayList<>();
                    for (int run = 0; run < repeat; run++) {
                        long t = System.nanoTime();
                        long c = Machine.processCpuNanos();
                        pairs = minHashPairs(corpus);
                        mruns.add((System.nanoTime() - t) / 1e9);
                        mcpu.add((Machine.processCpuNanos() - c) / 1e9);
                    }
                    double m = fastest(mruns);
                    NearDupSet.Score mscore = set.score(clusters(pairs));
                    System.out.printf("minhash  %dx: %7d docs  %8.1f s (fastest of %s), cpu %.1f s (%s)  %s%n", scale, scaled.size(), m,
                            runs(mruns), fastest(mcpu), runs(mcpu),
                        mscore.summary());
                    System.out.printf("  recall by level %s%n  recall(J>=0.8) by kind %s%n",
                            mscore.recallByLevel(), mscore.recallByKind());
                    System.out.printf("speed-up at %dx: MinHashLSH %.1f s / SimHash %.1f s = %.1fx (cpu time %.1f / %.1f = %.1fx)%n", scale,
                            m, s, m / s, fastest(mcpu), cpuSeconds.get(scale), fastest(mcpu) / cpuSeconds.get(scale));
                }
            }
            Integer previous = null;
            for (int scale : seconds.keySet()) {
                if (previous != null) {
                    System.out.printf("scaling %dx -> %dx: time x%.2f, cpu time x%.2f%n", previous, scale,
                            seconds.get(scale) / seconds.get(previous), cpuSeconds.get(scale) / cpuSeconds.get(previous));
                }
                previous = scale;
            }
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static double fastest(List<Double> runs) {
        return runs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static String runs(List<Double> runs) {
        return runs.stream().map(r -> String.format("%.1f", r)).collect(java.util.stream.Collectors.joining(", "));
    }

    /** Spark stages as they complete: where a run's time goes, job by job. */
    static final class SparkStageLog extends org.apache.spark.scheduler.SparkListener {
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        private final Map<Integer, String> descriptions = new java.util.concurrent.ConcurrentHashMap<>();

        void clear() {
            lines.clear();
        }

        void print() {
            synchronized (lines) {
                lines.forEach(l -> System.out.println("    " + l));
            }
        }

        @Override
        public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted e) {
            String d = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
            descriptions.put(e.stageInfo().stageId(), d == null ? "-" : d);
        }

        @Override
        public void onStageCompleted(org.apache.spark.scheduler.SparkListenerStageCompleted e) {
            org.apache.spark.scheduler.StageInfo i = e.stageInfo();
            long ms = (long) i.completionTime().get() - (long) i.submissionTime().get();
            lines.add(String.format("%6d ms %4d tasks  shuffle write %9d read %9d  %-45s %s", ms, i.numTasks(),
                    i.taskMetrics().shuffleWriteMetrics().bytesWritten(), i.taskMetrics().shuffleReadMetrics().totalBytesRead(),
                    descriptions.getOrDefault(i.stageId(), "-"), i.name().replaceAll("\\s+", " ")));
        }
    }

    /** MLlib's MinHashLSH as the issue names it: 5 tables, join at Jaccard distance 0.3, 5-gram shingles. */
    static List<String[]> minHashPairs(Dataset<Row> corpus) {
        // Tokens as the stage reads them: words, and single characters of unspaced scripts.
        RegexTokenizer tokens = new RegexTokenizer().setInputCol("text").setOutputCol("tokens").setGaps(false)
                .setPattern(WORD.pattern())
                .setToLowercase(true);
        NGram shingles = new NGram().setN(5).setInputCol("tokens").setOutputCol("shingles");
        HashingTF features = new HashingTF().setInputCol("shingles").setOutputCol("features")
                .setNumFeatures(1 << 24).setBinary(true);
        Dataset<Row> vectors = features.transform(shingles.transform(tokens.transform(corpus.select("id", "text"))))
                .filter(size(col("shingles")).gt(0)).select("id", "features");
        MinHashLSHModel model = new MinHashLSH().setNumHashTables(5).setInputCol("features").setOutputCol("hashes")
                .setSeed(1).fit(vectors);
        List<String[]> out = new ArrayList<>();
        for (Row r : model.approxSimilarityJoin(vectors, vectors, 0.3, "distance")
                .filter(col("datasetA.id").lt(col("datasetB.id")))
                .select(col("datasetA.id"), col("datasetB.id")).collectAsList()) {
            out.add(new String[]{r.getString(0), r.getString(1)});
        }
        return out;
    }

    /** MinHashLSH gives pairs; clusters by union-find (evaluation only, not timed), smallest id kept. */
    static Map<String, String> clusters(List<String[]> pairs) {
        Map<String, String> parent = new HashMap<>();
        for (String[] p : pairs) {
            String a = find(parent, p[0]);
            String b = find(parent, p[1]);
            if (!a.equals(b)) {
                parent.put(a.compareTo(b) < 0 ? b : a, a.compareTo(b) < 0 ? a : b);
            }
        }
        Map<String, String> keeperOf = new HashMap<>();
        for (String node : new ArrayList<>(parent.keySet())) {
            String root = find(parent, node);
            if (!root.equals(node)) {
                keeperOf.put(node, root);
            }
        }
        return firstReplica(keeperOf);
    }

    private static String find(Map<String, String> parent, String x) {
        String root = x;
        while (parent.containsKey(root) && !parent.get(root).equals(root)) {
            root = parent.get(root);
        }
        parent.putIfAbsent(x, x);
        return root;
    }

    /** Scores count the first replica (ids without a replica suffix); the others are the same pairs, renamed. */
    private static Map<String, String> firstReplica(Map<String, String> removals) {
        Map<String, String> out = new HashMap<>();
        removals.forEach((a, b) -> {
            if (!a.contains("#") && !b.contains("#")) {
                out.put(a, b);
            }
        });
        return out;
    }

    private static final String UNSPACED = "\\p{IsHan}\\p{IsHiragana}\\p{IsKatakana}";
    /** A character of an unspaced script, or a run of other letters and digits: the stage's tokens. */
    private static final Pattern WORD = Pattern.compile("[" + UNSPACED + "]|[\\p{L}\\p{N}&&[^" + UNSPACED + "]]+");

    /** The documents and {@code scale - 1} replicas of them, each replica through its own vocabulary permutation. */
    static List<Doc> replicate(List<Doc> docs, int scale) {
        List<Doc> out = new ArrayList<>(docs);
        if (scale <= 1) {
            return out;
        }
        java.util.Set<String> all = words(docs);
        // Characters map to characters and words to words, so Chinese stays Chinese.
        List<String> characters = all.stream().filter(w -> w.codePointCount(0, w.length()) == 1
                && Character.UnicodeScript.of(w.codePointAt(0)) == Character.UnicodeScript.HAN).sorted().toList();
        java.util.Set<String> isCharacter = new java.util.HashSet<>(characters);
        List<String> words = all.stream().filter(w -> !isCharacter.contains(w)).sorted().toList();
        for (int r = 1; r < scale; r++) {
            Map<String, String> map = new HashMap<>();
            for (List<String> vocabulary : List.of(characters, words)) {
                List<String> shuffled = new ArrayList<>(vocabulary);
                Collections.shuffle(shuffled, new Random(1000 + r));
                for (int i = 0; i < vocabulary.size(); i++) {
                    map.put(vocabulary.get(i), shuffled.get(i));
                }
            }
            for (Doc d : docs) {
                Matcher m = WORD.matcher(d.text());
                StringBuilder sb = new StringBuilder(d.text().length());
                while (m.find()) {
                    m.appendReplacement(sb, Matcher.quoteReplacement(map.getOrDefault(m.group().toLowerCase(), m.group())));
                }
                m.appendTail(sb);
                out.add(new Doc(d.id() + "#" + r, d.source(), sb.toString()));
            }
        }
        return out;
    }

    private static java.util.Set<String> words(List<Doc> docs) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (Doc d : docs) {
            Matcher m = WORD.matcher(d.text());
            while (m.find()) {
                out.add(m.group().toLowerCase());
            }
        }
        return out;
    }
}
