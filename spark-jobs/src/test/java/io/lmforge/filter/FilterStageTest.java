package io.lmforge.filter;

import com.typesafe.config.ConfigFactory;
import io.lmforge.clean.CleanStage;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.testing.StageRows;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

import static io.lmforge.testing.StageRows.detail;
import static io.lmforge.testing.StageRows.reason;
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
        return FilterStage.from(Settings.of(ConfigFactory.parseString(hocon), "filter"));
    }

    /** Cleans with the defaults first, as the pipeline does, then filters. */
    static Map<String, Row> run(String hocon, StageRows rows) {
        CleanStage clean = CleanStage.from(Settings.of(ConfigFactory.parseString(""), "clean"));
        return StageRows.byId(stage(hocon).apply(clean.apply(rows.dataset(), null), null));
    }

    /** Runs one step alone on one text and returns the row. */
    static Row only(String step, String text) {
        return run("steps = [" + step + "]", new StageRows().prose("x", text)).get("x");
    }

    @Test
    void goodRealProseInFiveLanguagesPassesEveryDefaultStep() {
        StageRows rows = new StageRows().prose("en", en).prose("zh", zh)
                .prose("ja", TestData.debianReference("ja", 633))
                .prose("de", TestData.debianReference("de", 267))
                .prose("ru", TestData.manpageRu("iconv.1"));
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
    }

    @Test
    void realSectionsThatEachRuleRejects() {
        // Sections of the Reference that fail a rule as written: a section that is only a
        // heading, a shell transcript full of braces, ASCII tables, a table of contents...
        assertRejected("word-count", TestData.debianReference("en", 385), "too_few_words", "word_count=");
        assertRejected("curly-brace", TestData.debianReference("en", 238), "curly_brace", "has_curly_brace=true");
        assertRejected("duplicate-lines", TestData.debianReference("en", 538), "duplicate_line_chars", "dup_line_char_share=");
        assertRejected("duplicate-paragraphs", TestData.debianReference("en", 271), "duplicate_paragraph", "dup_paragraph");
        assertRejected("symbol-ratio", TestData.debianReference("en", 504), "too_many_hashes", "hash_word_ratio=");
        assertRejected("top-ngrams", TestData.debianReference("en", 273), "top_2grams", "top_2gram_char_share=");
        assertRejected("duplicate-ngrams", TestData.debianReference("en", 211), "duplicate_", "dup_");
        assertRejected("short-lines", TestData.debianReference("zh-cn", 286), "short_lines", "short_line_share=");
        assertRejected("terminal-punct", TestData.debianReference("zh-cn", 5), "no_terminal_punct", "terminal_punct_line_share=");
        assertRejected("alpha-words", TestData.manpageRu("iso_8859-4.7"), "few_alpha_words", "alpha_word_share=");
        // The same rules pass the good sections.
        for (String step : FilterStage.STEPS.keySet()) {
            if (!FilterStage.OFF_BY_DEFAULT.contains(step) && !step.startsWith("code-")) {
                assertNull(reason(only(step, en)), step + " rejected a good English section");
            }
        }
    }

    @Test
    void realTextMadeIntoThePagesTheOtherRulesAreFor() {
        String[] lines = en.split("\\n");
        String bullets = Arrays.stream(lines).map(l -> "\u2022 " + l).collect(Collectors.joining("\n"));
        assertRejected("bullet-lines", bullets, "bullet_lines", "bullet_line_share=1.0 > max 0.9");
        String teasers = Arrays.stream(lines).filter(l -> l.length() > 20)
                .map(l -> l.substring(0, 20) + "...").collect(Collectors.joining("\n"));
        assertRejected("ellipsis-lines", teasers, "ellipsis_lines", "ellipsis_line_share=");
        String shortWords = Arrays.stream(en.split("\\s+")).filter(w -> w.length() <= 2).collect(Collectors.joining(" "));
        assertRejected("mean-word-length", shortWords, "short_mean_word_length", "mean_word_length=");
        String glued = en.replaceAll("\\s+(\\S+)\\s+", "$1");
        assertRejected("mean-word-length", glued, "long_mean_word_length", "mean_word_length=");
        String keywords = Arrays.stream(en.split("\\s+"))
                .filter(w -> !Stopwords.DEFAULT_WORDS.contains(w.replaceAll("\\p{Punct}", "").toLowerCase())).collect(Collectors.joining(" "));
        assertRejected("stopwords", keywords, "few_stopwords", "stopword_count=");
        assertRejected("lorem-ipsum", en + "\n\nLorem ipsum dolor sit amet, consectetur adipiscing elit.", "lorem_ipsum", "");
        String firstLine = Arrays.stream(lines).filter(l -> !l.isBlank()).findFirst().orElseThrow();
        String notice = "Please enable JavaScript to view this page.\nJavaScript is disabled in your browser.\n" + firstLine;
        assertRejected("javascript", notice, "javascript_lines", "javascript_line_share=0.6667 > max 0.4");
        assertNull(reason(only("javascript", en + "\nThis page works best with JavaScript enabled.")));
        String repeated = en + "\n\n" + en;
        assertRejected("duplicate-paragraphs", repeated, "duplicate_paragraph", "");
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
        Map<String, Row> a = run("steps = [curly-brace, duplicate-lines]", new StageRows().prose("x", bad));
        Map<String, Row> b = run("steps = [duplicate-lines, curly-brace]", new StageRows().prose("x", bad));
        assertEquals("curly_brace", reason(a.get("x")));
        assertTrue(reason(b.get("x")).startsWith("duplicate_line"), reason(b.get("x")));
        Map<String, Row> scoped = run("steps = [curly-brace], skip-domains = [dialog], curly-brace { domains = [web] }",
                new StageRows().add("web", bad, null, "web").add("wiki", bad, null, "wiki").add("dialog", bad, null, "dialog"));
        assertEquals("curly_brace", reason(scoped.get("web")));
        assertNull(reason(scoped.get("wiki")));
        assertNull(scoped.get("wiki").getAs("has_curly_brace"), "a step out of its domains measures nothing");
        assertNull(reason(scoped.get("dialog")));
    }

    @Test
    void thresholdsComeFromConfig() {
        String section = TestData.debianReference("en", 385);
        assertNull(reason(run("steps = [word-count], word-count { min = 1 }", new StageRows().prose("x", section)).get("x")));
        assertEquals("top_3grams", reason(run("steps = [top-ngrams], top-ngrams { limits { 3 = 0.0001 } }",
                new StageRows().prose("x", en)).get("x")));
    }

    @Test
    void configErrorsNameTheKey() {
        assertTrue(assertThrows(InvalidConfigException.class, () -> stage("steps = [word-cont]"))
                .getMessage().contains("filter.steps names 'word-cont'"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> stage("word-count { mni = 3 }"))
                .getMessage().contains("filter.word-count.mni"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> stage("steps = [token-count]"))
                .getMessage().contains("filter.token-count.tokenizer"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> stage("top-ngrams { limits { x = 0.1 } }"))
                .getMessage().contains("filter.top-ngrams.limits.x"));
    }

    static void assertRejected(String step, String text, String reasonPrefix, String detailPrefix) {
        Row r = only(step, text);
        String reason = reason(r);
        assertNotNull(reason, step + " kept the text");
        assertTrue(reason.startsWith(reasonPrefix), step + ": " + reason);
        assertTrue(String.valueOf(detail(r)).startsWith(detailPrefix), step + ": " + detail(r));
    }
}
