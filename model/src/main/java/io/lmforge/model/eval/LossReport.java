package io.lmforge.model.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loss (mean nats per token), perplexity (e^loss) and bits per byte (Σ nll / (ln 2 · Σ bytes),
 * which does not depend on the tokenizer), overall and per domain, from scored {@link Unit}s.
 */
public final class LossReport {
    public static final double LN2 = Math.log(2);

    /** The figures of a set of units. */
    public record Figures(long units, long tokens, long bytes, double nll) {
        public double loss() {
            return nll / tokens;
        }

        public double perplexity() {
            return Math.exp(loss());
        }

        public double bitsPerByte() {
            return nll / (LN2 * bytes);
        }

        static Figures of(List<Unit> units) {
            long tokens = 0;
            long bytes = 0;
            double nll = 0;
            for (Unit u : units) {
                tokens += u.tokens();
                bytes += u.bytes();
                nll += u.nll();
            }
            return new Figures(units.size(), tokens, bytes, nll);
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("loss", loss());
            m.put("perplexity", perplexity());
            m.put("bits_per_byte", bitsPerByte());
            m.put("units", units);
            m.put("tokens", tokens);
            m.put("bytes", bytes);
            return m;
        }
    }

    private final List<Unit> units;
    private final Figures overall;
    private final Map<String, Figures> domains = new TreeMap<>();

    public LossReport(List<Unit> units) {
        this.units = List.copyOf(units);
        this.overall = Figures.of(units);
        Map<String, List<Unit>> by = new TreeMap<>();
        for (Unit u : units) {
            by.computeIfAbsent(u.domain(), k -> new ArrayList<>()).add(u);
        }
        by.forEach((d, us) -> domains.put(d, Figures.of(us)));
    }

    public List<Unit> units() {
        return units;
    }

    public Figures overall() {
        return overall;
    }

    public Map<String, Figures> domains() {
        return domains;
    }

    /** The 95% bootstrap interval of bits per byte over the units. */
    public Bootstrap.Interval bitsPerByteInterval(Bootstrap bootstrap) {
        return bootstrap.ratio(nll(units), bytes(units), 1 / LN2);
    }

    /**
     * {@code other − this} in bits per byte with a paired interval: both reports must have scored
     * the same units in the same order (the same documents or windows).
     */
    public Bootstrap.Interval bitsPerByteDifference(LossReport other, Bootstrap bootstrap) {
        return bootstrap.pairedDifference(nll(units), bytes(units), nll(other.units), bytes(other.units), 1 / LN2);
    }

    /** The same for loss (nats per token); only meaningful when both models share a tokenizer. */
    public Bootstrap.Interval lossDifference(LossReport other, Bootstrap bootstrap) {
        return bootstrap.pairedDifference(nll(units), tokens(units), nll(other.units), tokens(other.units), 1);
    }

    public Map<String, Object> toJson(Bootstrap bootstrap) {
        Map<String, Object> m = new LinkedHashMap<>(overall.toJson());
        if (bootstrap != null) {
            m.put("bits_per_byte_ci95", bitsPerByteInterval(bootstrap).toArray());
        }
        Map<String, Object> d = new LinkedHashMap<>();
        domains.forEach((k, v) -> d.put(k, v.toJson()));
        m.put("domains", d);
        return m;
    }

    private static double[] nll(List<Unit> us) {
        return us.stream().mapToDouble(Unit::nll).toArray();
    }

    private static double[] bytes(List<Unit> us) {
        return us.stream().mapToDouble(Unit::bytes).toArray();
    }

    private static double[] tokens(List<Unit> us) {
        return us.stream().mapToDouble(Unit::tokens).toArray();
    }
}
