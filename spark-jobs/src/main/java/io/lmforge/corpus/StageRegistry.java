package io.lmforge.corpus;

import io.lmforge.config.Settings;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stages a config may name, by name, in their default order. A stage is built from its own
 * config section ({@code dedup { ... }} for {@code dedup}), which it must check with
 * {@link Settings#requireNoUnknownKeys()}. Adding a stage is one line here.
 */
public final class StageRegistry {

    /** Builds a stage from its config section. */
    @FunctionalInterface
    public interface Factory<T> {
        T create(Settings section);
    }

    /** Document stages, in the order a config that names none runs them. */
    static final Map<String, Factory<Stage>> STAGES = new LinkedHashMap<>();

    /** Artifact stages, in the order a config that names none runs them. */
    static final Map<String, Factory<ArtifactStage>> ARTIFACTS = new LinkedHashMap<>();

    static {
        STAGES.put("clean", io.lmforge.clean.CleanStage::from);
        STAGES.put("filter", io.lmforge.filter.FilterStage::from);
        STAGES.put("langid", io.lmforge.langid.LangIdStage::from);
        STAGES.put("pii", io.lmforge.pii.PiiStage::from);
        STAGES.put("dedup", io.lmforge.dedup.DedupStage::from);

        ARTIFACTS.put(OutputLayout.TOKENIZER, io.lmforge.tokenizer.TokenizerStage::from);
        ARTIFACTS.put(OutputLayout.SHARDS, io.lmforge.pack.ShardsStage::from);
    }

    private StageRegistry() {
    }
}
