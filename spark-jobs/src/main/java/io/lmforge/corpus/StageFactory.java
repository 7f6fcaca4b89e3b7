package io.lmforge.corpus;

import io.lmforge.config.Settings;

import java.util.function.Function;

/**
 * Creates a document stage from its config section. Factories are found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.lmforge.corpus.StageFactory}), so
 * the runner never names a stage: adding one is a class, its factory and one line there.
 */
public interface StageFactory {

    /** The stage's name: the config section it reads and its entry in {@code stages}. */
    String name();

    /** Its place in the default order, which a config that lists no stages runs. */
    int defaultOrder();

    /** Builds the stage from {@code section}, checking it with {@link Settings#requireNoUnknownKeys()}. */
    Stage create(Settings section);

    /** A factory that is a name, a place and a constructor: what every stage needs. */
    abstract class Of extends NamedFactory<Stage> implements StageFactory {
        protected Of(String name, int defaultOrder, Function<Settings, ? extends Stage> create) {
            super(name, defaultOrder, create);
        }
    }
}
