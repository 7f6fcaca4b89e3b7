package io.lmforge.pipeline;

import io.lmforge.config.NamedParts;
import io.lmforge.config.Settings;
import io.lmforge.corpus.ArtifactStage;
import io.lmforge.corpus.ArtifactStageFactory;
import io.lmforge.corpus.Stage;
import io.lmforge.corpus.StageFactory;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The stages on the classpath, found through {@link ServiceLoader} and kept in their default
 * order, so the runner builds whatever a config names without knowing any stage.
 */
public final class StageCatalog {

    private StageCatalog() {
    }

    /** Document stages by name, in their default order. */
    public static NamedParts<Stage> stages() {
        return catalog(StageFactory.class, StageFactory::name, StageFactory::defaultOrder, f -> f::create);
    }

    /** Artifact stages by name, in their default order. */
    public static NamedParts<ArtifactStage> artifacts() {
        return catalog(ArtifactStageFactory.class, ArtifactStageFactory::name, ArtifactStageFactory::defaultOrder,
                f -> f::create);
    }

    private static <F, T> NamedParts<T> catalog(Class<F> type, Function<F, String> name, ToIntFunction<F> order,
                                                Function<F, Function<Settings, T>> create) {
        List<F> factories = ServiceLoader.load(type, StageCatalog.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .sorted(Comparator.comparingInt(order).thenComparing(name))
                .toList();
        Map<String, Function<Settings, T>> byName = new LinkedHashMap<>();
        for (F f : factories) {
            if (byName.put(name.apply(f), create.apply(f)) != null) {
                throw new IllegalStateException("two " + type.getSimpleName() + "s are named '" + name.apply(f) + "'");
            }
        }
        return new NamedParts<>(byName);
    }
}
