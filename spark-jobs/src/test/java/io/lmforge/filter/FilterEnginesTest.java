package io.lmforge.filter;

import com.typesafe.config.ConfigFactory;
import io.lmforge.clean.CleanStage;
import io.lmforge.config.Settings;
import io.lmforge.testing.StageRows;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The {@code jvm} engine against the {@code sql} engine on real text: the Debian Reference in ten
 * languages and Russian man pages, raw (tabs, CR, NBSP, runs of blank lines, as fetched) and
 * cleaned, and Python's standard library as code. Both must give every row the same signals
 * (doubles within 1e-12), the same rejection (stage, reason, detail), and the same schema.
 */
class FilterEnginesTest {

    static StageRows corpus(int every) {
        StageRows rows = new StageRows();
        for (String lang : List.of("en", "de", "fr", "es", "it", "pt", "id", "ja", "zh-cn", "zh-tw")) {
            List<String> sections = TestData.debianReference(lang);
            for (int i = 0; i < sections.size(); i += every) {
                rows.add(lang + "-" + i, sections.get(i), null, i % 3 == 0 ? "docs" : "web");
            }
        }
        List<String> man = new ArrayList<>(TestData.records("multilang/manpages-ru.jsonl").values());
        for (int i = 0; i < man.size(); i += every) {
            rows.add("man-" + i, man.get(i), null, "docs");
        }
        List<String> py = TestData.texts("pkg/libpython3.11-stdlib", ".py", 120);
        for (int i = 0; i < py.size(); i++) {
            rows.add("py-" + i, py.get(i), "python", "code");
        }
        // Edges the scan must treat as the regexes do.
        rows.add("edge-empty", "", null, "web");
        rows.add("edge-blank", " \t \n\n \n", null, "web");
        rows.add("edge-punct", "...!!! ,,, ??? \u2026", null, "web");
        rows.add("edge-ls", "Ende.\u2028", null, "web");
        rows.add("edge-crlf", "one...\r\ntwo \u2026\r\n\r\n\r\nthree?\r", null, "web");
        rows.add("edge-cjk", "\u3000「日本語」のテキスト。\u3000中文，标点！\n\t- 列表\n", null, "web");
        rows.add("edge-supp", "\uD840\uDC00\uD840\uDC01 wide \uD83D\uDE00 emoji; JavaScript is off", null, "web");
        rows.add("edge-case", "THE The the \u212Ae KE \u0130L Und UND \u00C8 \u00E8 N\u00C3O \u0418 \u042D\u0422\u041E "
                + "LOREM \u0130PSUM Lorem Ipsum thethethe", null, "web");
        rows.add("edge-code-empty", "", "c", "code");
        return rows;
    }

    static FilterStage stage(String hocon) {
        return FilterStage.from(Settings.of(ConfigFactory.parseString(hocon), "lmforge.corpus", "filter"));
    }

    static void assertSame(FilterStage stage, Dataset<Row> in) {
        long t0 = System.nanoTime();
        Dataset<Row> sqlOut = stage.withEngine(FilterStage.Engine.SQL).apply(in, null).rows();
        Dataset<Row> jvmOut = stage.withEngine(FilterStage.Engine.JVM).apply(in, null).rows();
        assertEquals(sqlOut.schema().simpleString(), jvmOut.schema().simpleString());
        Map<String, Row> sql = StageRows.byId(sqlOut);
        long t1 = System.nanoTime();
        Map<String, Row> jvm = StageRows.byId(jvmOut);
        System.out.printf("filter engines: %d rows, sql %.1f s, jvm %.1f s%n", sql.size(), (t1 - t0) / 1e9,
                (System.nanoTime() - t1) / 1e9);
        assertEquals(sql.keySet(), jvm.keySet());
        int rejected = 0;
        List<String> diffs = new ArrayList<>();
        for (String id : sql.keySet()) {
            Row a = sql.get(id);
            Row b = jvm.get(id);
            for (int i = 0; i < a.size(); i++) {
                String column = a.schema().fields()[i].name();
                Object x = a.get(i);
                Object y = b.get(i);
                boolean same = x instanceof Double dx && y instanceof Double dy
                        ? Math.abs(dx - dy) <= 1e-12 : java.util.Objects.equals(x, y);
                if (!same) {
                    diffs.add(id + " " + column + ": sql " + x + ", jvm " + y);
                }
            }
            rejected += StageRows.reason(a) != null ? 1 : 0;
        }
        if (!diffs.isEmpty()) {
            fail(diffs.size() + " differences, first: " + diffs.subList(0, Math.min(20, diffs.size())));
        }
        assertTrue(rejected > sql.size() / 10 && rejected < sql.size(), rejected + " of " + sql.size() + " rejected");
    }

    @Test
    void defaultStepsGiveTheSameSignalsAndDecisionsOnRawAndCleanedText() {
        Dataset<Row> raw = corpus(5).dataset().cache();
        FilterStage stage = stage("");
        assertSame(stage, raw);
        CleanStage clean = CleanStage.from(Settings.of(ConfigFactory.parseString(""), "lmforge.corpus", "clean"));
        assertSame(stage, clean.apply(raw, null).rows());
    }

    @Test
    void scopedStepsOtherThresholdsAndSkippedDomainsToo() {
        FilterStage stage = stage("""
                skip-domains = [web]
                steps = [stopwords, word-count, top-ngrams, short-lines, code-alphanumeric, duplicate-lines]
                word-count { domains = [docs], min = 120 }
                top-ngrams { limits { 2 = 0.05, 3 = 0.04 } }
                short-lines { max-chars = 20, max-share = 0.5 }
                stopwords { min = 5, words = [the, und, "的", "Это"] }
                """);
        assertSame(stage, corpus(11).dataset());
    }

    @Test
    void autoIsJvmWithoutTheRapidsPluginAndConfigNamesTheEngine() {
        assertEquals(FilterStage.Engine.AUTO, stage("").engine());
        assertEquals(FilterStage.Engine.JVM, stage("").engineFor(io.lmforge.testing.SparkTestSession.get()));
        assertEquals(FilterStage.Engine.SQL, stage("engine = sql").engineFor(io.lmforge.testing.SparkTestSession.get()));
    }
}
