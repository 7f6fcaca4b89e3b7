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
 * A view of one HOCON object that remembers which keys were read.
 *
 * <p>Typesafe Config ignores keys nobody asks for, so a misspelt {@code max-epocs} would silently
 * fall back to its default. Every config class reads its keys through this view and ends with
 * {@link #requireNoUnknownKeys()}, which turns any key it did not read into an error naming the
 * key's full path. Wrong types are reported by Typesafe with the path too; we re-throw them as
 * {@link InvalidConfigException} so callers catch one type.
 */
public final class Settings {
    private final Config config;
    private final String path;
    private final Set<String> read = new TreeSet<>();

    private Settings(Config config, String path) {
        this.config = config;
        this.path = path;
    }

    /** The root of a config, with {@code path} ("" at the top) used to name keys in errors. */
    public static Settings of(Config config, String path) {
        return new Settings(config, path);
    }

    /** Parses a HOCON file, resolving substitutions and environment variables. */
    public static Settings load(File file) {
        if (!file.isFile()) {
            throw new InvalidConfigException("config file not found: " + file);
        }
        try {
            return of(ConfigFactory.parseFile(file).resolve(), "");
        } catch (ConfigException e) {
            throw new InvalidConfigException(e.getMessage(), e);
        }
    }

    /** Parses HOCON text; {@code origin} (a file name) is used in error messages. */
    public static Settings parse(String hocon, String origin) {
        try {
            return of(ConfigFactory.parseString(hocon,
                    com.typesafe.config.ConfigParseOptions.defaults().setOriginDescription(origin)).resolve(), "");
        } catch (ConfigException e) {
            throw new InvalidConfigException(e.getMessage(), e);
        }
    }

    public String path() {
        return path;
    }

    /** The full name of {@code key}, as errors print it. */
    public String name(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public boolean has(String key) {
        read.add(key);
        return config.hasPath(quote(key));
    }

    public String string(String key) {
        return get(key, () -> config.getString(quote(key)));
    }

    public String string(String key, String fallback) {
        return has(key) ? string(key) : fallback;
    }

    public Optional<String> optionalString(String key) {
        return has(key) ? Optional.of(string(key)) : Optional.empty();
    }

    public int integer(String key) {
        return get(key, () -> config.getInt(quote(key)));
    }

    public int integer(String key, int fallback) {
        return has(key) ? integer(key) : fallback;
    }

    public long longValue(String key, long fallback) {
        return has(key) ? get(key, () -> config.getLong(quote(key))) : fallback;
    }

    public double decimal(String key) {
        return get(key, () -> config.getDouble(quote(key)));
    }

    public double decimal(String key, double fallback) {
        return has(key) ? decimal(key) : fallback;
    }

    public boolean bool(String key, boolean fallback) {
        return has(key) ? get(key, () -> config.getBoolean(quote(key))) : fallback;
    }

    /** A size such as {@code 10 MB} or {@code 512k}, in bytes. */
    public long bytes(String key, long fallback) {
        return has(key) ? get(key, () -> config.getBytes(quote(key))) : fallback;
    }

    public List<String> strings(String key, List<String> fallback) {
        return has(key) ? get(key, () -> List.copyOf(config.getStringList(quote(key)))) : fallback;
    }

    public List<Double> decimals(String key, List<Double> fallback) {
        return has(key) ? get(key, () -> List.copyOf(config.getDoubleList(quote(key)))) : fallback;
    }

    /** A nested object; an absent key gives an empty section, so its keys take their defaults. */
    public Settings section(String key) {
        if (!has(key)) {
            return new Settings(ConfigFactory.empty(), name(key));
        }
        return new Settings(get(key, () -> config.getConfig(quote(key))), name(key));
    }

    /** A list of objects, such as {@code sources = [ {...}, {...} ]}. */
    public List<Settings> sections(String key) {
        if (!has(key)) {
            return List.of();
        }
        List<? extends Config> list = get(key, () -> config.getConfigList(quote(key)));
        List<Settings> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(new Settings(list.get(i), name(key) + "[" + i + "]"));
        }
        return out;
    }

    /**
     * An open map of names to numbers, such as {@code weights { web = 0.5, code = 0.15 }}; its
     * keys are data, not settings, so they are not checked against a known list.
     */
    public Map<String, Double> numberMap(String key) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        if (!has(key)) {
            return out;
        }
        Config map = get(key, () -> config.getConfig(quote(key)));
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
     * gives {@code "spark.sql.shuffle.partitions" -> "8"}. Keys are data, not checked.
     */
    public Map<String, String> flatStrings(String key) {
        Map<String, String> out = new java.util.TreeMap<>();
        if (!has(key)) {
            return out;
        }
        Config map = get(key, () -> config.getConfig(quote(key)));
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

    /** The untouched subtree, for code that renders the resolved config into a manifest. */
    public Config raw() {
        return config;
    }

    /** Throws naming every key of this object that no code read. */
    public void requireNoUnknownKeys() {
        List<String> unknown = new ArrayList<>();
        for (String key : config.root().keySet()) {
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
        this.read.add(key);
        try {
            return read.get();
        } catch (ConfigException.WrongType e) {
            throw new InvalidConfigException(name(key) + " has the wrong type: " + e.getMessage(), e);
        } catch (ConfigException e) {
            throw new InvalidConfigException(name(key) + ": " + e.getMessage(), e);
        }
    }

    /** Keys such as {@code zh-Hans} or {@code a.b} must not be read as paths. */
    private static String quote(String key) {
        return com.typesafe.config.ConfigUtil.joinPath(key);
    }
}
