package io.lmforge.mix;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Decides each domain's number of sequences from the tokens it holds and the target weights.
 *
 * <p>A domain over its target gives a hash-ordered prefix of its documents (down-sampling by a
 * seeded hash); one under it gives whole passes over its documents, each in a fresh hash order,
 * plus a prefix of one more, at most {@code max-epochs} passes in all. The split's sequence count
 * is a multiple of the batch size and is apportioned by largest remainder, which keeps every
 * domain's count per batch within one of {@code batch-size * weight} (see {@link BatchSchedule}).
 */
public final class MixPlanner {

    /** A domain's tokens (bos and eos included) and documents in one split. */
    public record Supply(long tokens, long documents) {
    }

    private MixPlanner() {
    }

    /**
     * @param training the train split gets the mixture; val gets each included document once,
     *                 in its natural proportions
     */
    public static MixPlan plan(String split, Map<String, Supply> supply, MixSettings mix, int window, boolean training) {
        List<String> names = new ArrayList<>(mix.isNatural() ? new TreeSet<>(supply.keySet()) : new TreeSet<>(mix.weights().keySet()));
        List<String> excluded = new ArrayList<>();
        for (String d : new TreeSet<>(supply.keySet())) {
            if (!names.contains(d)) {
                excluded.add(d);
            }
        }
        List<String> notes = new ArrayList<>();
        int k = names.size();
        long[] tokens = new long[k];
        long[] docs = new long[k];
        long[] onePass = new long[k];
        long[] most = new long[k];
        long sumOne = 0;
        int epochsAllowed = training ? mix.maxEpochs() : 1;
        for (int i = 0; i < k; i++) {
            Supply s = supply.getOrDefault(names.get(i), new Supply(0, 0));
            tokens[i] = s.tokens();
            docs[i] = s.documents();
            onePass[i] = s.tokens() / window;
            most[i] = Math.multiplyExact(s.tokens(), (long) epochsAllowed) / window;
            sumOne += onePass[i];
        }
        boolean weighted = training && !mix.isNatural();
        double[] target = new double[k];
        for (int i = 0; i < k; i++) {
            target[i] = weighted ? mix.weights().get(names.get(i)) : (sumOne == 0 ? 0 : (double) onePass[i] / sumOne);
        }
        double wanted = training && mix.totalTokens().isPresent() ? (double) (mix.totalTokens().getAsLong() / window) : sumOne;
        double[] share = target.clone();
        double total = wanted;
        boolean[] met = new boolean[k];
        java.util.Arrays.fill(met, true);
        if (weighted) {
            List<String> unmet = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                double desired = target[i] * wanted;
                if (desired > most[i] + 1e-9) {
                    met[i] = false;
                    unmet.add(String.format("domain '%s' needs %.0f tokens for weight %.4f but has %d (%d with max-epochs %d)",
                            names.get(i), desired * window, target[i], tokens[i], most[i] * window, mix.maxEpochs()));
                }
            }
            if (!unmet.isEmpty()) {
                switch (mix.unmet()) {
                    case FAIL -> throw new IllegalStateException("mixture target cannot be met (mix.unmet = fail): "
                            + String.join("; ", unmet));
                    case SHRINK -> {
                        for (int i = 0; i < k; i++) {
                            if (target[i] > 0) {
                                total = Math.min(total, Math.floor(most[i] / target[i]));
                            }
                        }
                        notes.addAll(unmet);
                        notes.add(String.format("total shrunk from %.0f to %.0f tokens so that every domain gets its weight",
                                wanted * window, total * window));
                    }
                    case CAP -> {
                        double sum = 0;
                        double[] capped = new double[k];
                        for (int i = 0; i < k; i++) {
                            capped[i] = Math.min(target[i] * wanted, most[i]);
                            sum += capped[i];
                        }
                        for (int i = 0; i < k; i++) {
                            share[i] = sum == 0 ? 0 : capped[i] / sum;
                        }
                        total = sum;
                        for (String u : unmet) {
                            notes.add(u + ": capped, the achieved mixture differs from the target");
                        }
                    }
                }
            }
        }
        long n = (long) Math.floor(total + 1e-9);
        int block = mix.batchSize();
        long blocks;
        if (n >= block) {
            blocks = n / block;
        } else {
            block = (int) Math.max(n, 1);
            blocks = n > 0 ? 1 : 0;
        }
        long aligned = block * blocks;
        if (aligned < n) {
            notes.add((n - aligned) + " sequences left out so that the " + split
                    + " split is a whole number of batches of " + block);
        }
        long[] counts = apportion(aligned, share);
        List<MixPlan.Domain> domains = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            if (counts[i] > most[i]) {
                throw new IllegalStateException("planner error: domain " + names.get(i) + " gets " + counts[i]
                        + " sequences of at most " + most[i]);
            }
            int epochs = counts[i] == 0 ? 0 : (int) ((counts[i] * (long) window + tokens[i] - 1) / tokens[i]);
            domains.add(new MixPlan.Domain(names.get(i), tokens[i], docs[i], target[i], counts[i], epochs, met[i]));
        }
        return new MixPlan(split, window, block, blocks, List.copyOf(domains), List.copyOf(excluded), List.copyOf(notes));
    }

    /** Integers summing to {@code total}, each the floor or ceiling of {@code total * share[i]}. */
    static long[] apportion(long total, double[] share) {
        int k = share.length;
        long[] out = new long[k];
        double[] remainder = new double[k];
        long assigned = 0;
        for (int i = 0; i < k; i++) {
            double x = total * share[i];
            double nearest = Math.rint(x);
            if (Math.abs(x - nearest) < 1e-9 * Math.max(1, x)) {
                x = nearest;    // an exact product must not lose a sequence to rounding error
            }
            out[i] = (long) Math.floor(x);
            remainder[i] = x - out[i];
            assigned += out[i];
        }
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -remainder[i]).thenComparingInt(i -> i));
        for (int j = 0; assigned < total; j++) {
            out[order[j % k]]++;
            assigned++;
        }
        return out;
    }
}
