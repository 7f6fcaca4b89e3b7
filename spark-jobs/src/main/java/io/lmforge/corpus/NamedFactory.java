package io.lmforge.corpus;

import io.lmforge.config.Settings;

import java.util.function.Function;

/**
 * A stage factory that is a name, a place in the default order and a constructor: what every
 * document and artifact stage needs. {@link StageFactory.Of} and {@link ArtifactStageFactory.Of}
 * bind it to their interface.
 */
public abstract class NamedFactory<T> {
    private final String name;
    private final int defaultOrder;
    private final Function<Settings, ? extends T> create;

    protected NamedFactory(String name, int defaultOrder, Function<Settings, ? extends T> create) {
        this.name = name;
        this.defaultOrder = defaultOrder;
        this.create = create;
    }

    public String name() {
        return name;
    }

    public int defaultOrder() {
        return defaultOrder;
    }

    public T create(Settings section) {
        return create.apply(section);
    }
}
