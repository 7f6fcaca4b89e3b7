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

    /** A factory that is a name, a place and a constructor. */
    abstract class Of implements ArtifactStageFactory {
        private final String name;
        private final int defaultOrder;
        private final Function<Settings, ? extends ArtifactStage> create;

        protected Of(String name, int defaultOrder, Function<Settings, ? extends ArtifactStage> create) {
            this.name = name;
            this.defaultOrder = defaultOrder;
            this.create = create;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int defaultOrder() {
            return defaultOrder;
        }

        @Override
        public ArtifactStage create(Settings section) {
            return create.apply(section);
        }
    }
}
