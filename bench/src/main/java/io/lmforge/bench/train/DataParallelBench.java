package io.lmforge.bench.train;

import io.lmforge.bench.machine.Machine;
import io.lmforge.trainer.dist.spark.BarrierLauncher;
import io.lmforge.trainer.dist.spark.RankContext;
import io.lmforge.trainer.dist.spark.RankMain;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.lmforge.model.LanguageModelLoss;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.trainer.AdamW;
import io.lmforge.trainer.dist.GradientSync;
import io.lmforge.trainer.MixedPrecision;
import io.lmforge.trainer.TrainingStep;
import io.lmforge.trainer.data.Batch;
import io.lmforge.trainer.dist.CollectiveGradientSync;
import io.lmforge.trainer.dist.DistributedSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code lmforge bench train-dp}: training throughput of one preset with 1 and with N data-parallel
 * ranks at the same global batch (micro-batch = global batch / ranks), each rank a task of a
 * barrier stage on an embedded {@code local[N]} Spark, gradients averaged over the TCP ring; and the
 * share of each step spent in communication. Every configuration runs in the same process, in
 * alternating rounds (1, N, 1, N, …), so load from other processes falls on all alike. Random
 * tokens, through the trainer's own step (forward, backward, all-reduce, clipping, AdamW).
 *
 * <p>Each rank gets {@code --threads} libtorch intra-op threads (OpenMP's thread count is per
 * calling thread, so ranks sharing the JVM each get their own), so N ranks use N times the cores
 * of one rank: the comparison asks what data parallelism over N such workers gives. The extra row
 * {@code --single-rank-threads} is the other way to spend those cores: one rank with more
 * intra-op threads.
 */
@Command(name = "train-dp", mixinStandardHelpOptions = true,
        description = "Data-parallel training tokens/s, 1 rank vs N ranks at the same global batch, and the "
                + "communication share of a step, in one run.")
public final class DataParallelBench implements Callable<Integer> {

    @Option(names = "--preset", description = "model preset (default: tiny)")
    String preset = "tiny";

    @Option(names = "--ranks", split = ",", description = "rank counts to compare (default: 1,2)")
    int[] ranks = {1, 2};

    @Option(names = "--global-batch", description = "sequences per optimizer step over all ranks (default: 16)")
    int globalBatch = 16;

    @Option(names = "--context", description = "tokens per sequence (default: 256)")
    int context = 256;

    @Option(names = "--vocab-size", description = "vocabulary (default: 2048, the sample corpus's)")
    int vocabSize = 2048;

    @Option(names = "--steps", description = "timed steps per round (default: 8)")
    int steps = 8;

    @Option(names = "--warmup", description = "untimed steps first in each round (default: 2)")
    int warmup = 2;

    @Option(names = "--rounds", description = "rounds over the configurations (default: 2)")
    int rounds = 2;

    @Option(names = "--threads", description = "libtorch intra-op threads per rank (default: 1)")
    int threads = 1;

    @Option(names = "--single-rank-threads", description = "also run 1 rank with this many intra-op threads "
            + "(default: the most ranks × --threads; 0 = skip)")
    Integer singleRankThreads;

    @Option(names = "--bucket-mb", description = "gradient bucket size in MB (default: 25)")
    int bucketMb = 25;

    private static final String OWNER_KEY = "spark.lmforge.bench.owner";

    /**
     * One rank's timings of one round.
     *
     * @param cpuSeconds  CPU time of the whole process (all ranks, in local mode) over this rank's timed steps
     * @param wallSeconds wall time of those steps; cpu / wall is how many cores the ranks actually got
     */
    record Report(int rank, double[] stepSeconds, double[] communicationSeconds, double lastLoss, double cpuSeconds,
                  double wallSeconds) implements Serializable {
    }

    /** A row of the table: {@code ranks} ranks with {@code threads} intra-op threads each. */
    record Setup(int ranks, int threads) {
        String label() {
            return ranks + " × " + threads + "t";
        }
    }

    @Override
    public Integer call() {
        for (int n : ranks) {
            if (n < 1 || globalBatch % n != 0) {
                throw new IllegalArgumentException("--global-batch " + globalBatch + " must divide into " + n + " ranks");
            }
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1: " + threads);
        }
        int most = Arrays.stream(ranks).max().orElse(1);
        List<Setup> setups = new ArrayList<>();
        for (int n : ranks) {
            setups.add(new Setup(n, threads));
        }
        int extraThreads = singleRankThreads == null ? most * threads : singleRankThreads;
        if (extraThreads > 0 && !setups.contains(new Setup(1, extraThreads))) {
            setups.add(new Setup(1, extraThreads));
        }
        ModelConfig model = ModelConfig.preset(preset).withVocabSize(vocabSize);
        // Under spark-submit (or in a test) a context exists: use it and leave it running. The marker
        // tells whether getOrCreate made a new one from this conf.
        String marker = java.util.UUID.randomUUID().toString();
        SparkContext sc = SparkContext.getOrCreate(new SparkConf().setAppName("lmforge bench train-dp")
                .setIfMissing("spark.master", "local[" + most + "]").set("spark.ui.enabled", "false")
                .set(OWNER_KEY, marker));
        boolean ownContext = marker.equals(sc.getConf().get(OWNER_KEY, ""));
        Map<Setup, List<Double>> stepTimes = new LinkedHashMap<>();
        Map<Setup, List<Double>> shares = new LinkedHashMap<>();
        Map<Setup, List<Double>> communication = new LinkedHashMap<>();
        Map<Setup, double[]> cpuAndWall = new LinkedHashMap<>();
        System.out.printf("machine: %d cores, load average %s; %s, global batch %d × %d tokens, ranks are tasks of "
                        + "one local[%d] JVM%n", Runtime.getRuntime().availableProcessors(), Machine.loadAverage(),
                model.name(), globalBatch, context, most);
        try {
            for (int round = 0; round < rounds; round++) {
                for (Setup setup : setups) {
                    int n = setup.ranks();
                    BenchRank rank = new BenchRank(model, globalBatch / n, context, steps, warmup, setup.threads(),
                            (long) bucketMb << 20);
                    List<Report> reports = BarrierLauncher.run(sc, DistributedSettings.cpu(n), rank);
                    List<Double> times = stepTimes.computeIfAbsent(setup, k -> new ArrayList<>());
                    for (int s = 0; s < steps; s++) {
                        int step = s;
                        // Ranks finish a step together (the all-reduce waits for the slowest): take the slowest.
                        times.add(reports.stream().mapToDouble(r -> r.stepSeconds()[step]).max().orElseThrow());
                        for (Report r : reports) {
                            shares.computeIfAbsent(setup, k -> new ArrayList<>())
                                    .add(r.communicationSeconds()[step] / r.stepSeconds()[step]);
                            communication.computeIfAbsent(setup, k -> new ArrayList<>()).add(r.communicationSeconds()[step]);
                        }
                    }
                    Report chief = reports.get(0);
                    double[] totals = cpuAndWall.computeIfAbsent(setup, k -> new double[2]);
                    totals[0] += chief.cpuSeconds();
                    totals[1] += chief.wallSeconds();
                    System.out.printf("round %d, %d rank(s) × %d thread(s), micro-batch %d: median step %.2f s, "
                                    + "cores used %.2f, loss %.3f, load average %s%n", round + 1, n, setup.threads(),
                            globalBatch / n, median(times.subList(times.size() - steps, times.size())),
                            chief.cpuSeconds() / chief.wallSeconds(), chief.lastLoss(), Machine.loadAverage());
                }
            }
        } finally {
            if (ownContext) {
                sc.stop();
            }
        }
        long parameters = io.lmforge.model.ModelSize.of(model).total();
        System.out.printf("%nall-reduced per step: %.1f MB of fp32 gradients (%,d parameters)%n", parameters * 4 / 1e6,
                parameters);
        String row = "%-16s %-12s %-14s %-10s %-8s %-16s %-20s %-11s %s%n";
        System.out.printf(row, "ranks × threads", "micro-batch", "median step s", "tokens/s", "vs first",
                "communication s", "communication share", "cores used", "tokens/s per core used");
        double base = Double.NaN;
        for (Setup setup : setups) {
            double tokensPerSecond = (double) globalBatch * context / median(stepTimes.get(setup));
            if (Double.isNaN(base)) {
                base = tokensPerSecond;
            }
            double[] totals = cpuAndWall.get(setup);
            double cores = totals[0] / totals[1];
            boolean solo = setup.ranks() == 1;
            System.out.printf(row, setup.label(), globalBatch / setup.ranks(), String.format("%.2f", median(stepTimes.get(setup))),
                    String.format("%,.0f", tokensPerSecond), String.format("%.2f", tokensPerSecond / base),
                    solo ? "-" : String.format("%.3f", median(communication.get(setup))),
                    solo ? "-" : String.format("%.1f%%", 100 * median(shares.get(setup))),
                    String.format("%.2f", cores), String.format("%,.0f", tokensPerSecond / cores));
        }
        System.out.println("medians over every timed step of every round (communication: over every rank too, waiting "
                + "for the slower rank included)");
        System.out.println("cores used: the process's CPU time over the timed steps' wall time; a row could use "
                + "ranks × threads cores, less means other processes had them");
        System.out.printf("load average after: %s%n", Machine.loadAverage());
        return 0;
    }

    /** One rank: a model of the preset, random tokens, timed steps through {@link TrainingStep}. */
    static final class BenchRank implements RankMain<Report> {
        private final ModelConfig model;
        private final int microBatch;
        private final int context;
        private final int steps;
        private final int warmup;
        private final int threads;
        private final long bucketBytes;

        BenchRank(ModelConfig model, int microBatch, int context, int steps, int warmup, int threads, long bucketBytes) {
            this.model = model;
            this.microBatch = microBatch;
            this.context = context;
            this.steps = steps;
            this.warmup = warmup;
            this.threads = threads;
            this.bucketBytes = bucketBytes;
        }

        @Override
        public Report run(RankContext ctx) {
            Engine.getInstance();
            JniUtils.setNumThreads(threads);
            JniUtils.setGradMode(false);
            GradientSync sync = new CollectiveGradientSync(ctx.collective(), bucketBytes);
            try (NDManager manager = NDManager.newBaseManager()) {
                MixedPrecision models = MixedPrecision.create(model, manager, false, 1);
                DeepSeekModel m = models.master();
                sync.replicateParameters(m.namedParameters());
                TrainingStep step = new TrainingStep(models, manager, new AdamW(AdamW.Hyper.DEFAULT, m.namedParameters(), manager),
                        sync, new TrainingStep.Options(new LanguageModelLoss(-100, 0), 1.0, 1, false));
                SplittableRandom random = new SplittableRandom(17 + ctx.rank());
                double[] seconds = new double[steps];
                double[] communication = new double[steps];
                double loss = Double.NaN;
                long cpuStart = 0;
                long wallStart = 0;
                for (int i = -warmup; i < steps; i++) {
                    if (i == 0) {
                        cpuStart = Machine.processCpuNanos();
                        wallStart = System.nanoTime();
                    }
                    ctx.throwIfKilled();
                    long t = System.nanoTime();
                    long c = sync.communicationNanos();
                    loss = step.run(() -> batch(random), 1e-4).loss();
                    if (i >= 0) {
                        seconds[i] = (System.nanoTime() - t) / 1e9;
                        communication[i] = (sync.communicationNanos() - c) / 1e9;
                    }
                }
                return new Report(ctx.rank(), seconds, communication, loss, (Machine.processCpuNanos() - cpuStart) / 1e9,
                        (System.nanoTime() - wallStart) / 1e9);
            }
        }

        private Batch batch(SplittableRandom random) {
            return TrainBenchCommand.randomBatch(random, microBatch, context, model.vocabSize());
        }
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

}
