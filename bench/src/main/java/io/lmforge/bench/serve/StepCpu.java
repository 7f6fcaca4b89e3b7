package io.lmforge.bench.serve;

import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.generate.ContinuousBatch;
import io.lmforge.model.generate.Sampling;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * {@code bench serve --step-cpu}: the CPU time of a {@link ContinuousBatch}'s steps on the calling
 * thread, without HTTP or clients, so less sensitive to the machine's load than the served
 * throughput: a decode step of one row and of {@code rows} rows, and the steady state of
 * {@code rows} sequences where each that ends is replaced by a new prompt, joining through a pass
 * of its own ({@code add} then {@code step()}) or inside the decode pass ({@code step(joiners)}).
 * Thread CPU time leaves out libtorch's other intra-op threads: run it with {@code --threads 1}.
 */
final class StepCpu {
    private static final int WARM_STEPS = 10;
    private static final int STEPS = 60;
    private final CheckpointModel model;
    private final int promptTokens;
    private final int maxTokens;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Random random = new Random(1);
    private final Sampling sampling = new Sampling(1.0, 0, 1.0, 1.0);

    StepCpu(CheckpointModel model, int promptTokens, int maxTokens) {
        this.model = model;
        this.promptTokens = promptTokens;
        this.maxTokens = maxTokens;
    }

    void print(int rows) {
        System.out.printf("CPU per step on this thread (%d-token prompts; %d steps after %d to warm up):%n",
                promptTokens, STEPS, WARM_STEPS);
        for (int n : new int[]{1, rows}) {
            System.out.printf("  decode step, %d rows: %.2f ms%n", n, decodeOnly(n));
        }
        for (boolean merged : new boolean[]{false, true}) {
            System.out.printf("  %d rows, each that ends (after %d tokens) replaced, joining %s: %.2f ms a step%n",
                    rows, maxTokens, merged ? "inside the decode pass" : "in a pass of its own", steady(rows, merged));
        }
    }

    private double decodeOnly(int rows) {
        // Long enough that no sequence ends while measured.
        int budget = Math.min(WARM_STEPS + STEPS + 1, model.config().maxPositions() - promptTokens);
        try (ContinuousBatch batch = batch(rows)) {
            List<ContinuousBatch.Sequence> all = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                all.add(sequence(budget));
            }
            batch.add(all);
            return perStep(batch, 0, false, budget - WARM_STEPS - 1);
        }
    }

    private double steady(int rows, boolean merged) {
        try (ContinuousBatch batch = batch(rows)) {
            List<ContinuousBatch.Sequence> first = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                // Staggered budgets, so sequences end on different steps as served requests do.
                first.add(sequence(1 + i * maxTokens / rows));
            }
            batch.add(first);
            return perStep(batch, rows, merged, STEPS);
        }
    }

    /**
     * Steps the batch, each step first topping it up to {@code rows} sequences of the request
     * budget (0: none); CPU ms per measured step.
     */
    private double perStep(ContinuousBatch batch, int rows, boolean merged, int steps) {
        long cpu = 0;
        for (int step = 0; step < WARM_STEPS + steps; step++) {
            List<ContinuousBatch.Sequence> joiners = new ArrayList<>();
            for (int i = batch.size(); i < rows; i++) {
                joiners.add(sequence(maxTokens));
            }
            long started = threads.getCurrentThreadCpuTime();
            if (merged) {
                batch.step(joiners);
            } else {
                if (!joiners.isEmpty()) {
                    batch.add(joiners);
                }
                batch.step();
            }
            if (step >= WARM_STEPS) {
                cpu += threads.getCurrentThreadCpuTime() - started;
            }
        }
        return cpu / 1e6 / Math.max(1, steps);
    }

    private ContinuousBatch batch(int rows) {
        return new ContinuousBatch(model.model(), model.manager(), model.config().maxPositions(), rows, -1, 0);
    }

    private ContinuousBatch.Sequence sequence(int newTokens) {
        int[] prompt = new int[promptTokens];
        for (int t = 1; t < promptTokens; t++) {
            prompt[t] = 1 + random.nextInt(model.config().vocabSize() - 1);
        }
        return new ContinuousBatch.Sequence(prompt, newTokens, sampling, random.nextLong(), null);
    }
}
