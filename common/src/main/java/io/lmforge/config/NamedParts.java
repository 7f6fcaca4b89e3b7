package io.lmforge.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Parts that a config names in a list and configures in sections of the same names: the corpus
 * stages ({@code stages = [clean, dedup]}, {@code dedup { ... }}), the artifact stages, the
 * filter's steps. Builds them in the listed order and rejects unknown and repeated names; a part
 * that is not listed but has a section is still built, so a typo inside it is caught either way.
 *
 * @param <T> what a part is built into
 */
public final class NamedParts<T> {
    private final Map<String, Function<Settings, T>> factories;
    private final List<String> defaults;

    /**
     * @param factories every known part, by name, in the default order
     * @param defaults  the names built when the config has no list
     */
    public NamedParts(Map<String, Function<Settings, T>> factories, List<String> defaults) {
        this.factories = new LinkedHashMap<>(factories);
        this.defaults = List.copyOf(defaults);
        for (String name : defaults) {
            if (!factories.containsKey(name)) {
                throw new IllegalArgumentException("default part '" + name + "' is not one of " + factories.keySet());
            }
        }
    }

    /** Every part in the default list. */
    public NamedParts(Map<String, Function<Settings, T>> factories) {
        this(factories, List.copyOf(factories.keySet()));
    }

    public Set<String> names() {
        return factories.keySet();
    }

    /** The parts {@code parent.listKey} names (or the defaults), each from {@code parent.<name>}. */
    public List<T> buildAll(Settings parent, String listKey) {
        List<String> listed = parent.strings(listKey, defaults);
        Set<String> seen = new HashSet<>();
        for (String name : listed) {
            if (!factories.containsKey(name)) {
                throw new InvalidConfigException(parent.name(listKey) + " names '" + name + "', which is not one of "
                        + factories.keySet());
            }
            if (!seen.add(name)) {
                throw new InvalidConfigException(parent.name(listKey) + " names '" + name + "' twice");
            }
        }
        List<T> out = new ArrayList<>();
        for (String name : listed) {
            out.add(build(parent, name));
        }
        for (String name : factories.keySet()) {
            if (!seen.contains(name) && parent.has(name)) {
                build(parent, name);
            }
        }
        return List.copyOf(out);
    }

    /** One part, from its section {@code parent.<name>} (its defaults when the section is absent). */
    public T build(Settings parent, String name) {
        Function<Settings, T> factory = factories.get(name);
        if (factory == null) {
            throw new InvalidConfigException(parent.name(name) + ": '" + name + "' is not one of " + factories.keySet());
        }
        return factory.apply(parent.section(name));
    }
}
