package io.lmforge.report;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Opens a report in Debian's headless Chromium ({@code chromium --headless --dump-dom}) and reads
 * back the DOM after its scripts ran: which charts {@link ReportPage}'s script drew, and the script
 * errors it listed. Tests that need it skip when Chromium is absent, except on CI ({@code CI=true},
 * where {@code .ci/run} installs it), where its absence is a failure.
 */
public final class HeadlessChromium {
    private static final Pattern FIGURE = Pattern.compile(
            "<figure class=\"chart\" id=\"chart-([a-z0-9-]+)\" data-rendered=\"([a-z]+)\">(.*?)</figure>", Pattern.DOTALL);
    private static final Pattern ERRORS = Pattern.compile("<ul id=\"script-errors\" hidden=\"\">(.*?)</ul>", Pattern.DOTALL);
    private static final Pattern ITEM = Pattern.compile("<li>(.*?)</li>", Pattern.DOTALL);

    private HeadlessChromium() {
    }

    /** A page after its scripts ran. */
    public record Page(String dom, List<Figure> figures, List<String> scriptErrors) {
        public Optional<Figure> figure(String id) {
            return figures.stream().filter(f -> f.id().equals(id)).findFirst();
        }
    }

    /** A chart's figure: whether the page's script drew it, and the SVG ECharts drew in it. */
    public record Figure(String id, String rendered, String svg) {
        public boolean drawn() {
            return rendered.equals("true") && svg.contains("<svg");
        }
    }

    /** Skips the calling test when there is no Chromium here (never on CI). */
    public static Path require() {
        Optional<Path> binary = binary();
        if (binary.isEmpty() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("chromium is not installed, and CI=true: .ci/run installs it (apt-get install chromium)");
        }
        assumeTrue(binary.isPresent(), "chromium is not installed here (apt-get install chromium): the report "
                + "rendering check is skipped; CI installs it and runs it");
        return binary.get();
    }

    static Optional<Path> binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** Loads {@code html} from disk with the network off and returns the DOM once its scripts ran. */
    public static Page open(Path html) throws IOException, InterruptedException {
        Path chromium = require();
        Path profile = Files.createTempDirectory("chromium-profile");
        try {
            List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
                    "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                    "--user-data-dir=" + profile, "--window-size=1280,2000", "--virtual-time-budget=10000",
                    // Anything the page tried to fetch would fail: it must need nothing.
                    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                    "--dump-dom", html.toUri().toString()));
            Path out = profile.resolve("dom.html");
            Path err = profile.resolve("stderr.txt");
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium did not finish in 90 s on " + html);
            }
            String dom = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0 || dom.isBlank()) {
                throw new AssertionError("chromium exited " + p.exitValue() + " on " + html + ": "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return parse(dom);
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    static Page parse(String dom) {
        List<Figure> figures = new ArrayList<>();
        Matcher m = FIGURE.matcher(dom);
        while (m.find()) {
            figures.add(new Figure(m.group(1), m.group(2), m.group(3)));
        }
        List<String> errors = new ArrayList<>();
        Matcher e = ERRORS.matcher(dom);
        if (e.find()) {
            Matcher item = ITEM.matcher(e.group(1));
            while (item.find()) {
                errors.add(item.group(1));
            }
        } else {
            errors.add("the page has no #script-errors list: it did not load as a report");
        }
        return new Page(dom, figures, errors);
    }
}
