package io.lmforge.corpus;

import io.lmforge.config.Settings;

/**
 * Creates an artifact stage (tokenizer, shards) from its config section; found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.lmforge.corpus.ArtifactStageFactory}).
 */
public interface ArtifactStageFactory {

    /** The stage's name: its config section, its entry in {@code artifacts} and the output it stages. */
    String name();

    /** Its place in the default order, which a config that lists no artifacts runs. */
    int defaultOrder();

    ArtifactStage create(Settings section);
}
