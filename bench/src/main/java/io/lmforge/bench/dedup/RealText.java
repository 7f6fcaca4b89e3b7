package io.lmforge.bench.dedup;

import org.jsoup.Jsoup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Real documents for measuring dedup, read from the Debian packages {@code bin/fetch-test-data}
 * unpacks under {@code .cache/testdata/deb}: the Linux kernel's documentation sources (English
 * prose cut into documents of 150 to 1,200 words at paragraph breaks, and the Chinese
 * translations cut into documents of 300 to 1,500 characters) and Python's HTML documentation
 * (one document per page, with the navigation and footer every page shares: real distinct
 * documents that share boilerplate).
 */
public final class RealText {
    /** A document of the labelled set. */
    public record Doc(String id, String source, String text) {
    }

    private static final String KERNEL = "linux-doc-6.1/usr/share/doc/linux-doc-6.1/html/_sources";
    private static final String PYTHON = "python3.11-doc/usr/share/doc/python3.11/html";

    private RealText() {
    }

    /** The unpacked packages, or an error that says how to get them. */
    public static Path root(Path testdata) {
        Path deb = testdata.resolve("deb");
        for (String p : List.of(KERNEL, PYTHON)) {
            if (!Files.isDirectory(deb.resolve(p))) {
                throw new IllegalStateException("dedup test data missing: " + deb.resolve(p)
                        + " not found; run bin/fetch-test-data");
            }
        }
        return deb;
    }

    /** Kernel documentation in English, in documents of 150 to 1,200 words. */
    public static List<Doc> kernelEnglish(Path deb, int max, long seed) {
        List<Doc> out = new ArrayList<>();
        Random random = new Random(seed);
        for (Path f : files(deb.resolve(KERNEL), ".rst.txt")) {
            if (f.toString().contains("/translations/")) {
                continue;
            }
            chunk(read(f), random, new int[]{150, 300, 600, 1200}, false, "kernel", out, 50);
            if (out.size() >= max) {
                break;
            }
        }
        return out.subList(0, Math.min(max, out.size()));
    }

    /** Kernel documentation in Chinese (zh_CN), in documents of 300 to 1,500 characters. */
    public static List<Doc> kernelChinese(Path deb, int max, long seed) {
        List<Doc> out = new ArrayList<>();
        Random random = new Random(seed);
        for (Path f : files(deb.resolve(KERNEL).resolve("translations/zh_CN"), ".rst.txt")) {
            chunk(read(f), random, new int[]{300, 600, 1500}, true, "kernel-zh", out, 200);
            if (out.size() >= max) {
                break;
            }
        }
        return out.subList(0, Math.min(max, out.size()));
    }

    /** Python documentation pages as a browser shows their text, navigation and footer included. */
    public static List<Doc> pythonPages(Path deb, int max) {
        List<Doc> out = new ArrayList<>();
        for (Path f : files(deb.resolve(PYTHON), ".html")) {
            if (f.toString().contains("/_static/") || f.toString().contains("/_sources/")) {
                continue;
            }
            String text = Jsoup.parse(read(f)).text();
            if (text.split("\\s+").length >= 50) {
                out.add(new Doc("py" + out.size(), "python-docs", text));
            }
            if (out.size() >= max) {
                break;
            }
        }
        return out;
    }

    private static void chunk(String text, Random random, int[] sizes, boolean characters, String prefix,
                              List<Doc> out, int minSize) {
        StringBuilder current = new StringBuilder();
        int size = 0;
        int target = sizes[random.nextInt(sizes.length)];
        for (String paragraph : text.split("\n\\s*\n")) {
            current.append(paragraph.strip()).append("\n\n");
            size += characters ? cjkCount(paragraph) : paragraph.split("\\s+").length;
            if (size >= target) {
                out.add(new Doc(prefix + out.size(), prefix, current.toString().strip()));
                current.setLength(0);
                size = 0;
                target = sizes[random.nextInt(sizes.length)];
            }
        }
        if (size >= minSize) {
            out.add(new Doc(prefix + out.size(), prefix, current.toString().strip()));
        }
    }

    private static int cjkCount(String s) {
        return (int) s.codePoints().filter(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN).count();
    }

    private static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
