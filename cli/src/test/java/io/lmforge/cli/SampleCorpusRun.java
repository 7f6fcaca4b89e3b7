package io.lmforge.cli;

import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.TestData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One run of the committed {@code conf/sample.conf}, every stage and artifact, shared by the tests
 * of this module's JVM that read a complete run (the notebook's SQL, the run report) so that the
 * suite pays for it once. A second source reads the same FAQ file, so that dedup removes copies and
 * there are duplicate clusters to show (the sample alone has none).
 */
public final class SampleCorpusRun {
    private static CorpusRun run;

    private SampleCorpusRun() {
    }

    public static synchronized CorpusRun get() {
        if (run == null) {
            try {
                Path dir = Files.createTempDirectory("sample-corpus-run");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
                run = CorpusRun.run(config(), dir.resolve("out"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return run;
    }

    /** The run's config (HOCON), with absolute paths to the committed samples. */
    public static String config() throws IOException {
        Path samples = TestData.repoRoot().resolve("samples");
        return TestData.config("sample.conf", "samples/", samples)
                + "\nsources += { name = faq-mirror, format = jsonl, path = "
                + CorpusRun.quote(samples.resolve("dialog")) + ", domain = dialog }\n";
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: the system cleans it eventually
        }
    }
}
