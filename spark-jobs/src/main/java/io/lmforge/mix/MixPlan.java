package io.lmforge.mix;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many sequences of each domain a split gets, and from how many passes over the domain's
 * documents. Domains are in name order; their index here is the domain index of the
 * {@link BatchSchedule}.
 *
 * @param split      train or val
 * @param window     tokens per sequence (seq_len + 1)
 * @param blockSize  sequences per block of the schedule (the batch size, or fewer for a tiny split)
 * @param blocks     blocks of the schedule; sequences = blockSize * blocks
 * @param domains    one entry per domain that gets sequences or was asked for
 * @param excluded   domains in the corpus that the weights leave out
 * @param notes      what a person should know: unmet targets, sequences dropped
 */
public record MixPlan(String split, int window, int blockSize, long blocks, List<Domain> domains,
                      List<String> excluded, List<String> notes) implements Serializable {

    /**
     * @param tokens          the domain's tokens in this split, one pass, bos and eos included
     * @param documents       its documents in this split
     * @param target          the weight asked for (the natural share when none was)
     * @param sequences       sequences it gets
     * @param epochs          passes over its documents needed for them (the last may be partial)
     * @param met             whether the target could be met within max-epochs
     */
    public record Domain(String name, long tokens, long documents, double target, long sequences, int epochs,
                         boolean met) implements Serializable {
    }

    public long sequences() {
        return (long) blockSize * blocks;
    }

    /** The share of the split's sequences (and so tokens) the domain got. */
    public double achieved(Domain d) {
        return sequences() == 0 ? 0 : (double) d.sequences() / sequences();
    }

    public int indexOf(String domain) {
        for (int i = 0; i < domains.size(); i++) {
            if (domains.get(i).name().equals(domain)) {
                return i;
            }
        }
        return -1;
    }

    public BatchSchedule schedule() {
        long[] counts = new long[domains.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = domains.get(i).sequences();
        }
        return new BatchSchedule(blockSize, blocks, counts);
    }

    /** For the manifest: per domain, target and achieved weight, tokens, epochs. */
    public Map<String, Object> report() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> byDomain = new LinkedHashMap<>();
        for (Domain d : domains) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", round(d.target()));
            m.put("achieved", round(achieved(d)));
            m.put("tokens", d.sequences() * window);
            m.put("sequences", d.sequences());
            m.put("available_tokens", d.tokens());
            m.put("documents", d.documents());
            m.put("epochs", d.tokens() == 0 ? 0 : round((double) d.sequences() * window / d.tokens()));
            m.put("met", d.met());
            byDomain.put(d.name(), m);
        }
        out.put("domains", byDomain);
        out.put("batch_size", blockSize);
        out.put("excluded_domains", excluded);
        List<String> unmet = new ArrayList<>();
        for (Domain d : domains) {
            if (!d.met()) {
                unmet.add(d.name());
            }
        }
        out.put("unmet", unmet);
        out.put("notes", notes);
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
