package io.lmforge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lmforge.pii.PiiKind;
import io.lmforge.pii.PiiMasker;
import io.lmforge.bench.pii.PlantedPii;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * {@code lmforge bench pii}: recall of the PII masker on real prose (the Debian Reference in
 * English and Chinese) with planted values of every kind, and its false-positive rate on real
 * source code (Python's standard library, Linux UAPI headers, Guava's Java sources), which the
 * data from {@code bin/fetch-test-data} provides.
 */
@Command(name = "pii", mixinStandardHelpOptions = true,
        description = "PII masking: recall on planted PII in real text, false positives on real code.")
public final class PiiBench implements Callable<Integer> {
    @Option(names = "--data", description = "fetched test data (default: .cache/testdata)")
    Path data = Path.of(".cache/testdata");

    @Option(names = "--docs", description = "carrier documents (default: 2000)")
    int docs = 2000;

    @Option(names = "--per-doc", description = "values planted per document (default: 4)")
    int perDoc = 4;

    @Option(names = "--code-files", description = "code files per language (default: 400)")
    int codeFiles = 400;

    @Option(names = "--seed", description = "random seed (default: 7)")
    long seed = 7;

    @Option(names = "--show", description = "false positives to print (default: 20)")
    int show = 20;

    @Override
    public Integer call() throws IOException {
        PiiMasker masker = PiiMasker.all();
        Random rnd = new Random(seed);
        List<PlantedPii.Doc> labelled = PlantedPii.plant(carriers(), perDoc, rnd);
        Map<PiiKind, int[]> found = new EnumMap<>(PiiKind.class);
        long bytes = 0;
        long t = System.nanoTime();
        List<String> misses = new ArrayList<>();
        for (PlantedPii.Doc doc : labelled) {
            String masked = masker.mask(doc.text()).text();
            bytes += doc.text().getBytes(StandardCharsets.UTF_8).length;
            for (PlantedPii.Planted p : doc.planted()) {
                int[] c = found.computeIfAbsent(p.kind(), k -> new int[2]);
                c[1]++;
                if (!masked.contains(p.value())) {
                    c[0]++;
                } else if (misses.size() < show) {
                    misses.add(p.kind().key() + ": " + p.value().replace("\n", "\\n"));
                }
            }
        }
        double proseSeconds = (System.nanoTime() - t) / 1e9;
        System.out.printf("PII recall on %d real documents (Debian Reference en + zh-cn) with %d planted values each%n",
                labelled.size(), perDoc);
        int hit = 0;
        int all = 0;
        for (Map.Entry<PiiKind, int[]> e : found.entrySet()) {
            System.out.printf("  %-12s %5d / %5d  recall %.4f%n", e.getKey().key(), e.getValue()[0], e.getValue()[1],
                    (double) e.getValue()[0] / e.getValue()[1]);
            hit += e.getValue()[0];
            all += e.getValue()[1];
        }
        System.out.printf("  %-12s %5d / %5d  recall %.4f   (goal >= 0.99)%n", "all", hit, all, (double) hit / all);
        misses.forEach(m -> System.out.println("  missed " + m));

        Map<String, List<String>> code = code();
        System.out.printf("%nFalse positives on real code (a file counts once if anything but an author's e-mail address in it is masked)%n");
        int files = 0;
        int flagged = 0;
        List<String> examples = new ArrayList<>();
        Map<String, Integer> byKind = new TreeMap<>();
        int emailOnly = 0;
        java.util.Set<PiiKind> others = java.util.EnumSet.allOf(PiiKind.class);
        others.remove(PiiKind.EMAIL);
        PiiMasker noEmail = new PiiMasker(others, List.of("US", "CN"));
        for (Map.Entry<String, List<String>> lang : code.entrySet()) {
            int langFlagged = 0;
            for (String file : lang.getValue()) {
                PiiMasker.Result r = masker.mask(file);
                bytes += file.getBytes(StandardCharsets.UTF_8).length;
                if (!r.counts().isEmpty()) {
                    r.counts().forEach((k, v) -> byKind.merge(k, v, Integer::sum));
                    // E-mail addresses in code are real people's (author and maintainer lines):
                    // personal data, masked on purpose, so not false positives.
                    PiiMasker.Result withoutEmail = noEmail.mask(file);
                    if (!withoutEmail.counts().isEmpty()) {
                        langFlagged++;
                        if (examples.size() < show) {
                            examples.add(lang.getKey() + " " + withoutEmail.counts() + ": "
                                    + firstChange(file, withoutEmail.text()));
                        }
                    } else {
                        emailOnly++;
                    }
                }
            }
            System.out.printf("  %-8s %4d files, %3d with a detection (%.4f)%n", lang.getKey(), lang.getValue().size(),
                    langFlagged, (double) langFlagged / lang.getValue().size());
            files += lang.getValue().size();
            flagged += langFlagged;
        }
        double seconds = (System.nanoTime() - t) / 1e9;
        System.out.printf("  %-8s %4d files, %3d with a detection: false-positive rate %.4f   (goal <= 0.01)%n",
                "all", files, flagged, (double) flagged / files);
        System.out.println("  detections by kind: " + byKind + "; files whose only finds are authors' e-mail addresses: " + emailOnly);
        examples.forEach(e -> System.out.println("  " + e));
        System.out.printf("%nthroughput: %.2f MB/s on one core (%d MB in %.1f s; prose part %.1f s)%n",
                bytes / 1e6 / seconds, bytes >> 20, seconds, proseSeconds);
        return 0;
    }

    private static String firstChange(String before, String after) {
        int i = 0;
        while (i < before.length() && i < after.length() && before.charAt(i) == after.charAt(i)) {
            i++;
        }
        int from = Math.max(0, i - 40);
        return "..." + before.substring(from, Math.min(before.length(), i + 60)).replace("\n", "\\n") + "...";
    }

    private List<String> carriers() throws IOException {
        List<String> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String lang : List.of("en", "zh-cn")) {
            Path f = require("multilang/debian-reference-" + lang + ".jsonl");
            for (String line : Files.readAllLines(f)) {
                String text = json.readTree(line).get("text").asText();
                if (text.length() > 300) {
                    out.add(text.length() > 3000 ? text.substring(0, 3000) : text);
                }
            }
        }
        Collections.shuffle(out, new Random(seed));
        List<String> sized = new ArrayList<>();
        for (int i = 0; i < docs; i++) {
            sized.add(out.get(i % out.size()));
        }
        return sized;
    }

    private Map<String, List<String>> code() throws IOException {
        Map<String, List<String>> out = new TreeMap<>();
        out.put("python", files(require("pkg/libpython3.11-stdlib/usr/lib/python3.11"), ".py"));
        out.put("c", files(require("pkg/linux-libc-dev/usr/include"), ".h"));
        List<String> java = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(require("code/guava-sources.jar")))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().endsWith(".java")) {
                    java.add(read(zip));
                }
            }
        }
        out.put("java", sample(java));
        return out;
    }

    private List<String> files(Path root, String suffix) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> p.toString().endsWith(suffix) && Files.isRegularFile(p)).sorted().toList()) {
                out.add(Files.readString(p, StandardCharsets.UTF_8));
            }
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException("not UTF-8 under " + root, e);
        }
        return sample(out);
    }

    private List<String> sample(List<String> all) {
        List<String> copy = new ArrayList<>(all);
        Collections.shuffle(copy, new Random(seed));
        return copy.subList(0, Math.min(codeFiles, copy.size()));
    }

    private static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    private Path require(String relative) {
        Path p = data.resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("missing " + p + ": run bin/fetch-test-data");
        }
        return p;
    }
}
