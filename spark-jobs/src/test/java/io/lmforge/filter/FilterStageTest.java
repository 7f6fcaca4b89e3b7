package io.lmforge.filter;

import com.typesafe.config.ConfigFactory;
import io.lmforge.clean.CleanStage;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.corpus.Columns;
import io.lmforge.testing.StageRows;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.lmforge.testing.StageRows.detail;
import static io.lmforge.testing.StageRows.reason;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every filter on real text: sections of the Debian Reference in several languages that the
 * rules pass or reject as they stand (tables, tables of contents, repeated command listings), and
 * real text turned into the kind of page a rule is for where the Reference has none (bullet
 * spam, teaser lists, hashtag spam).
 */
class FilterStageTest {
    static String en;
    static String zh;

    @BeforeAll
    static void realText() {
        en = TestData.debianReference("en", 633);
        zh = TestData.debianReference("zh-cn", 633);
    }

    static FilterStage stage(String hocon) {
        return FilterStage.from(Settings.of(ConfigFactory.parseString(hocon), "lmforge.corpus", "filter"));
    }

    /** Cleans with the defaults first, as the pipeline does, then filters. */
    static Map<String, Row> run(String hocon, StageRows rows) {
        CleanStage clean = CleanStage.from(Settings.of(ConfigFactory.parseString(""), "lmforge.corpus", "clean"));
        return StageRows.byId(stage(hocon).apply(clean.apply(rows.dataset(), null).rows(), null).rows());
    }

    /** A text that one step alone must reject with a reason and detail starting as given (or keep: null). */
    record Case(String step, String text, String reasonPrefix, String detailPrefix) {
    }

    static Case rejects(String step, String text, String reasonPrefix, String detailPrefix) {
        return new Case(step, text, reasonPrefix, detailPrefix);
    }

    static Case keeps(String step, String text) {
        return new Case(step, text, null, null);
    }

    /**
     * Checks each case against its step's rules alone. All cases go through cleaning and the
     * default filter in one Spark job (a job per case costs a second or more): the stage measures
     * every step's signals on every kept prose row, whichever rule rejects it first, so each
     * step's own rules can then be read off its signals, as if it ran alone.
     */
    static void assertCases(List<Case> cases) {
        StageRows rows = new StageRows();
        for (int i = 0; i < cases.size(); i++) {
            rows.prose(Integer.toString(i), cases.get(i).text());
        }
        List<Column> columns = new ArrayList<>(List.of(col(Columns.ID)));
        for (String step : cases.stream().map(Case::step).distinct().toList()) {
            List<FilterStep.Rule> rules = FilterStage.STEPS.get(step)
                    .apply(Settings.of(ConfigFactory.parseString(""), "lmforge.corpus", "filter." + step)).rules();
            columns.add(coalesce(rules.stream().map(r -> when(r.fails(), lit(r.reason()))).toArray(Column[]::new))
                    .as("reason:" + step));
            columns.add(coalesce(rules.stream().map(r -> when(r.fails(), r.detail())).toArray(Column[]::new))
                    .as("detail:" + step));
        }
        Map<String, Row> out = StageRows.byId(stage("").apply(
                CleanStage.from(Settings.of(ConfigFactory.parseString(""), "lmforge.corpus", "clean")).apply(rows.dataset(), null).rows(), null).rows()
                .select(columns.toArray(new Column[0])));
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            Row r = out.get(Integer.toString(i));
            String reason = r.getAs("reason:" + c.step());
            String detail = r.getAs("detail:" + c.step());
            String what = "case " + i + " (" + c.step() + ")";
            if (c.reasonPrefix() == null) {
                assertNull(reason, what + " rejected: " + detail);
                continue;
            }
            assertNotNull(reason, what + " kept the text");
            assertTrue(reason.startsWith(c.reasonPrefix()), what + ": " + reason);
            assertTrue(String.valueOf(detail).startsWith(c.detailPrefix()), what + ": " + detail);
        }
    }

    @Test
    void goodRealProseInFiveLanguagesPassesEveryDefaultStep() {
        StageRows rows = new StageRows().prose("en", en).prose("zh", zh)
                .prose("ja", TestData.debianReference("ja", 633))
                .prose("de", TestData.debianReference("de", 267))
                .prose("ru", TestData.manpageRu("iconv.1"))
                // The sample corpus: a chapter of the Analects (one short saying per line) and a
                // whole book with five "{EPITAPH}"-style cross-references.
                .prose("lunyu", sample("chinese/lunyu/04-里仁篇.md"))
                .prose("book", sample("books/the-devils-dictionary.txt"));
        Map<String, Row> out = run("", rows);
        for (Map.Entry<String, Row> e : out.entrySet()) {
            assertNull(reason(e.getValue()), e.getKey() + ": " + detail(e.getValue()));
        }
        // Chinese has no spaces, yet counts hundreds of words (one per character).
        assertTrue(out.get("zh").<Integer>getAs("word_count") > 500, "zh word_count " + out.get("zh").getAs("word_count"));
        assertNull(out.get("zh").getAs("mean_word_length"), "mean word length is not measured on Chinese");
        assertTrue(out.get("zh").<Integer>getAs("stopword_count") >= 2);
        double meanEn = out.get("en").getAs("mean_word_length");
        assertTrue(meanEn > 3 && meanEn < 10, "en mean word length " + meanEn);
        // Counted in characters, most of the Analects' lines would be "short" (0.85 of them).
        assertTrue(out.get("lunyu").<Double>getAs("short_line_share") < 0.5, "" + out.get("lunyu").getAs("short_line_share"));
        assertTrue(out.get("book").<Double>getAs("curly_brace_word_ratio") > 0, "the book has braces");
    }

    @Test
    void realSectionsThatEachRuleRejects() {
        // Sections of the Reference that fail a rule as written: a section that is only a
        // heading, ASCII tables, a table of contents...; and Sphinx's JavaScript as a page's text.
        List<Case> cases = new ArrayList<>(List.of(
                rejects("word-count", TestData.debianReference("en", 385), "too_few_words", "word_count="),
                rejects("curly-brace", TestData.read("python-doc/html/_static/searchtools.js"), "curly_brace",
                        "curly_brace_word_ratio="),
                rejects("duplicate-lines", TestData.debianReference("en", 538), "duplicate_line_chars", "dup_line_char_share="),
                rejects("duplicate-paragraphs", TestData.debianReference("en", 271), "duplicate_paragraph", "dup_paragraph"),
                rejects("symbol-ratio", TestData.debianReference("en", 504), "too_many_hashes", "hash_word_ratio="),
                rejects("top-ngrams", TestData.debianReference("en", 273), "top_2grams", "top_2gram_char_share="),
                rejects("duplicate-ngrams", TestData.debianReference("en", 211), "duplicate_", "dup_"),
                rejects("short-lines", TestData.debianReference("zh-cn", 2), "short_lines", "short_line_share="),
                rejects("terminal-punct", TestData.debianReference("zh-cn", 5), "no_terminal_punct", "terminal_punct_line_share="),
                rejects("alpha-words", TestData.manpageRu("iso_8859-4.7"), "few_alpha_words", "alpha_word_share="),
                // A shell example with ${VAR} is documentation, not leaked code.
                keeps("curly-brace", TestData.debianReference("en", 238))));
        // The same rules pass the good sections.
        for (String step : io.lmforge.config.Settings.reference().getStringList("lmforge.corpus.filter.steps")) {
            if (!step.startsWith("code-")) {
                cases.add(keeps(step, en));
            }
        }
        assertCases(cases);
    }

    @Test
    void realTextMadeIntoThePagesTheOtherRulesAreFor() {
        String[] lines = en.split("\\n");
        String bullets = Arrays.stream(lines).map(l -> "\u2022 " + l).collect(Collectors.joining("\n"));
        String teasers = Arrays.stream(lines).filter(l -> l.length() > 20)
                .map(l -> l.substring(0, 20) + "...").collect(Collectors.joining("\n"));
        String shortWords = Arrays.stream(en.split("\\s+")).filter(w -> w.length() <= 2).collect(Collectors.joining(" "));
        String glued = en.replaceAll("\\s+(\\S+)\\s+", "$1");
        String keywords = Arrays.stream(en.split("\\s+"))
                .filter(w -> !Stopwords.DEFAULT_WORDS.contains(w.replaceAll("\\p{Punct}", "").toLowerCase())).collect(Collectors.joining(" "));
        String firstLine = Arrays.stream(lines).filter(l -> !l.isBlank()).findFirst().orElseThrow();
        String notice = "Please enable JavaScript to view this page.\nJavaScript is disabled in your browser.\n" + firstLine;
        assertCases(List.of(
                rejects("bullet-lines", bullets, "bullet_lines", "bullet_line_share=1.0 > max 0.9"),
                rejects("ellipsis-lines", teasers, "ellipsis_lines", "ellipsis_line_share="),
                rejects("mean-word-length", shortWords, "short_mean_word_length", "mean_word_length="),
                rejects("mean-word-length", glued, "long_mean_word_length", "mean_word_length="),
                rejects("stopwords", keywords, "few_stopwords", "stopword_count="),
                rejects("lorem-ipsum", en + "\n\nLorem ipsum dolor sit amet, consectetur adipiscing elit.", "lorem_ipsum", ""),
                rejects("javascript", notice, "javascript_lines", "javascript_line_share=0.6667 > max 0.4"),
                keeps("javascript", en + "\nThis page works best with JavaScript enabled."),
                rejects("duplicate-paragraphs", en + "\n\n" + en, "duplicate_paragraph", "")));
    }

    @Test
    void codeGetsCodeRulesNotProseRules() {
        String decoder = TestData.python("json/decoder.py");
        String minified = decoder.replace("\n", "; ");
        String skeleton = decoder.replaceAll("[A-Za-z0-9]", "");
        String generated = TestData.python("pydoc_data/topics.py");
        Map<String, Row> out = run("", new StageRows()
                .code("decoder", decoder, "python").code("minified", minified, "python")
                .code("skeleton", skeleton, "python").code("generated", generated, "python")
                .prose("decoder-as-prose", decoder));
        assertNull(reason(out.get("decoder")), detail(out.get("decoder")));
        assertNull(out.get("decoder").getAs("word_count"), "prose signals are not measured on code");
        assertEquals("code_long_line", reason(out.get("minified")));
        assertEquals("code_low_alnum", reason(out.get("skeleton")));
        assertEquals("code_autogenerated", reason(out.get("generated")));
        assertNotNull(reason(out.get("decoder-as-prose")), "the same file as prose fails prose rules");
        assertNull(out.get("decoder-as-prose").getAs("code_alnum_share"), "code signals are not measured on prose");
    }

    @Test
    void stepsRunInConfiguredOrderAndCanBeScopedToDomains() {
        // Braces (a shell transcript) and repeated table lines, both real.
        String bad = TestData.debianReference("en", 238) + "\n\n" + TestData.debianReference("en", 538);
        // C4's own rule (any brace) with max-ratio = 0.
        Map<String, Row> a = run("steps = [curly-brace, duplicate-lines], curly-brace.max-ratio = 0", new StageRows().prose("x", bad));
        Map<String, Row> b = run("steps = [duplicate-lines, curly-brace], curly-brace.max-ratio = 0", new StageRows().prose("x", bad));
        assertEquals("curly_brace", reason(a.get("x")));
        assertTrue(reason(b.get("x")).startsWith("duplicate_line"), reason(b.get("x")));
        Map<String, Row> scoped = run("steps = [curly-brace], skip-domains = [dialog], curly-brace { domains = [web], max-ratio = 0 }",
                new StageRows().add("web", bad, null, "web").add("wiki", bad, null, "wiki").add("dialog", bad, null, "dialog"));
        assertEquals("curly_brace", reason(scoped.get("web")));
        assertNull(reason(scoped.get("wiki")));
        assertNull(scoped.get("wiki").getAs("curly_brace_word_ratio"), "a step out of its domains measures nothing");
        assertNull(reason(scoped.get("dialog")));
    }

    @Test
    void thresholdsComeFromConfig() {
        String section = TestData.debianReference("en", 385);
        assertNull(reason(run("steps = [word-count], word-count { min = 1 }", new StageRows().prose("x", section)).get("x")));
        assertEquals("top_3grams", reason(run("steps = [top-ngrams], top-ngrams { limits { 3 = 0.0001 } }",
                new StageRows().prose("x", en)).get("x")));
        // C4's rule as written: any brace rejects the page, so the whole book goes for "{EPITAPH}".
        Row book = run("steps = [curly-brace], curly-brace.max-ratio = 0",
                new StageRows().prose("book", sample("books/the-devils-dictionary.txt"))).get("book");
        assertEquals("curly_brace", reason(book));
        assertTrue(detail(book).endsWith("> max 0"), detail(book));
    }

    @Test
    void tokenCountWithDeepSeekV3sReleasedTokenizer() {
        String tokenizer = TestData.path("npm/tokenizer-deepseek_v3/models/tokenizer.json").toString();
        List<String> sections = TestData.debianReference("en");
        String small = sections.stream().filter(t -> t.length() > 200 && t.length() < 600).findFirst().orElseThrow();
        String medium = sections.stream().filter(t -> t.length() > 4000 && t.length() < 6000).findFirst().orElseThrow();
        String large = sections.stream().max(java.util.Comparator.comparingInt(String::length)).orElseThrow();
        StageRows rows = new StageRows().prose("small", small).prose("medium", medium).prose("large", large)
                .prose("zh", zh).prose("hello", "Hello, world!")
                // Text that spells a special token is text: no single <bos> id, and no document loss.
                .prose("special", "<\uFF5Cbegin\u2581of\u2581sentence\uFF5C>");
        Map<String, Row> out = run("steps = [token-count], token-count { tokenizer = \"" + tokenizer + "\" }", rows);
        assertEquals(4, out.get("hello").<Integer>getAs("token_count"), "Hello , world !");
        assertTrue(out.get("special").<Integer>getAs("token_count") > 1);
        assertEquals("too_few_tokens", reason(out.get("small")));
        assertTrue(detail(out.get("small")).startsWith("token_count="), detail(out.get("small")));
        assertTrue(detail(out.get("small")).endsWith("< min 512"), detail(out.get("small")));
        assertNull(reason(out.get("medium")), detail(out.get("medium")));
        assertEquals("too_many_tokens", reason(out.get("large")));
        // English runs at about four characters a token in a 128k-vocabulary BPE, Chinese near one or two.
        int mediumTokens = out.get("medium").getAs("token_count");
        assertTrue(mediumTokens > medium.length() / 8 && mediumTokens < medium.length() / 2, medium.length() + " chars, " + mediumTokens);
        int zhTokens = out.get("zh").getAs("token_count");
        long zhChars = zh.codePoints().filter(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN).count();
        assertTrue(zhTokens > zhChars / 3 && zhTokens < 2 * zh.length(), zhChars + " Han characters, " + zhTokens);
        // Bounds come from config.
        assertNull(reason(run("steps = [token-count], token-count { tokenizer = \"" + tokenizer + "\", min = 10, max = 1000000 }",
                new StageRows().prose("large", large)).get("large")));
    }

    @Test
    void configErrorsNameTheKey() {
        assertTrue(assertThrows(InvalidConfigException.class, () -> stage("steps = [word-cont]"))
                .getMessage().contains("filter.steps names 'word-cont'"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> stage("word-count { mni = 3 }"))
                .getMessage().contains("filter.word-count.mni"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> stage("steps = [token-count]"))
                .getMessage().contains("filter.token-count.tokenizer"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> stage("token-count { tokenizer = /no/such/tokenizer.json }"))
                .getMessage().contains("filter.token-count.tokenizer = '/no/such/tokenizer.json': no such file"));
        String notATokenizer = TestData.path("multilang/debian-reference-en.jsonl").toString();
        assertTrue(assertThrows(InvalidConfigException.class, () -> stage("token-count { tokenizer = \"" + notATokenizer + "\" }"))
                .getMessage().startsWith("filter.token-count.tokenizer = '" + notATokenizer + "': "));
        assertTrue(assertThrows(InvalidConfigException.class, () -> stage("curly-brace { max-ratio = -1 }"))
                .getMessage().contains("filter.curly-brace.max-ratio"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> stage("top-ngrams { limits { x = 0.1 } }"))
                .getMessage().contains("filter.top-ngrams.limits.x"));
    }

    static String sample(String relative) {
        try {
            return Files.readString(TestData.repoRoot().resolve("samples").resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
