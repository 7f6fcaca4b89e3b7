package io.lmforge.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The public test data that {@code bin/fetch-test-data} puts under {@code .cache/testdata/}
 * (Debian and npm packages). A test that needs it fails, never skips, when it is missing: CI
 * fetches it.
 */
public final class TestData {
    private TestData() {
    }

    /** {@code .cache/testdata/relative}, or an assertion error that says how to get it. */
    public static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new AssertionError("test data " + p + " is missing: run bin/fetch-test-data");
        }
        try {
            return p.toRealPath(); // parts of the cache are links into unpacked packages
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Up to {@code max} files under {@code .cache/testdata/relative} whose names end with
     * {@code suffix}, in sorted path order, each read as UTF-8 (a {@code .gz} file decompressed).
     */
    public static List<String> texts(String relative, String suffix, int max) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(path(relative))) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().limit(max)::iterator) {
                out.add(read(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public static String read(Path f) throws IOException {
        try (InputStream in = f.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(f))
                : Files.newInputStream(f)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The repository root: the nearest directory up from the working directory with {@code bin/fetch-test-data}. */
    public static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isExecutable(d.resolve("bin/fetch-test-data"))) {
                return d;
            }
        }
        throw new AssertionError("cannot find the repository root (bin/fetch-test-data) above " + dir);
    }

    /**
     * The text of a committed config ({@code conf/NAME}) with its relative source paths that start
     * with {@code prefix} made absolute under {@code dir}: the config as it runs from the
     * repository root, for tests whose working directory is a module's.
     */
    public static String config(String name, String prefix, Path dir) throws IOException {
        return Files.readString(repoRoot().resolve("conf").resolve(name))
                .replace("path = \"" + prefix, "path = \"" + dir.toAbsolutePath() + "/");
    }

    private static Path root() {
        return repoRoot().resolve(".cache/testdata");
    }
}
