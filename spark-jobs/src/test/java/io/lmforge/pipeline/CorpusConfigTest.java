package io.lmforge.pipeline;

import com.typesafe.config.ConfigFactory;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.ingest.SourceFormat;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Config mistakes fail before any work, with the offending key's full name. */
class CorpusConfigTest {

    private static CorpusConfig parse(String hocon) {
        return CorpusConfig.from(Settings.of(ConfigFactory.parseString(hocon).resolve(), "lmforge.corpus", ""));
    }

    private static String error(String hocon) {
        return assertThrows(InvalidConfigException.class, () -> parse(hocon)).getMessage();
    }

    @Test
    void aValidConfigParsesWithDefaults() {
        CorpusConfig c = parse("sources = [ { name = chat, format = jsonl, path = \"/x/*.jsonl\" } ]");
        assertEquals(1, c.sources().size());
        assertEquals(SourceFormat.JSONL, c.sources().get(0).format());
        assertEquals("chat", c.sources().get(0).domain(), "domain defaults to the source name");
        assertEquals(10L << 20, c.sources().get(0).maxRecordBytes());
        assertEquals(OutputSettings.DEFAULTS, c.output());
    }

    @Test
    void perSourceLimitsOverrideTheIngestDefault() {
        CorpusConfig c = parse("ingest { max-record-bytes = 2 MiB }\n"
                + "sources = [ { name = a, format = jsonl, path = p }, "
                + "{ name = b, format = jsonl, path = p, max-record-bytes = 1k } ]");
        assertEquals(2L << 20, c.sources().get(0).maxRecordBytes());
        assertEquals(1024, c.sources().get(1).maxRecordBytes());
    }

    @Test
    void unknownKeysAreNamedWithTheirPath() {
        assertTrue(error("sources = [ { name = a, format = jsonl, path = p, formt = x } ]")
                .contains("sources[0].formt"));
        assertTrue(error("sources = [ { name = a, format = jsonl, path = p } ]\nouptut { }")
                .contains("ouptut"));
        assertTrue(error("sources = [ { name = a, format = jsonl, path = p } ]\ningest { max-record-byte = 1 }")
                .contains("ingest.max-record-byte"));
    }

    @Test
    void wrongTypesAreNamedWithTheirPath() {
        assertTrue(error("sources = [ { name = a, format = jsonl, path = p } ]\noutput { rejected-samples-per-reason = lots }")
                .contains("output.rejected-samples-per-reason"));
        assertTrue(error("sources = [ { name = a, format = jsonl, path = p, max-record-bytes = huge } ]")
                .contains("sources[0].max-record-bytes"));
        assertTrue(error("sources = { name = a }").contains("sources"));
    }

    @Test
    void requiredKeysAndValuesAreChecked() {
        assertTrue(error("sources = [ { name = a, path = p } ]").contains("sources[0].format"));
        assertTrue(error("sources = [ { name = a, format = pdf, path = p } ]").contains("'pdf' is not a known format"));
        assertTrue(error("sources = []").contains("no sources"));
        assertTrue(error("sources = [ { name = a, format = jsonl, path = p }, { name = a, format = jsonl, path = q } ]")
                .contains("used by two sources"));
        assertTrue(error("sources = [ { name = \"a b\", format = jsonl, path = p } ]").contains("sources[0].name"));
        assertTrue(error("sources = [ { name = a, format = jsonl, path = p } ]\nstages = [nonsense]")
                .contains("stages names 'nonsense'"));
    }

    @Test
    void formatOptionsAreCheckedPerFormat() {
        assertEquals("body", parse("sources = [ { name = a, format = jsonl, path = p, text-field = body } ]")
                .sources().get(0).option("text-field", "text"));
        assertTrue(error("sources = [ { name = a, format = jsonl, path = p, text-column = body } ]")
                .contains("sources[0].text-column"));
    }
}
