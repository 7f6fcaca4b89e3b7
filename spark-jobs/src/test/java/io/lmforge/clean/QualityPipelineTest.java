package io.lmforge.clean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The four stages of issue 3 (clean, filter, langid, pii) through the real runner, on real text in
 * five languages with planted personal data and documents each stage must remove: what is kept,
 * what is rejected and why, the signal columns, the masking in every output people read, and the
 * manifest's accounting and per-kind PII counts.
 */
class QualityPipelineTest {
    static final ObjectMapper JSON = new ObjectMapper();

    // Planted personal data: none of these strings may appear in any output.
    static final String EMAIL = "anna.schmidt@gmail.com";
    static final String PHONE = "+44 20 7946 0958";
    static final String CARD = "4111 1111 1111 1111";
    static final String IP = "8.26.56.26";
    static final String CN_MOBILE = "13812345678";
    static final String CN_ID = "11010519491231002X";
    static final String REJECTED_EMAIL = "li.wei@qq.com";
    static final String QUARANTINED_EMAIL = "zhang.min@163.com";
    static final String AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
    static final List<String> PLANTED = List.of(EMAIL, PHONE, CARD, IP, CN_MOBILE, CN_ID, REJECTED_EMAIL,
            QUARANTINED_EMAIL, AWS_KEY);

    @TempDir
    static Path dir;
    static CorpusRun run;
    static JsonNode manifest;

    @BeforeAll
    static void runThePipeline() throws IOException {
        String en = TestData.debianReference("en", 633);
        List<String> docs = new ArrayList<>();
        docs.add(doc("en-good", en.replaceFirst("\n\n", "\n\nWrite to " + EMAIL + " or call " + PHONE + ".\n\n")
                + "\nPaid with card " + CARD + " from " + IP + ".\n"));
        docs.add(doc("zh-good", TestData.debianReference("zh-cn", 633) + "\n联系电话 " + CN_MOBILE + "，身份证 " + CN_ID + "。\n"));
        docs.add(doc("de", TestData.debianReference("de", 267)));
        docs.add(doc("ru", TestData.manpageRu("iconv.1")));
        docs.add(doc("heading", TestData.debianReference("en", 385) + "\nQuestions: " + REJECTED_EMAIL));
        docs.add(doc("table", TestData.debianReference("en", 538)));
        docs.add(doc("script", TestData.read("python-doc/html/_static/searchtools.js")));
        docs.add(doc("lorem", en + "\n\nLorem ipsum dolor sit amet, consectetur adipiscing elit."));
        docs.add(doc("blank", "\u200B \n\t\u00AD"));
        docs.add("{\"id\":\"broken\",\"text\":\"mail " + QUARANTINED_EMAIL + " about the");   // malformed JSON
        Path prose = Files.createDirectories(dir.resolve("prose"));
        Files.write(prose.resolve("docs.jsonl"), docs);

        Path code = Files.createDirectories(dir.resolve("code"));
        Files.writeString(code.resolve("decoder.py"), TestData.python("json/decoder.py")
                + "\nAWS_ACCESS_KEY_ID = \"" + AWS_KEY + "\"\n");

        run = CorpusRun.run("sources = [\n"
                + "  { name = prose, format = jsonl, path = " + CorpusRun.quote(prose) + ", domain = docs }\n"
                + "  { name = code, format = code, path = " + CorpusRun.quote(code) + " }\n"
                + "]\n"
                + "stages = [clean, filter, langid, pii]\n"
                + "artifacts = []\n"
                // Five candidates load in a second; the allowlist is the default (en, zh).
                + "langid { candidates = [en, zh, de, fr, ru] }\n", dir.resolve("out"));
        manifest = run.manifest();
    }

    static String doc(String id, String text) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("text", text);
        return JSON.writeValueAsString(n);
    }

    @Test
    void accountingHoldsPerSource() {
        assertTrue(manifest.at("/accounting/holds").asBoolean());
        JsonNode prose = manifest.at("/sources/prose");
        assertEquals(10, prose.get("input").asLong());
        assertEquals(2, prose.get("kept").asLong());
        assertEquals(7, prose.get("rejected").asLong());
        assertEquals(1, prose.get("quarantined").asLong());
        JsonNode code = manifest.at("/sources/code");
        assertEquals(1, code.get("input").asLong());
        assertEquals(1, code.get("kept").asLong());
        for (JsonNode s : manifest.get("sources")) {
            assertEquals(s.get("input").asLong(), s.get("kept").asLong() + s.get("rejected").asLong()
                    + s.get("quarantined").asLong());
        }
    }

    @Test
    void eachBadDocumentIsRejectedByTheRightStageForTheRightReason() {
        Map<String, String> rejected = new TreeMap<>();
        for (Row r : run.rejected().collectAsList()) {
            rejected.put(r.getAs("id"), r.getAs("stage") + "/" + r.getAs("reason"));
        }
        Map<String, String> expected = new TreeMap<>(Map.of(
                "blank", "clean/empty_after_clean",
                "heading", "filter/too_few_words",
                "table", "filter/duplicate_line_chars",
                // The site's JavaScript as a page: its lines end in ; and { (FineWeb's rule comes first).
                "script", "filter/no_terminal_punct",
                "lorem", "filter/lorem_ipsum",
                "de", "langid/lang_not_allowed",
                "ru", "langid/lang_not_allowed"));
        assertEquals(expected, rejected);
        // The manifest counts the same, per stage and reason.
        assertEquals(1, manifest.at("/rejections/clean/empty_after_clean").asLong());
        assertEquals(2, manifest.at("/rejections/langid/lang_not_allowed").asLong());
        assertEquals(4, manifest.at("/rejections/filter").size());
    }

    @Test
    void keptDocumentsCarryTheirSignalsAndLanguage() {
        Map<String, Row> kept = new HashMap<>();
        for (Row r : run.documents().collectAsList()) {
            kept.put(r.getAs("id"), r);
        }
        assertEquals(3, kept.size(), kept.keySet().toString());
        for (String id : List.of("en-good", "zh-good")) {
            Row r = kept.get(id);
            for (String signal : List.of("word_count", "stopword_count", "alpha_word_share", "dup_line_share",
                    "top_2gram_char_share", "dup_5gram_char_share", "terminal_punct_line_share", "short_line_share",
                    "curly_brace_word_ratio", "lang_confidence")) {
                assertNotNull(r.getAs(signal), id + " has no " + signal);
            }
            assertNull(r.getAs("code_alnum_share"), "prose gets no code signals");
        }
        assertEquals("en", kept.get("en-good").getAs("lang"));
        assertEquals("zh", kept.get("zh-good").getAs("lang"));
        assertTrue(kept.get("en-good").<Double>getAs("lang_confidence") > 0.05);
        Row code = kept.values().stream().filter(r -> "python".equals(r.getAs("code_lang"))).findFirst().orElseThrow();
        assertNull(code.getAs("lang"), "code is not language-identified");
        assertNotNull(code.getAs("code_alnum_share"));
        assertNull(code.getAs("word_count"));
    }

    @Test
    void personalDataIsMaskedInDocumentsAndCountedPerKind() {
        StringBuilder all = new StringBuilder();
        for (Row r : run.documents().collectAsList()) {
            all.append(r.<String>getAs("text")).append('\n');
        }
        for (String value : PLANTED) {
            assertFalse(all.toString().contains(value), value + " left in documents/");
        }
        for (String placeholder : List.of("<EMAIL>", "<PHONE>", "****-****-****-1111", "<IPV4>", "<CN_ID>", "<SECRET>")) {
            assertTrue(all.toString().contains(placeholder), placeholder);
        }
        JsonNode masked = manifest.at("/stages/pii/masked");
        Map<String, Long> byKind = new TreeMap<>();
        masked.fields().forEachRemaining(e -> byKind.put(e.getKey(), e.getValue().asLong()));
        assertEquals(new TreeMap<>(Map.of("email", 1L, "phone", 2L, "card", 1L, "ipv4", 1L, "cn_id", 1L, "secret", 1L)),
                byKind);
        assertEquals(3, manifest.at("/stages/pii/documents_with_pii").asLong());
    }

    @Test
    void rejectedSamplesAndQuarantineSnippetsAreMaskedToo() {
        // "heading" left at the filter stage, before pii ran; its sample must not show the address.
        Row heading = run.read("rejected_samples").filter("id = 'heading'").first();
        assertTrue(heading.<String>getAs("text").contains("Questions: <EMAIL>"), heading.<String>getAs("text"));
        for (Row r : run.read("rejected_samples").collectAsList()) {
            for (String value : PLANTED) {
                assertFalse(r.<String>getAs("text").contains(value), value + " in the sample of " + r.getAs("id"));
            }
        }
        Row broken = run.quarantine().first();
        assertTrue(broken.<String>getAs("snippet").contains("mail <EMAIL> about"), broken.<String>getAs("snippet"));
    }
}
