package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.ParameterStore;
import io.lmforge.model.LanguageModelLoss;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.trainer.data.Batch;
import io.lmforge.trainer.data.ShardSplit;
import io.lmforge.trainer.data.TokenWindow;
import io.lmforge.trainer.dist.GradientSync;
import io.lmforge.trainer.metrics.EvalReport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Validation loss and perplexity over the val split (or its first {@code maxSamples} samples),
 * overall and per domain. Samples are taken in file order, the i-th by rank {@code i mod W};
 * per-domain sums are added over ranks, so every rank gets the same report.
 */
final class Validation {
    private final ShardSplit split;
    private final List<String> domains;
    private final long maxSamples;
    private final int batchSize;

    /** @param domains the val split's domains (from the manifest), the order the ranks sum them in */
    Validation(ShardSplit split, List<String> domains, long maxSamples, int batchSize) {
        this.split = split;
        this.domains = List.copyOf(new TreeSet<>(domains));
        this.maxSamples = maxSamples > 0 ? Math.min(maxSamples, split.samples()) : split.samples();
        this.batchSize = batchSize;
    }

    EvalReport run(DeepSeekModel model, ParameterStore ps, NDManager manager, LanguageModelLoss loss,
                   boolean maskDocuments, GradientSync sync, long step, boolean improvedSoFar) {
        int rank = sync.rank();
        int world = sync.worldSize();
        Map<String, double[]> sums = new TreeMap<>();       // domain -> {nll, tokens}
        for (String d : domains) {
            sums.put(d, new double[2]);
        }
        if (world > 1) {
            sums.put("other", new double[2]);
        }
        List<TokenWindow> pending = new ArrayList<>();
        long index = 0;
        blocks:
        for (ShardSplit.Block block : split.blocks()) {
            TokenWindow[] windows = split.read(block);
            for (TokenWindow w : windows) {
                for (int part = 0; part < split.samplesPerWindow(); part++, index++) {
                    if (index >= maxSamples) {
                        break blocks;
                    }
                    if (index % world == rank && w != null) {
                        pending.add(split.sample(w, part));
                        if (pending.size() == batchSize) {
                            score(model, ps, manager, loss, maskDocuments, pending, sums, world);
                            pending.clear();
                        }
                    }
                }
            }
        }
        if (!pending.isEmpty()) {
            score(model, ps, manager, loss, maskDocuments, pending, sums, world);
        }

        List<String> names = new ArrayList<>(sums.keySet());
        double[] flat = new double[names.size() * 2];
        for (int i = 0; i < names.size(); i++) {
            flat[2 * i] = sums.get(names.get(i))[0];
            flat[2 * i + 1] = sums.get(names.get(i))[1];
        }
        double[] total = sync.sum(flat);
        Map<String, EvalReport.Domain> byDomain = new TreeMap<>();
        double nll = 0;
        long tokens = 0;
        for (int i = 0; i < names.size(); i++) {
            long n = (long) total[2 * i + 1];
            if (n > 0) {
                byDomain.put(names.get(i), new EvalReport.Domain(total[2 * i] / n, n));
                nll += total[2 * i];
                tokens += n;
            }
        }
        return new EvalReport(step, tokens > 0 ? nll / tokens : Double.NaN, tokens, byDomain, improvedSoFar);
    }

    private void score(DeepSeekModel model, ParameterStore ps, NDManager manager, LanguageModelLoss loss,
                       boolean maskDocuments, List<TokenWindow> windows, Map<String, double[]> sums, int world) {
        Batch batch = new Batch(windows, split.contextLength());
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray docs = maskDocuments ? batch.documentIds(manager) : null;
            NDList out = model.forward(ps, batch.inputs(manager), docs, false);
            double[][] perSequence = loss.perSequence(out.get(0), batch.targets(manager));
            for (int b = 0; b < batch.size(); b++) {
                String domain = batch.domain(b);
                double[] s = sums.get(domain);
                if (s == null) {
                    if (world > 1) {
                        // Ranks sum a fixed list of domains; one missing from the manifest is pooled.
                        domain = "other";
                    }
                    s = sums.computeIfAbsent(domain, k -> new double[2]);
                }
                s[0] += perSequence[0][b];
                s[1] += perSequence[1][b];
            }
        }
    }
}
