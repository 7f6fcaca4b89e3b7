package io.lmforge.trainer.metrics;

import java.io.PrintStream;
import java.util.Map;

/** The console: one progress line per logged step, one line per evaluation. */
public final class ConsoleProgress {
    private final PrintStream out;

    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    public void step(StepReport r) {
        out.printf("step %d/%d | loss %.4f | lr %.2e | grad norm %.3f | %,.0f tok/s%s%s | ETA %s%s%n",
                r.step(), r.maxSteps(), r.loss(), r.learningRate(), r.gradNorm(), r.tokensPerSec(),
                r.ranks() == null ? "" : ranks(r.ranks()),
                r.lossScale() > 0 ? String.format(" | loss scale %.0f", r.lossScale()) : "",
                duration(r.etaSeconds()), r.skipped() ? " | SKIPPED (non-finite gradients)" : "");
    }

    /** Every rank's own rate, so a straggler shows: " (ranks 1,210 + 1,190 tok/s, 4% in communication)". */
    static String ranks(RankPace pace) {
        StringBuilder s = new StringBuilder(" (ranks ");
        for (int i = 0; i < pace.tokensPerSec().length; i++) {
            s.append(i == 0 ? "" : " + ").append(String.format("%,.0f", pace.tokensPerSec()[i]));
        }
        return s.append(String.format(" tok/s, %.0f%% in communication)", 100 * pace.meanCommunicationShare())).toString();
    }

    /** @param unigramEntropy the training tokens' unigram entropy, printed beside the loss (NaN: unknown) */
    public void eval(EvalReport r, double unigramEntropy) {
        StringBuilder s = new StringBuilder(String.format("eval step %d | val loss %.4f | ppl %.2f%s%s",
                r.step(), r.loss(), r.perplexity(),
                Double.isNaN(unigramEntropy) ? "" : String.format(" | unigram entropy %.4f", unigramEntropy),
                r.improved() ? " (best)" : ""));
        for (Map.Entry<String, EvalReport.Domain> d : r.domains().entrySet()) {
            s.append(String.format(" | %s %.4f", d.getKey(), d.getValue().loss()));
        }
        out.println(s);
    }

    public void message(String line) {
        out.println(line);
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "?";
        }
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        if (s >= 60) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }
}
