package io.lmforge.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A view of one HOCON object that remembers which keys were read, layered over its defaults.
 *
 * <p>Typesafe Config ignores keys nobody asks for, so a misspelt {@code max-epocs} would silently
 * fall back to its default. Every config class reads its keys through this view and ends with
 * {@link #requireNoUnknownKeys()}, which turns any key of the user's config it did not read into
 * an error naming the key's full path. Wrong types are reported by Typesafe with the path too; we
 * re-throw them as {@link InvalidConfigException} so callers catch one type.
 *
 * <p>Defaults live in each module's {@code reference.conf}, under a namespace
 * ({@code lmforge.corpus}, {@code lmforge.train}, {@code lmforge.model}): a view reads the user's
 * value, else the reference's. Every key the code reads must be listed there (as {@code key = null}
 * where it has no default or one computed at run time); reading one that is not is a programming
 * error and throws {@link IllegalStateException} naming the key's reference path.
 */
public final class Settings {
    private static final ThreadLocal<Set<String>> RECORDING = new ThreadLocal<>();

    private final Config user;
    private final Config reference;
    private final String referencePath;
    private final Config config;
    private final String path;
    private final Set<String> read = new TreeSet<>();

    private Settings(Config user, Config reference, String referencePath, String path) {
        this.user = user;
        this.reference = reference;
        this.referencePath = referencePath;
        this.config = user.withFallback(reference);
        this.path = path;
    }

    /**
     * {@code user}, named {@code path} in errors ("" at the top), over the reference section
     * {@code namespace.path} (or {@code namespace} itself when {@code path} is empty): e.g.
     * {@code of(dedupSection, "lmforge.corpus", "dedup")}.
     */
    public static Settings of(Config user, String namespace, String path) {
        String ref = path.isEmpty() ? namespace : namespace + "." + path;
        return new Settings(user, referenceSection(ref), ref, path);
    }

    /** Parses a HOCON file, resolving substitutions and environment variables; defaults from {@code namespace}. */
    public static Settings load(File file, String namespace) {
        if (!file.isFile()) {
            throw new InvalidConfigException("config file not found: " + file);
        }
        try {
            return of(ConfigFactory.parseFile(file).resolve(), namespace, "");
        } catch (ConfigException e) {
            throw new InvalidConfigException(e.getMessage(), e);
        }
    }

    /** Parses HOCON text; {@code origin} (a file name) is used in error messages; defaults from {@code namespace}. */
    public static Settings parse(String hocon, String origin, String namespace) {
        try {
            return of(ConfigFactory.parseString(hocon,
                    com.typesafe.config.ConfigParseOptions.defaults().setOriginDescription(origin)).resolve(),
                    namespace, "");
        } catch (ConfigException e) {
            throw new InvalidConfigException(e.getMessage(), e);
        }
    }

    /** The merged {@code reference.conf} files of the classpath. */
    public static Config reference() {
        return ConfigFactory.defaultReference();
    }

    private static Config referenceSection(String ref) {
        Config all = reference();
        if (!all.hasPath(ref) || all.getValue(ref).valueType() != ConfigValueType.OBJECT) {
            throw new IllegalStateException(ref + " is missing from reference.conf (or is not an object)");
        }
        return all.getConfig(ref);
    }

    /**
     * Runs {@code action} and returns the reference path of every key read through a view on this
     * thread meanwhile (e.g. {@code lmforge.corpus.dedup.k}), for tests that check reference.conf
     * lists every key the code reads.
     */
    public static Set<String> recordReads(Runnable action) {
        Set<String> outer = RECORDING.get();
        Set<String> keys = new TreeSet<>();
        RECORDING.set(keys);
        try {
            action.run();
        } finally {
            if (outer == null) {
                RECORDING.remove();
            } else {
                outer.addAll(keys);
                RECORDING.set(outer);
            }
        }
        return keys;
    }

    public String path() {
        return path;
    }

    /** The full name of {@code key}, as errors print it. */
    public String name(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Where {@code key}'s default is, in the merged reference.conf. */
    public String referenceName(String key) {
        return referencePath + "." + quote(key);
    }

    /** Whether the user's config sets {@code key} (a default in reference.conf does not count). */
    public boolean has(String key) {
        mark(key);
        return user.hasPath(quote(key));
    }

    public String string(String key) {
        return get(key, () -> config.getString(quote(key)));
    }

    /** For a default computed at run time (reference.conf has {@code key = null}): {@code fallback} when unset. */
    public String string(String key, String fallback) {
        return isSet(key) ? string(key) : fallback;
    }

    /** The value, or empty where neither the user's config nor the reference sets one. */
    public Optional<String> optionalString(String key) {
        return isSet(key) ? Optional.of(string(key)) : Optional.empty();
    }

    public int integer(String key) {
        return get(key, () -> config.getInt(quote(key)));
    }

    /** For a default computed at run time (reference.conf has {@code key = null}): {@code fallback} when unset. */
    public int integer(String key, int fallback) {
        return isSet(key) ? integer(key) : fallback;
    }

    public long longValue(String key) {
        return get(key, () -> config.getLong(quote(key)));
    }

    public double decimal(String key) {
        return get(key, () -> config.getDouble(quote(key)));
    }

    /** For a default computed at run time (reference.conf has {@code key = null}): {@code fallback} when unset. */
    public double decimal(String key, double fallback) {
        return isSet(key) ? decimal(key) : fallback;
    }

    public boolean bool(String key) {
        return get(key, () -> config.getBoolean(quote(key)));
    }

    /** For a default computed at run time (reference.conf has {@code key = null}): {@code fallback} when unset. */
    public boolean bool(String key, boolean fallback) {
        return isSet(key) ? bool(key) : fallback;
    }

    /** A size such as {@code 10 MB} or {@code 512k}, in bytes. */
    public long bytes(String key) {
        return get(key, () -> config.getBytes(quote(key)));
    }

    /** For a default computed at run time (reference.conf has {@code key = null}): {@code fallback} when unset. */
    public long bytes(String key, long fallback) {
        return isSet(key) ? bytes(key) : fallback;
    }

    /** A duration such as {@code 30s} or {@code 10m}. */
    public java.time.Duration duration(String key) {
        return get(key, () -> config.getDuration(quote(key)));
    }

    public List<String> strings(String key) {
        return get(key, () -> List.copyOf(config.getStringList(quote(key))));
    }

    /** For a default computed at run time (reference.conf has {@code key = null}): {@code fallback} when unset. */
    public List<String> strings(String key, List<String> fallback) {
        return isSet(key) ? strings(key) : fallback;
    }

    /**
     * A nested object over its reference section; an absent key gives an empty section, so its
     * keys take their defaults.
     */
    public Settings section(String key) {
        mark(key);
        Config ref = referenceObject(key);
        Config own = user.hasPath(quote(key)) ? get(key, () -> user.getConfig(quote(key))) : ConfigFactory.empty();
        return new Settings(own, ref, referenceName(key), name(key));
    }

    /**
     * A list of objects, such as {@code sources = [ {...}, {...} ]}, each over the reference
     * section {@code itemDefaults} of this object (e.g. {@code source-defaults}), which is not
     * itself a key users may set.
     */
    public List<Settings> sections(String key, String itemDefaults) {
        mark(key);
        Config ref = referenceObject(itemDefaults);
        if (!isSet(key)) {
            return List.of();
        }
        List<? extends Config> list = get(key, () -> config.getConfigList(quote(key)));
        List<Settings> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(new Settings(list.get(i), ref, referenceName(itemDefaults), name(key) + "[" + i + "]"));
        }
        return out;
    }

    /**
     * An open map of names to numbers, such as {@code weights { web = 0.5, code = 0.15 }}; its
     * keys are data, not settings, so they are not checked against a known list. The user's map
     * replaces the reference's whole, never merged with it.
     */
    public Map<String, Double> numberMap(String key) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        Config map = openMap(key);
        if (map == null) {
            return out;
        }
        for (Map.Entry<String, ConfigValue> e : map.root().entrySet()) {
            if (e.getValue().valueType() != ConfigValueType.NUMBER) {
                throw new InvalidConfigException(name(key) + "." + e.getKey() + " must be a number, got "
                        + e.getValue().valueType().name().toLowerCase() + " (" + e.getValue().render() + ")");
            }
            out.put(e.getKey(), ((Number) e.getValue().unwrapped()).doubleValue());
        }
        return out;
    }

    /**
     * An open map of names to strings, flattened: {@code conf { spark.sql.shuffle.partitions = 8 }}
     * gives {@code "spark.sql.shuffle.partitions" -> "8"}. Keys are data, not checked; the user's
     * map replaces the reference's whole.
     */
    public Map<String, String> flatStrings(String key) {
        Map<String, String> out = new java.util.TreeMap<>();
        Config map = openMap(key);
        if (map == null) {
            return out;
        }
        for (Map.Entry<String, ConfigValue> e : map.entrySet()) {
            String name = String.join(".", com.typesafe.config.ConfigUtil.splitPath(e.getKey()));
            Object value = e.getValue().unwrapped();
            if (value instanceof java.util.List || value instanceof Map) {
                throw new InvalidConfigException(name(key) + "." + name + " must be a string or a number");
            }
            out.put(name, String.valueOf(value));
        }
        return out;
    }

    /** The user's map at {@code key}, else the reference's; null when neither sets one. */
    private Config openMap(String key) {
        mark(key);
        String q = quote(key);
        if (user.hasPath(q)) {
            return get(key, () -> user.getConfig(q));
        }
        return reference.hasPath(q) ? get(key, () -> reference.getConfig(q)) : null;
    }

    /** The user's own subtree, without defaults, for code that renders the resolved config into a manifest. */
    public Config raw() {
        return user;
    }

    /** Throws naming every key of the user's object that no code read. */
    public void requireNoUnknownKeys() {
        List<String> unknown = new ArrayList<>();
        for (String key : user.root().keySet()) {
            if (!read.contains(key)) {
                unknown.add(name(key));
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidConfigException("unknown config key" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + " (known keys here: " + String.join(", ", read) + ")");
        }
    }

    /** Throws unless {@code value} is one of {@code allowed}, naming the key. */
    public String oneOf(String key, String value, Set<String> allowed) {
        if (!allowed.contains(value)) {
            throw new InvalidConfigException(name(key) + " = '" + value + "' is not one of " + new TreeSet<>(allowed));
        }
        return value;
    }

    /** Throws unless {@code lo <= value <= hi}, naming the key. */
    public double inRange(String key, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw new InvalidConfigException(name(key) + " = " + value + " is outside [" + lo + ", " + hi + "]");
        }
        return value;
    }

    private interface Read<T> {
        T get();
    }

    private <T> T get(String key, Read<T> read) {
        mark(key);
        if (!config.hasPath(quote(key))) {
            throw new InvalidConfigException(name(key) + " is required: it has no default");
        }
        try {
            return read.get();
        } catch (ConfigException.WrongType e) {
            throw new InvalidConfigException(name(key) + " has the wrong type: " + e.getMessage(), e);
        } catch (ConfigException e) {
            throw new InvalidConfigException(name(key) + ": " + e.getMessage(), e);
        }
    }

    /** Whether the user's config or the reference gives {@code key} a value (not null). */
    private boolean isSet(String key) {
        mark(key);
        return config.hasPath(quote(key));
    }

    /** Notes {@code key} as read; throws unless reference.conf lists it. */
    private void mark(String key) {
        read.add(key);
        requireReference(key);
    }

    /** Throws unless reference.conf lists {@code key}; records it for {@link #recordReads}. */
    private void requireReference(String key) {
        Set<String> recording = RECORDING.get();
        if (recording != null) {
            recording.add(referenceName(key));
        }
        if (!reference.hasPathOrNull(quote(key))) {
            throw new IllegalStateException(referenceName(key) + " (read as " + name(key)
                    + ") is missing from reference.conf: every key the code reads needs an entry there");
        }
    }

    /** The reference's object at {@code key}; not a read of the user's key (item defaults are no user key). */
    private Config referenceObject(String key) {
        requireReference(key);
        String q = quote(key);
        if (!reference.hasPath(q) || reference.getValue(q).valueType() != ConfigValueType.OBJECT) {
            throw new IllegalStateException(referenceName(key) + " must be an object in reference.conf");
        }
        return reference.getConfig(q);
    }

    /** Keys such as {@code zh-Hans} or {@code a.b} must not be read as paths. */
    private static String quote(String key) {
        return com.typesafe.config.ConfigUtil.joinPath(key);
    }
}
