package io.lmforge.trainer.eval;

import io.lmforge.model.eval.LogLikelihood;
import io.lmforge.model.eval.Unit;
import io.lmforge.model.generate.TextTokenizer;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.data.ShardSplit;
import io.lmforge.trainer.data.TokenWindow;
import org.apache.hadoop.conf.Configuration;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tokenized shards scored by a checkpoint: every window (or context-length part of one, as the
 * trainer's validation takes them) of a split is a {@link Unit}. Its tokens are the targets that
 * are not padding (and, in fine-tuning shards, that the loss mask keeps: the responses); its bytes are the UTF-8 bytes of the text those targets decode to with the
 * shards' tokenizer (special tokens left out). A character cut by a window's edge decodes to
 * U+FFFD, so a window's bytes can be off by a few at its ends.
 */
public final class ShardEval {
    private ShardEval() {
    }

    /**
     * @param maxSamples score the first this many samples in file order; ≤ 0: all
     * @param maskDocuments keep attention inside each packed document, as training with {@code mask-documents}
     */
    public static List<Unit> score(ShardManifest manifest, String splitName, TextTokenizer tokenizer, LogLikelihood model,
                                   long maxSamples, boolean maskDocuments, Configuration conf) {
        int context = Math.min(manifest.seqLen(), model.maxSequence() - 1);
        ShardSplit split = ShardSplit.open(manifest, splitName, context, conf);
        int ignore = manifest.ignoreIndex();
        List<TokenWindow> samples = new ArrayList<>();
        blocks:
        for (ShardSplit.Block block : split.blocks()) {
            for (TokenWindow w : split.read(block)) {
                if (w == null) {
                    continue;
                }
                for (int part = 0; part < split.samplesPerWindow(); part++) {
                    if (maxSamples > 0 && samples.size() >= maxSamples) {
                        break blocks;
                    }
                    samples.add(split.sample(w, part));
                }
            }
        }
        List<int[]> sequences = new ArrayList<>(samples.size());
        List<int[]> documents = maskDocuments ? new ArrayList<>(samples.size()) : null;
        for (TokenWindow w : samples) {
            sequences.add(w.tokens());
            if (documents != null) {
                documents.add(w.documentIds(w.tokens().length - 1));
            }
        }
        List<double[]> scored = model.score(sequences, documents);
        List<Unit> units = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            int[] tokens = samples.get(i).tokens();
            double[] lp = scored.get(i);
            double nll = 0;
            int[] targets = new int[tokens.length - 1];
            int n = 0;
            for (int t = 1; t < tokens.length; t++) {
                if (tokens[t] != ignore && samples.get(i).scored(t)) {
                    nll -= lp[t - 1];
                    targets[n++] = tokens[t];
                }
            }
            long bytes = tokenizer.decode(Arrays.copyOf(targets, n), n).getBytes(StandardCharsets.UTF_8).length;
            units.add(new Unit(samples.get(i).domain(), nll, n, bytes));
        }
        return units;
    }
}
