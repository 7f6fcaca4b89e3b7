package io.lmforge.pack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lmforge.mix.MixPlan;
import io.lmforge.tokenizer.TokenizerArtifact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code shards/manifest.json}, the contract with the trainer: {@code seq_len},
 * {@code vocab_size}, {@code special_tokens} and each split's {@code files} (relative to the
 * manifest, in reading order) are what it reads. The rest documents the data.
 */
final class ShardManifest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A written split: its sequences, its files in order, and the sequences in each file. */
    record Split(long sequences, List<String> files, List<Long> fileSequences) {
    }

    private final Map<String, Object> root = new LinkedHashMap<>();

    ShardManifest(ShardSettings settings, TokenizerArtifact tokenizer, MixPlan train, MixPlan val, Map<String, Split> splits) {
        root.put("seq_len", settings.seqLen());
        root.put("vocab_size", tokenizer.vocabSize());
        root.put("tokenizer_sha256", tokenizer.sha256());
        root.put("seed", settings.seed());
        root.put("special_tokens", orderedSpecials(tokenizer));
        root.put("val_fraction", settings.valFraction());
        root.put("columns", Map.of(
                "input_ids", "list<int32>: seq_len + 1 tokens; inputs [0, seq_len), targets [1, seq_len]",
                "domain", "string: the domain of every token of the sequence (sequences never mix domains)",
                "doc_starts", "list<int32>: positions where a document's bos token is"));
        Map<String, Object> s = new LinkedHashMap<>();
        for (MixPlan plan : List.of(train, val)) {
            Split split = splits.get(plan.split());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sequences", split.sequences());
            m.put("tokens", split.sequences() * plan.window());
            Map<String, Long> byDomain = new LinkedHashMap<>();
            Map<String, Long> documents = new LinkedHashMap<>();
            for (MixPlan.Domain d : plan.domains()) {
                byDomain.put(d.name(), d.sequences() * plan.window());
                documents.put(d.name(), d.documents());
            }
            m.put("tokens_by_domain", byDomain);
            m.put("documents_by_domain", documents);
            m.put("files", split.files());
            m.put("file_sequences", split.fileSequences());
            s.put(plan.split(), m);
        }
        root.put("splits", s);
        Map<String, Object> mixture = new LinkedHashMap<>();
        mixture.put("weights", settings.mix().isNatural() ? "natural" : settings.mix().weights());
        mixture.put("max_epochs", settings.mix().maxEpochs());
        mixture.put("unmet_policy", settings.mix().unmet().name().toLowerCase(java.util.Locale.ROOT));
        mixture.put("batch_size", settings.mix().batchSize());
        mixture.put("train", train.report());
        mixture.put("val", val.report());
        root.put("mixture", mixture);
    }

    private static Map<String, Integer> orderedSpecials(TokenizerArtifact tokenizer) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String role : List.of("bos", "eos", "pad", "unk")) {
            if (tokenizer.specialIds().containsKey(role)) {
                out.put(role, tokenizer.specialIds().get(role));
            }
        }
        return out;
    }

    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
