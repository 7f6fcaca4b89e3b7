package io.lmforge.corpus;

import io.lmforge.config.Settings;

import java.util.function.Function;

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

    /** A factory that is a name, a place and a constructor: what every stage needs. */
    abstract class Of extends NamedFactory<ArtifactStage> implements ArtifactStageFactory {
        protected Of(String name, int defaultOrder, Function<Settings, ? extends ArtifactStage> create) {
            super(name, defaultOrder, create);
        }
    }
}
