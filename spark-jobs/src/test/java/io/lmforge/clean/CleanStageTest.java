package io.lmforge.clean;

import com.typesafe.config.ConfigFactory;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.testing.StageRows;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.lmforge.testing.StageRows.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CleanStageTest {

    static Map<String, Row> clean(String hocon, StageRows rows) {
        CleanStage stage = CleanStage.from(Settings.of(ConfigFactory.parseString(hocon), "lmforge.corpus", "clean"));
        return StageRows.byId(stage.apply(rows.dataset(), null).rows());
    }

    static String text(Map<String, Row> out, String id) {
        return out.get(id).getAs("text");
    }

    @Test
    void normalisesUnicodeControlsSpacesAndEntities() {
        Map<String, Row> out = clean("", new StageRows()
                .prose("nfkc", "ＡＢＣ１２３ ﬁle ｶﾀｶﾅ x\u00B2 \u3000wide space")
                .prose("control", "bell\u0007 nul\u0000 zero\u200Bwidth soft\u00ADhyphen c1\u0085line")
                .prose("spaces", "  a \t  b  \r\nline two\r\n\r\n\r\n\r\n\n\nnext paragraph  \n\u00A0\u00A0indented")
                .prose("entities", "Tom &amp; Jerry &lt;b&gt; it&#8217;s &#x4E2D;&#25991; a&nbsp;b &copy; &bogus; AT&T"));
        assertEquals("ABC123 file カタカナ x2 wide space", text(out, "nfkc"));
        assertEquals("bell nul zerowidth softhyphen c1\nline", text(out, "control"));
        assertEquals("  a b\nline two\n\nnext paragraph\n  indented", text(out, "spaces"));
        assertEquals("Tom & Jerry <b> it\u2019s 中文 a b © &bogus; AT&T", text(out, "entities"));
    }

    @Test
    void realGermanSectionKeepsItsParagraphsAndIndentationAndIsIdempotent() {
        // The Debian Reference's plain text indents with no-break spaces and hard-wraps lines.
        String section = TestData.debianReference("de").stream()
                .filter(t -> t.length() > 3000 && t.contains("\u00A0")).findFirst().orElseThrow();
        Map<String, Row> once = clean("", new StageRows().prose("de", section));
        String cleaned = text(once, "de");
        assertFalse(cleaned.contains("\u00A0"));
        assertFalse(cleaned.matches("(?s).*\\S[ \\t]{2,}.*"), "a run of blanks inside a line survived");
        assertFalse(cleaned.matches("(?s).*[ \\t]\\n.*"), "a line ends in a blank");
        assertFalse(cleaned.contains("\n\n\n"));
        long paragraphs = section.trim().split("\\n[ \\t\\u00A0]*\\n\\s*").length;
        assertEquals(paragraphs, cleaned.split("\\n\\n").length);
        assertEquals(section.replaceAll("[\\s\u00A0]+", ""), cleaned.replaceAll("\\s+", ""),
                "cleaning a clean real text changed more than its blanks");
        // Every line keeps its indentation (no-break and other wide spaces become spaces under NFKC).
        java.util.List<String> indents = section.lines()
                .map(l -> java.text.Normalizer.normalize(l, java.text.Normalizer.Form.NFKC)).filter(l -> !l.isBlank())
                .map(l -> l.replaceAll("^( *).*", "$1")).toList();
        assertEquals(indents, cleaned.lines().filter(l -> !l.isBlank()).map(l -> l.replaceAll("^( *).*", "$1")).toList());
        Map<String, Row> twice = clean("", new StageRows().prose("de", cleaned));
        assertEquals(cleaned, text(twice, "de"));
    }

    @Test
    void codeExamplesInProseKeepTheirIndentation() throws Exception {
        // A real answer of Python's FAQ (the sample corpus): prose with indented code blocks.
        String answer = null;
        for (String line : java.nio.file.Files.readAllLines(TestData.repoRoot().resolve("samples/dialog/python-faq.jsonl"))) {
            com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            if (n.get("context").asText().contains("higher order function")) {
                answer = n.get("response").asText();
            }
        }
        assertNotNull(answer);
        String cleaned = text(clean("", new StageRows().prose("faq", answer)), "faq");
        assertTrue(cleaned.contains("\n   def linear(a, b):\n       def result(x):\n           return a * x + b\n"), cleaned);
        // Prose lines lose their double spaces after a full stop, code lines keep their shape.
        assertTrue(cleaned.contains("a*x+b. Using nested scopes:"), cleaned);
        for (String line : answer.lines().filter(l -> l.startsWith("   ")).toList()) {
            assertTrue(cleaned.contains("\n" + line.stripTrailing() + "\n"), line);
        }
    }

    @Test
    void codeKeepsIndentationEntitiesAndCompatibilityCharacters() {
        String python = TestData.python("json/decoder.py");
        String xml = "<a href=\"x?a=1&amp;b=2\">\r\n\t<b>x\u00B2</b>\u0000\r\n</a>\r\n";
        Map<String, Row> out = clean("", new StageRows().code("py", python, "python").code("xml", xml, "xml"));
        assertEquals(python, text(out, "py"));
        assertEquals("<a href=\"x?a=1&amp;b=2\">\n\t<b>x\u00B2</b>\n</a>\n", text(out, "xml"));
    }

    @Test
    void optionalRulesAreOffByDefaultAndWorkWhenOn() {
        String s = "The Quick, brown fox: see https://example.org/a?b=1 and www.example.com now!\nIt is a fox.";
        assertEquals(s, text(clean("", new StageRows().prose("s", s)), "s"));
        Map<String, Row> out = clean("remove-urls = true, lowercase = true, remove-punctuation = true, "
                + "remove-stopwords = true", new StageRows().prose("s", s));
        assertEquals("quick brown fox see now\nfox", text(out, "s"));
        Map<String, Row> custom = clean("remove-stopwords = true, stopwords = [fox, see]", new StageRows().prose("s", s));
        assertEquals("The Quick, brown https://example.org/a?b=1 and www.example.com now!\nIt is a", text(custom, "s"));
    }

    @Test
    void textThatCleaningEmptiesIsRejectedAndRejectedRowsAreUntouched() {
        StageRows rows = new StageRows().prose("blank", "\u200B\u0000 \t\r\n\u00AD").prose("ok", "fine  text");
        CleanStage stage = CleanStage.from(Settings.of(ConfigFactory.parseString(""), "lmforge.corpus", "clean"));
        // A row an earlier stage rejected: its text must come through as it was.
        org.apache.spark.sql.Dataset<Row> input = io.lmforge.corpus.Rejections.reject(rows.dataset(), "earlier",
                org.apache.spark.sql.functions.when(org.apache.spark.sql.functions.col("id").equalTo("ok"),
                        org.apache.spark.sql.functions.lit("some_reason")));
        Map<String, Row> out = StageRows.byId(stage.apply(input, null).rows());
        assertEquals("empty_after_clean", reason(out.get("blank")));
        assertEquals("clean", StageRows.stage(out.get("blank")));
        assertEquals("some_reason", reason(out.get("ok")));
        assertEquals("fine  text", text(out, "ok"));
        assertEquals(2, out.size());
    }

    @Test
    void unknownKeysFailWithTheirName() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> CleanStage.from(Settings.of(ConfigFactory.parseString("lowercas = true"), "lmforge.corpus", "clean")));
        assertTrue(e.getMessage().contains("clean.lowercas"), e.getMessage());
        // Thrown by the unknown-key check itself, not a parse or type error wrapped on the way.
        assertNull(e.getCause(), "unexpected cause");
    }
}
