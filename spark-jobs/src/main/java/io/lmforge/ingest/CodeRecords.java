package io.lmforge.ingest;

import io.lmforge.config.InvalidConfigException;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Records of code in a JSONL or Parquet source ({@code content = code}): each record is a code
 * file as a code tree's file would be. Its {@code code_lang} comes from the record's language
 * field (option {@code lang-field}; default {@code lang}, else {@code metadata.lang} in JSONL), or
 * else from the extension of its path field (option {@code path-field}; default {@code path},
 * else {@code metadata.path}); then the code tree's rules apply (vendored, generated, binary,
 * minified, unknown_language), and a set {@code code_lang} makes every later stage treat the row
 * as code. With {@code licenses = [mit, apache-2.0]} a record whose license field (option {@code
 * license-field}; default {@code license}, else {@code metadata.license}) is not in the list
 * (compared without case) is rejected with reason {@code license}.
 */
final class CodeRecords {
    /** The options a JSONL or Parquet source may set for records of code. */
    static final Set<String> OPTIONS = Set.of("content", "lang-field", "path-field", "license-field", "licenses");

    /** Language names as datasets write them, to the names {@link CodeLanguages} gives. */
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("c++", "cpp"), Map.entry("c#", "csharp"), Map.entry("f#", "fsharp"),
            Map.entry("js", "javascript"), Map.entry("ts", "typescript"), Map.entry("py", "python"),
            Map.entry("golang", "go"), Map.entry("shell", "shell"), Map.entry("bash", "shell"),
            Map.entry("sh", "shell"), Map.entry("objective-c", "objective-c"), Map.entry("rb", "ruby"),
            Map.entry("rs", "rust"), Map.entry("kt", "kotlin"));

    final String langField;
    final String pathField;
    final String licenseField;
    private final Set<String> licenses;

    private CodeRecords(String langField, String pathField, String licenseField, Set<String> licenses) {
        this.langField = langField;
        this.pathField = pathField;
        this.licenseField = licenseField;
        this.licenses = licenses;
    }

    /** The source's code-record rules, or null when its records are prose ({@code content} unset or {@code text}). */
    static CodeRecords of(SourceConfig source) {
        String content = source.option("content", "text");
        if (!content.equals("code")) {
            if (!content.equals("text")) {
                throw new InvalidConfigException("content = '" + content + "' is not one of [code, text]");
            }
            for (String o : OPTIONS) {
                if (!o.equals("content") && source.options().containsKey(o)) {
                    throw new InvalidConfigException(o + " applies only with content = code");
                }
            }
            return null;
        }
        String list = source.option("licenses", "");
        Set<String> licenses = list.isBlank() ? null : Arrays.stream(list.split(","))
                .map(l -> l.trim().toLowerCase(Locale.ROOT)).filter(l -> !l.isEmpty()).collect(Collectors.toSet());
        return new CodeRecords(source.option("lang-field", "lang"), source.option("path-field", "path"),
                source.option("license-field", "license"), licenses);
    }

    /**
     * Applies the rules to a record whose text is set and not blank: rejects it through {@code
     * sink} and returns false, or sets its {@code code_lang} (and a missing title to the path) and
     * returns true.
     */
    boolean admit(RawRecord record, String lang, String path, String license, RecordSink sink) {
        if (licenses != null) {
            String l = license == null ? null : license.trim().toLowerCase(Locale.ROOT);
            if (l == null || l.isEmpty() || !licenses.contains(l)) {
                sink.reject(record, "license", l == null || l.isEmpty() ? "no license" : "license " + license + " is not allowed");
                return false;
            }
        }
        String[] rejection = path == null || path.isBlank() ? null : CodeTreeReader.pathRejection(path);
        String language = language(lang, path);
        if (rejection == null && language == null) {
            rejection = path == null || path.isBlank() ? new String[]{"unknown_language", "no language field and no path"}
                    : CodeTreeReader.unknownLanguage(path.substring(path.lastIndexOf('/') + 1));
        }
        if (rejection == null) {
            rejection = CodeTreeReader.textRejection(record.text(), language);
        }
        if (rejection != null) {
            sink.reject(record, rejection[0], rejection[1]);
            return false;
        }
        record.codeLang(language);
        if (record.title() == null && path != null) {
            record.title(path);
        }
        return true;
    }

    /** The record's language: its language field, normalized, else its path's. */
    static String language(String lang, String path) {
        if (lang != null && !lang.isBlank()) {
            String l = lang.trim().toLowerCase(Locale.ROOT);
            String byExtension = CodeLanguages.of("x." + l);
            return ALIASES.getOrDefault(l, byExtension != null && !CodeLanguages.isLanguage(l) ? byExtension : l.replace(' ', '-'));
        }
        if (path != null && !path.isBlank()) {
            return CodeLanguages.of(path.substring(path.lastIndexOf('/') + 1));
        }
        return null;
    }
}
