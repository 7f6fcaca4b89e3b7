package io.lmforge.ingest;

import io.lmforge.config.InvalidConfigException;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The input formats, each with its reader and the options its sources may set.
 * {@code tree} formats take every file under a matched directory as one record.
 */
public enum SourceFormat {
    JSONL("jsonl", false, with(CodeRecords.OPTIONS, "text-field", "id-field"), JsonlReader::factory),
    WARC("warc", false, Set.of(), WarcReader::factory),
    WET("wet", false, Set.of(), WetReader::factory),
    PARQUET("parquet", false, with(CodeRecords.OPTIONS, "text-column", "id-column", "url-column", "title-column",
            "domain-column"),
            ParquetReader::factory),
    TEXT("text", true, Set.of(), TextTreeReader::factory),
    CODE("code", true, Set.of(), CodeTreeReader::factory),
    MEDIAWIKI("mediawiki", false, Set.of("namespaces"), MediaWikiReader::factory);

    private final String configName;
    private final boolean tree;
    private final Set<String> options;
    private final Function<SourceConfig, RecordReaderFactory> readers;

    SourceFormat(String configName, boolean tree, Set<String> options,
                 Function<SourceConfig, RecordReaderFactory> readers) {
        this.configName = configName;
        this.tree = tree;
        this.options = options;
        this.readers = readers;
    }

    public static SourceFormat parse(String value, String key) {
        for (SourceFormat f : values()) {
            if (f.configName.equals(value.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new InvalidConfigException(key + " = '" + value + "' is not a known format; use one of "
                + Arrays.stream(values()).map(f -> f.configName).collect(Collectors.joining(", ")));
    }

    /** True when a matched directory is walked and each file in it is one record. */
    public boolean tree() {
        return tree;
    }

    private static Set<String> with(Set<String> more, String... options) {
        java.util.Set<String> all = new java.util.TreeSet<>(more);
        all.addAll(java.util.List.of(options));
        return Set.copyOf(all);
    }

    public Set<String> options() {
        return options;
    }

    public RecordReaderFactory readers(SourceConfig source) {
        return readers.apply(source);
    }

    @Override
    public String toString() {
        return configName;
    }
}
