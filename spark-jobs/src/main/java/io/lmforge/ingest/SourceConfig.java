package io.lmforge.ingest;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One entry of the config's {@code sources} list:
 * {@code { name = cc, format = warc, path = "s3a://bucket/cc/*.warc.gz", domain = web }}.
 *
 * @param name           unique; written to every row's {@code source} column
 * @param format         how its files are read
 * @param path           a Hadoop glob (file://, hdfs://, s3a://; no scheme means the default filesystem)
 * @param domain         the rows' domain unless a record names its own (default: the source name)
 * @param maxRecordBytes a record larger than this is quarantined, never loaded whole
 * @param options        format-specific settings, checked against {@link SourceFormat#options()}
 */
public record SourceConfig(String name, SourceFormat format, String path, String domain,
                           long maxRecordBytes, Map<String, String> options) implements Serializable {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    public SourceConfig {
        options = Map.copyOf(options);
    }

    public static SourceConfig from(Settings s, IngestSettings defaults) {
        String name = s.string("name");
        if (!NAME.matcher(name).matches()) {
            throw new InvalidConfigException(s.name("name") + " = '" + name
                    + "': use letters, digits, '.', '_' and '-', starting with a letter or digit");
        }
        SourceFormat format = SourceFormat.parse(s.string("format"), s.name("format"));
        String path = s.string("path");
        String domain = s.string("domain", name);
        long maxRecordBytes = s.bytes("max-record-bytes", defaults.maxRecordBytes());
        Map<String, String> options = new LinkedHashMap<>();
        for (String option : format.options()) {
            if (s.has(option)) {
                // A list option ({@code namespaces = [0, 14]}) travels as its comma-joined items.
                boolean list = s.raw().getValue(option).valueType() == com.typesafe.config.ConfigValueType.LIST;
                options.put(option, list ? String.join(",", s.strings(option)) : s.string(option));
            }
        }
        s.requireNoUnknownKeys();
        SourceConfig source = new SourceConfig(name, format, path, domain, maxRecordBytes, options);
        try {
            format.readers(source); // a reader checks its options here, before any file is opened
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(s.name(e.getMessage()));
        }
        return source;
    }

    public String option(String key, String fallback) {
        if (!format.options().contains(key)) {
            throw new IllegalArgumentException(format + " has no option " + key);
        }
        return options.getOrDefault(key, fallback);
    }
}
