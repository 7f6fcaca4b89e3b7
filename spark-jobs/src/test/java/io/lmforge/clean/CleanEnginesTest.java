package io.lmforge.clean;

import com.typesafe.config.ConfigFactory;
import io.lmforge.config.Settings;
import io.lmforge.testing.SparkTestSession;
import io.lmforge.testing.StageRows;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The {@code jvm} engine against the {@code sql} engine on real text (the Debian Reference in ten
 * languages, Russian man pages, Python's standard library as code) and on the characters each
 * rule is for: both must give every row the same text and the same rejection.
 */
class CleanEnginesTest {

    static Dataset<Row> corpus(int every) {
        StageRows rows = new StageRows();
        for (String lang : List.of("en", "de", "fr", "es", "it", "pt", "id", "ja", "zh-cn", "zh-tw")) {
            List<String> sections = TestData.debianReference(lang);
            for (int i = 0; i < sections.size(); i += every) {
                rows.prose(lang + "-" + i, sections.get(i));
            }
        }
        List<String> man = new ArrayList<>(TestData.records("multilang/manpages-ru.jsonl").values());
        for (int i = 0; i < man.size(); i += every) {
            rows.prose("man-" + i, man.get(i));
        }
        List<String> py = TestData.texts("pkg/libpython3.11-stdlib", ".py", 60);
        for (int i = 0; i < py.size(); i++) {
            rows.code("py-" + i, py.get(i), "python");
            rows.prose("py-prose-" + i, py.get(i));
        }
        String[] edges = {"", " ", "\n", "\n  \n", "  \n\nText", " \t lead\t\t and  trail \t\n\n\n\n\nnext\r\nline\rend  \r\n",
                "a\u2028b\u2029c\u0085d\u000Be\u000Cf", "soft\u00ADhyphen zero\u200Bwidth\uFEFF bom \u0001\u001F\u007F\u009F",
                "&amp;amp; &#8217; &#x2019; &nbsp;x &notanentity; &copy;", "\uFF21\uFF22 x\u00B2 \uFB01", "\r\n\r\n  x\r", "x \u2028",
                "emoji \uD83D\uDE00  \tand\t\ttabs\t", "\u3000\u3000中文　全角空格\u3000", "The cat, and the hat. To be or not: is it?",
                "http://example.com/a?b=c and www.example.org/x. More text"};
        for (int i = 0; i < edges.length; i++) {
            rows.prose("edge-" + i, edges[i]);
            rows.code("edge-code-" + i, edges[i], "c");
        }
        return rows.dataset();
    }

    static CleanStage stage(String hocon) {
        return CleanStage.from(Settings.of(ConfigFactory.parseString(hocon), "lmforge.corpus", "clean"));
    }

    static void assertSame(CleanStage stage, Dataset<Row> in) {
        Map<String, Row> sql = StageRows.byId(stage.withEngine(CleanStage.Engine.SQL).apply(in, null).rows());
        Map<String, Row> jvm = StageRows.byId(stage.withEngine(CleanStage.Engine.JVM).apply(in, null).rows());
        assertEquals(sql.keySet(), jvm.keySet());
        List<String> diffs = new ArrayList<>();
        int changed = 0;
        for (String id : sql.keySet()) {
            Row a = sql.get(id);
            Row b = jvm.get(id);
            for (int i = 0; i < a.size(); i++) {
                if (!Objects.equals(a.get(i), b.get(i))) {
                    diffs.add(id + " " + a.schema().fields()[i].name() + ": sql [" + a.get(i) + "], jvm [" + b.get(i) + "]");
                }
            }
        }
        if (!diffs.isEmpty()) {
            fail(diffs.size() + " differences, first: " + diffs.subList(0, Math.min(5, diffs.size())));
        }
        assertTrue(sql.size() > 500, sql.size() + " rows");
    }

    @Test
    void defaultRulesGiveTheSameTextAndRejections() {
        assertSame(stage(""), corpus(4));
    }

    @Test
    void optionalRulesToo() {
        assertSame(stage("remove-urls = true, lowercase = true, remove-punctuation = true, remove-stopwords = true"), corpus(9));
        assertSame(stage("decode-entities = false, nfkc = false, remove-control = false"), corpus(9));
    }

    @Test
    void autoIsJvmWithoutTheRapidsPlugin() {
        assertEquals(CleanStage.Engine.JVM, stage("").engineFor(SparkTestSession.get()));
        assertEquals(CleanStage.Engine.SQL, stage("engine = sql").engineFor(SparkTestSession.get()));
    }
}
