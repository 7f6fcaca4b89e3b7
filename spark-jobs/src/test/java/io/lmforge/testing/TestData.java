package io.lmforge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Real text fetched by {@code bin/fetch-test-data} into {@code .cache/testdata}: the Debian
 * Reference in ten languages (one JSONL record per section), Russian man pages, Python's standard
 * library, Linux UAPI headers and Guava's sources. Missing data fails the test, naming the fix.
 */
public final class TestData {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Map<String, String>> RECORDS = new java.util.concurrent.ConcurrentHashMap<>();

    private TestData() {
    }

    /** The fetched-data root (the module runs tests from spark-jobs/, the data sits at the repository root). */
    public static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("bin")) && Files.isRegularFile(p.resolve("pom.xml"))
                    && Files.isDirectory(p.resolve("spark-jobs"))) {
                return p.resolve(".cache/testdata");
            }
        }
        throw new AssertionError("cannot find the repository root from " + Path.of("").toAbsolutePath());
    }

    /** A fetched file or directory; fails with the command that fetches it when it is missing. */
    public static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new AssertionError("missing test data " + p + ": run bin/fetch-test-data");
        }
        return p;
    }

    public static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records of a fetched JSONL file by id, in file order. */
    public static Map<String, String> records(String relativeJsonl) {
        return RECORDS.computeIfAbsent(relativeJsonl, f -> {
            Map<String, String> out = new LinkedHashMap<>();
            try {
                for (String line : Files.readAllLines(path(f))) {
                    JsonNode n = JSON.readTree(line);
                    out.put(n.get("id").asText(), n.get("text").asText());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        });
    }

    /** The sections of the Debian Reference in {@code lang} (en, de, fr, es, it, pt, ja, zh-cn, zh-tw, id). */
    public static List<String> debianReference(String lang) {
        return new ArrayList<>(records("multilang/debian-reference-" + lang + ".jsonl").values());
    }

    /** One section by number, as {@code bin/fetch-test-data} numbered them. */
    public static String debianReference(String lang, int section) {
        String text = records("multilang/debian-reference-" + lang + ".jsonl").get("debref-" + lang + "-" + section);
        if (text == null) {
            throw new AssertionError("no section " + section + " of the Debian Reference in " + lang);
        }
        return text;
    }

    /** The first section of at least {@code minChars} characters whose text contains none of {@code avoid}. */
    public static String longSection(String lang, int minChars, String... avoid) {
        return debianReference(lang).stream()
                .filter(t -> t.length() >= minChars)
                .filter(t -> java.util.Arrays.stream(avoid).noneMatch(t::contains))
                .findFirst().orElseThrow(() -> new AssertionError("no " + lang + " section of " + minChars + " chars"));
    }

    /** A Russian man page, troff stripped ({@code cat.1}, {@code iso_8859-4.7}...). */
    public static String manpageRu(String name) {
        String text = records("multilang/manpages-ru.jsonl").get("man-ru-" + name);
        if (text == null) {
            throw new AssertionError("no Russian man page " + name);
        }
        return text;
    }

    /** A file of Python's standard library, e.g. {@code json/decoder.py}. */
    public static String python(String file) {
        return read("pkg/libpython3.11-stdlib/usr/lib/python3.11/" + file);
    }

    /** The repository root, where {@code bin/fetch-test-data} lives. */
    public static Path repoRoot() {
        return root().getParent().getParent();
    }

    /**
     * Up to {@code max} files under {@code .cache/testdata/relative} whose names end with
     * {@code suffix}, in sorted path order, each read as UTF-8 (a {@code .gz} file decompressed).
     */
    public static List<String> texts(String relative, String suffix, int max) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(path(relative), java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().limit(max)::iterator) {
                out.add(read(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** A file as UTF-8, decompressed when its name ends in {@code .gz}. */
    public static String read(Path f) throws IOException {
        try (InputStream in = f.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(f))
                : Files.newInputStream(f)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * A config from {@code conf/} with its source paths that start with {@code prefix} moved under
     * {@code dir}, so a test runs the committed config on its own copy of the data.
     */
    public static String config(String name, String prefix, Path dir) throws IOException {
        return Files.readString(repoRoot().resolve("conf").resolve(name))
                .replace("path = \"" + prefix, "path = \"" + dir.toAbsolutePath() + "/");
    }
}
