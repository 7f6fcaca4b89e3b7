package io.lmforge.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lmforge.testing.TestData;
import org.netpreserve.jwarc.WarcRecord;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Writes the corpora built from public data that {@code bin/fetch-test-data} fetched: the small
 * committed sample ({@code samples/}, see samples/README.md for what each part is and its licence)
 * and the larger ingest benchmark corpus ({@code .cache/bench/ingest}). Run it with
 * {@code bin/make-corpus samples} or {@code bin/make-corpus bench}.
 */
public final class SampleCorpus {
    static final String DOCS = "https://docs.python.org/3.11/";
    static final String[] SAMPLE_PAGES = {
            "tutorial/appetite.html", "tutorial/interpreter.html", "tutorial/introduction.html",
            "tutorial/controlflow.html", "tutorial/datastructures.html", "tutorial/modules.html",
            "tutorial/inputoutput.html", "tutorial/errors.html", "tutorial/classes.html", "tutorial/stdlib.html",
            "faq/general.html", "howto/sorting.html"};
    static final String[] JWARC_FILES = {"MessageVersion.java", "WarcTruncationReason.java", "URIs.java", "WarcDigest.java"};
    static final String[] SPHINX_FILES = {"doctools.js", "searchtools.js", "sphinx_highlight.js", "language_data.js", "basic.css"};

    private SampleCorpus() {
    }

    public static void main(String[] args) throws IOException {
        Path root = TestData.repoRoot();
        if (args.length == 1 && args[0].equals("samples")) {
            samples(root.resolve("samples"));
        } else if (args.length == 2 && args[0].equals("bad-inputs")) {
            BadInputs.write(Path.of(args[1]));
        } else if (args.length == 2 && args[0].equals("bench")) {
            bench(Path.of(args[1]), 4);
        } else {
            System.err.println("usage: SampleCorpus samples | bad-inputs DIR | bench DIR");
            System.exit(2);
        }
    }

    static void samples(Path out) throws IOException {
        web(out.resolve("web"));
        books(out.resolve("books"));
        chinese(out.resolve("chinese"));
        code(out.resolve("code"));
        wiki(out.resolve("wiki"));
        faq(out.resolve("dialog"));
    }

    /** Pages of Python's documentation as a crawler would have archived them, plus what a crawl also meets. */
    static void web(Path dir) throws IOException {
        Path html = TestData.path("python-doc/html");
        List<WarcRecord> records = new ArrayList<>();
        records.add(Warcs.warcinfo("python-docs.warc.gz"));
        for (String page : SAMPLE_PAGES) {
            records.add(Warcs.request(DOCS + page));
            records.add(Warcs.response(DOCS + page, 200, "text/html; charset=utf-8", Files.readAllBytes(html.resolve(page))));
            records.add(Warcs.metadata(DOCS + page));
        }
        records.add(Warcs.response(DOCS + "_static/pydoctheme.css", 200, "text/css",
                Files.readAllBytes(html.resolve("_static/pydoctheme.css"))));
        records.add(Warcs.response(DOCS + "_static/py.png", 200, "image/png", Files.readAllBytes(html.resolve("_static/py.png"))));
        records.add(Warcs.response(DOCS + "tutorial/missing.html", 404, "text/html",
                "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>".getBytes(StandardCharsets.UTF_8)));
        write(dir.resolve("python-docs.warc.gz"), Warcs.gzipped(records.toArray(new WarcRecord[0])));
    }

    /** Ambrose Bierce, The Devil's Dictionary (1911, public domain), from the dict-devil package. */
    static void books(Path dir) throws IOException {
        String dict;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(TestData.path("devil/devil.dict.dz")))) {
            dict = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int start = dict.indexOf("The Internet Wiretap 1st Online Edition");
        start = dict.lastIndexOf('\n', start) + 1;
        write(dir.resolve("the-devils-dictionary.txt"), dict.substring(start).strip().getBytes(StandardCharsets.UTF_8));
    }

    /** The Analects (论语) chapter by chapter, and two of the Four Books: public domain texts. */
    static void chinese(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode lunyu = json.readTree(TestData.path("chinese-poetry/dist/lunyu/lunyu.json").toFile());
        int n = 1;
        for (JsonNode chapter : lunyu) {
            StringBuilder text = new StringBuilder("# 论语·" + chapter.get("chapter").asText() + "\n\n");
            chapter.get("paragraphs").forEach(p -> text.append(p.asText()).append("\n\n"));
            write(dir.resolve(String.format("lunyu/%02d-%s.md", n++, chapter.get("chapter").asText())),
                    text.toString().strip().concat("\n").getBytes(StandardCharsets.UTF_8));
        }
        for (String book : new String[]{"daxue", "zhongyong"}) {
            JsonNode node = json.readTree(TestData.path("chinese-poetry/dist/sishuwujing/" + book + ".json").toFile());
            StringBuilder text = new StringBuilder("# " + node.get("chapter").asText() + "\n\n");
            node.get("paragraphs").forEach(p -> text.append(p.asText()).append("\n\n"));
            write(dir.resolve(book + ".md"), text.toString().strip().concat("\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A small multi-language tree, with a vendored dependency and a lockfile for the code rules to find. */
    static void code(Path dir) throws IOException {
        for (String f : SPHINX_FILES) {
            copy(TestData.path("python-doc/html/_static/" + f), dir.resolve("sphinx/" + f));
        }
        for (String f : JWARC_FILES) {
            copy(TestData.path("jwarc-src/org/netpreserve/jwarc/" + f), dir.resolve("jwarc/src/main/java/org/netpreserve/jwarc/" + f));
        }
        copy(TestData.path("npm-ms/index.js"), dir.resolve("sphinx/node_modules/ms/index.js"));
        copy(TestData.path("npm-ms/license.md"), dir.resolve("sphinx/node_modules/ms/license.md"));
        copy(TestData.path("python-doc/html/_static/py.png"), dir.resolve("sphinx/py.png"));
        write(dir.resolve("sphinx/package-lock.json"), ("{\n  \"name\": \"sphinx-static\",\n  \"lockfileVersion\": 3,\n"
                + "  \"packages\": {\"node_modules/ms\": {\"version\": \"2.1.3\"}}\n}\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Five Wikipedia articles of 2004 (GFDL / CC BY-SA) that MediaWiki ships as test data, each in
     * a dump of its own wiki; the English one also holds a redirect and a talk page.
     */
    static void wiki(Path dir) throws IOException {
        Path articles = TestData.path("mediawiki/articles");
        record Article(String wiki, String file, String title) {
        }
        long id = 1;
        for (Article a : List.of(new Article("en", "washington", "Washington, D.C."), new Article("de", "berlin", "Berlin"),
                new Article("ru", "bulgakov", "Булгаков, Сергей Николаевич"), new Article("ja", "tokyo", "東京都"),
                new Article("ko", "young", "이수영"))) {
            WikiDumps dump = new WikiDumps("https://" + a.wiki() + ".wikipedia.org/wiki/Main_Page")
                    .page(id++, 0, a.title(), Files.readString(articles.resolve(a.file() + ".txt")));
            if (a.wiki().equals("en")) {
                dump.redirect(id++, "Washington DC", a.title())
                        .page(id++, 1, "Talk:" + a.title(), "Should the article say more about the Mall? --~~~~");
            }
            write(dir.resolve(a.wiki() + "wiki-2004-sample-pages-articles.xml.bz2"), dump.bz2());
        }
    }

    private static final Pattern SECTION = Pattern.compile("\\n([^\\n]+)\\n(-{3,})\\n");
    private static final Pattern ROLE = Pattern.compile(":[a-z:]+:`~?([^`<]+?)(?:\\s*<[^>]+>)?`");
    private static final Pattern LINK = Pattern.compile("`([^`<]+?)\\s*<[^>]+>`_{1,2}");

    /**
     * Questions and answers of Python's FAQ (PSF licence) in the source documents' format:
     * {@code {"context", "response", "metadata": {"domain", "difficulty"}}}. The difficulty is
     * derived from the answer's length (a stand-in: the FAQ does not grade its questions).
     */
    static void faq(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder out = new StringBuilder();
        for (String faq : new String[]{"general", "programming", "design"}) {
            String rst = Files.readString(TestData.path("python-doc/html/_sources/faq/" + faq + ".rst.txt"));
            Matcher m = SECTION.matcher(rst);
            List<int[]> sections = new ArrayList<>();
            while (m.find()) {
                sections.add(new int[]{m.start(1), m.end(1), m.end()});
            }
            int taken = 0;
            for (int i = 0; i < sections.size() && taken < 12; i++) {
                String question = rst.substring(sections.get(i)[0], sections.get(i)[1]).strip();
                int end = i + 1 < sections.size() ? sections.get(i + 1)[0] : rst.length();
                String answer = plain(rst.substring(sections.get(i)[2], end));
                int heading = answer.indexOf("\n====");
                if (heading > 0) {
                    answer = answer.substring(0, answer.lastIndexOf('\n', heading - 1)).strip();
                }
                if (!question.endsWith("?") || answer.length() < 80 || answer.contains(".. ")) {
                    continue;
                }
                ObjectNode line = json.createObjectNode();
                line.put("context", question);
                line.put("response", answer);
                ObjectNode meta = line.putObject("metadata");
                meta.put("domain", "python-faq");
                meta.put("difficulty", answer.length() < 500 ? "easy" : answer.length() < 1500 ? "medium" : "hard");
                out.append(json.writeValueAsString(line)).append('\n');
                taken++;
            }
        }
        write(dir.resolve("python-faq.jsonl"), out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The few reStructuredText constructs of the FAQ answers, as plain text. */
    private static String plain(String rst) {
        String s = ROLE.matcher(rst).replaceAll("$1");
        s = LINK.matcher(s).replaceAll("$1");
        s = s.replace("``", "").replace("::\n", ":\n");
        return s.strip();
    }

    /**
     * The benchmark corpus: every page of Python's HTML documentation in {@code copies} WARC files
     * (each page under a distinct URL per copy, Common Crawl layout with request and metadata
     * records), and the documentation's reStructuredText sources as a text tree.
     */
    static void bench(Path out, int copies) throws IOException {
        Path html = TestData.path("python-doc/html");
        List<Path> pages;
        try (Stream<Path> walk = Files.walk(html)) {
            pages = walk.filter(p -> p.toString().endsWith(".html")).sorted().toList();
        }
        for (int c = 0; c < copies; c++) {
            List<WarcRecord> records = new ArrayList<>();
            records.add(Warcs.warcinfo("python-docs-" + c + ".warc.gz"));
            for (Path p : pages) {
                String url = "https://copy" + c + ".docs.example/" + html.relativize(p);
                records.add(Warcs.request(url));
                records.add(Warcs.response(url, 200, "text/html; charset=utf-8", Files.readAllBytes(p)));
                records.add(Warcs.metadata(url));
            }
            write(out.resolve("web/python-docs-" + c + ".warc.gz"), Warcs.gzipped(records.toArray(new WarcRecord[0])));
        }
        try (Stream<Path> walk = Files.walk(html.resolve("_sources"))) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                copy(p, out.resolve("text").resolve(html.resolve("_sources").relativize(p).toString()));
            }
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        write(to, Files.readAllBytes(from));
    }

    private static void write(Path to, byte[] bytes) throws IOException {
        Files.createDirectories(to.getParent());
        Files.write(to, bytes);
        System.out.printf("%9d %s%n", bytes.length, to);
    }
}
