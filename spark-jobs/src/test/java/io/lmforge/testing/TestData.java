package io.lmforge.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The public test data that {@code bin/fetch-test-data} puts under {@code .cache/testdata/}. A test
 * that needs it fails, never skips, when it is missing: CI fetches it.
 */
public final class TestData {
    private TestData() {
    }

    /** {@code .cache/testdata/relative}, which must exist. */
    public static Path path(String relative) {
        Path root = root();
        Path p = root.resolve(relative);
        if (!Files.exists(root.resolve(relative.split("/")[0]).resolve(".done")) || !Files.exists(p)) {
            throw new AssertionError("test data " + p + " is missing: run bin/fetch-test-data");
        }
        return p;
    }

    /** The repository root: the nearest directory up from the working directory with a {@code bin/fetch-test-data}. */
    public static Path repoRoot() {
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null) {
            if (Files.exists(dir.resolve("bin/fetch-test-data"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new AssertionError("cannot find the repository root (bin/fetch-test-data) above " + Paths.get("").toAbsolutePath());
    }

    /**
     * The text of a committed config ({@code conf/NAME}) with its relative source paths that start
     * with {@code prefix} made absolute under {@code dir}: the config as it runs from the
     * repository root, for tests whose working directory is a module's.
     */
    public static String config(String name, String prefix, Path dir) throws java.io.IOException {
        return Files.readString(repoRoot().resolve("conf").resolve(name))
                .replace("path = \"" + prefix, "path = \"" + dir.toAbsolutePath() + "/");
    }

    private static Path root() {
        return repoRoot().resolve(".cache/testdata");
    }
}
