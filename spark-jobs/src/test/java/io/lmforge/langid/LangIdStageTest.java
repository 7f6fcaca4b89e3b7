package io.lmforge.langid;

import com.typesafe.config.ConfigFactory;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.testing.StageRows;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.lmforge.testing.StageRows.detail;
import static io.lmforge.testing.StageRows.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lingua on real text: the same Debian Reference section in ten translations, and a Russian man page. */
class LangIdStageTest {

    static Map<String, Row> run(String hocon, StageRows rows) {
        return StageRows.byId(LangIdStage.from(Settings.of(ConfigFactory.parseString(hocon), "lmforge.corpus", "langid"))
                .apply(rows.dataset(), null).rows());
    }

    @Test
    void identifiesRealTextInElevenLanguagesAndKeepsOnlyTheAllowlist() {
        StageRows rows = new StageRows();
        List<String> translations = List.of("en", "de", "fr", "es", "it", "pt", "id", "ja", "zh-cn", "zh-tw");
        for (String t : translations) {
            rows.prose(t, TestData.debianReference(t, 633));
        }
        rows.prose("ru", TestData.manpageRu("iconv.1"));
        Map<String, Row> out = run("", rows);
        for (String t : translations) {
            String expected = t.startsWith("zh") ? "zh" : t;
            String lang = out.get(t).getAs("lang");
            // Indonesian and Malay share most of their vocabulary; Lingua may name either.
            assertTrue(lang.equals(expected) || (t.equals("id") && lang.equals("ms")), t + " -> " + lang);
            double confidence = out.get(t).getAs(LangIdStage.CONFIDENCE);
            // A near-tie between Indonesian and Malay is what a low confidence is for.
            assertTrue(confidence > 0.05 || t.equals("id"), t + " confidence " + confidence);
        }
        assertEquals("ru", out.get("ru").getAs("lang"));
        assertNull(reason(out.get("en")));
        assertNull(reason(out.get("zh-cn")));
        assertNull(reason(out.get("zh-tw")));
        assertEquals("lang_not_allowed", reason(out.get("de")));
        assertTrue(detail(out.get("de")).startsWith("lang=de, confidence="), detail(out.get("de")));
        assertEquals("lang_not_allowed", reason(out.get("ja")));
        assertEquals("lang_not_allowed", reason(out.get("ru")));
    }

    @Test
    void codeIsKeptUnidentifiedPresetLanguagesAreTrustedAndSymbolsAreUnknown() {
        StageRows rows = new StageRows()
                .code("py", TestData.python("json/decoder.py"), "python")
                .prose("digits", "1234 5678 -- 42 + 17 = 59 ### 3.14159")
                .prose("short-fr", "Bonjour à tous, merci beaucoup pour votre aide précieuse.");
        // A reader that knows the language (a wiki dump) sets it; langid keeps it.
        rows.add("preset", TestData.debianReference("de", 633), null, "wiki");
        org.apache.spark.sql.Dataset<Row> input = rows.dataset().withColumn("lang",
                org.apache.spark.sql.functions.when(org.apache.spark.sql.functions.col("id").equalTo("preset"),
                        org.apache.spark.sql.functions.lit("en")));
        Map<String, Row> out = StageRows.byId(LangIdStage.from(Settings.of(ConfigFactory.parseString(""), "lmforge.corpus", "langid"))
                .apply(input, null).rows());
        assertNull(reason(out.get("py")));
        assertNull(out.get("py").getAs("lang"));
        assertEquals("lang_unknown", reason(out.get("digits")));
        assertEquals("fr", out.get("short-fr").getAs("lang"));
        assertEquals("lang_not_allowed", reason(out.get("short-fr")));
        assertEquals("en", out.get("preset").getAs("lang"));
        assertNull(out.get("preset").getAs(LangIdStage.CONFIDENCE));
        assertNull(reason(out.get("preset")));

        Map<String, Row> detectCode = run("code = detect, allow = [en, zh, fr]", new StageRows()
                .code("py", TestData.python("json/decoder.py"), "python"));
        assertEquals("en", detectCode.get("py").getAs("lang"));
    }

    @Test
    void allowlistAndConfidenceComeFromConfig() {
        StageRows rows = new StageRows().prose("de", TestData.debianReference("de", 633))
                .prose("en", TestData.debianReference("en", 633));
        Map<String, Row> de = run("allow = [de]", rows);
        assertNull(reason(de.get("de")));
        assertEquals("lang_not_allowed", reason(de.get("en")));
        // Half German, half English: whichever wins, it wins by less than a clear text does.
        String mixed = "Die Paketgrößen-Daten werden auch als objektives Maß für jedes Paket angeboten. "
                + "The package size data are also presented as an objective measure for each package.";
        StageRows both = new StageRows().prose("mixed", mixed).prose("en", TestData.debianReference("en", 633));
        Map<String, Row> measured = run("allow = [en, de]", both);
        double mixedConfidence = measured.get("mixed").getAs(LangIdStage.CONFIDENCE);
        double enConfidence = measured.get("en").getAs(LangIdStage.CONFIDENCE);
        assertTrue(mixedConfidence < enConfidence, mixedConfidence + " vs " + enConfidence);
        Map<String, Row> strict = run("allow = [en, de], min-confidence = " + (mixedConfidence + enConfidence) / 2, both);
        assertEquals("lang_uncertain", reason(strict.get("mixed")));
        assertNull(reason(strict.get("en")));
        assertTrue(assertThrows(InvalidConfigException.class, () -> run("allow = [xx]", rows))
                .getMessage().contains("langid.allow names 'xx'"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> run("allow = [en, sw], candidates = [en, de]", rows))
                .getMessage().contains("not in langid.candidates"));
    }
}
