package io.lmforge.pipeline;

import io.lmforge.corpus.CorpusSettings;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.ingest.SourceFormat;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * spark-jobs' reference.conf is the list of every corpus config key: the code reads its defaults
 * from there, and a key read that it does not list fails here.
 */
class ReferenceConfTest {

    private static final File OWN = new File("src/main/resources/reference.conf");

    /** One source of every format, with every option its format takes. */
    private static String everySource() {
        StringBuilder b = new StringBuilder("sources = [\n");
        for (SourceFormat f : SourceFormat.values()) {
            String name = f.name().toLowerCase(Locale.ROOT);
            b.append("  { name = ").append(name).append(", format = ").append(name).append(", path = \"/nowhere/")
                    .append(name).append("\" }\n");
        }
        return b.append("]\n").toString();
    }

    private static CorpusConfig build(String hocon) {
        return CorpusConfig.from(CorpusSettings.of(ConfigFactory.parseString(hocon).resolve(), ""));
    }

    private static List<File> corpusConfs() {
        List<File> out = new ArrayList<>();
        for (File f : new File("../conf").listFiles((d, n) -> n.endsWith(".conf"))) {
            if (ConfigFactory.parseFile(f).hasPath("sources")) {
                out.add(f);
            }
        }
        assertFalse(out.isEmpty(), "no corpus configs in ../conf");
        return out;
    }

    /** Builds every corpus config the tests know and returns the reference paths of the keys read. */
    private static Set<String> keysRead() {
        return Settings.recordReads(() -> {
            // Defaults only (sources have no default), and every stage, each from an empty section.
            build(everySource());
            StageCatalog.stages().buildAll(CorpusSettings.of(ConfigFactory.empty(), ""), "stages");
            for (String stage : StageCatalog.stages().names()) {
                StageCatalog.stages().build(CorpusSettings.of(ConfigFactory.empty(), ""), stage);
            }
            for (String stage : StageCatalog.artifacts().names()) {
                StageCatalog.artifacts().build(CorpusSettings.of(ConfigFactory.empty(), ""), stage);
            }
            // Every filter step, token-count included (it needs a tokenizer, and says so).
            for (String step : io.lmforge.filter.FilterStage.knownSteps()) {
                try {
                    build(everySource() + "filter { steps = [" + step + "] }");
                } catch (InvalidConfigException e) {
                    assertEquals("token-count", step, e.getMessage());
                }
            }
            String tokenizer = io.lmforge.testing.TestData.path("npm/tokenizer-deepseek_v3/models/tokenizer.json").toString();
            build(everySource() + "filter { steps = [token-count], token-count { tokenizer = \"" + tokenizer + "\" } }");
            // Keys read only when others are set.
            build(everySource() + "tokenizer { special-tokens { bos = \"<s>\" } }\n"
                    + "dedup { previous = [\"/nowhere\"] }\nshards { mix { total-tokens = 1000, weights { a = 1 } } }\n"
                    + "run-id = x, spark { master = \"local[1]\", conf { a.b = 1 } }");
            for (File f : corpusConfs()) {
                CorpusConfig.load(f);
            }
        });
    }

    @Test
    void everyCorpusConfBuildsOverTheDefaults() {
        for (File f : corpusConfs()) {
            CorpusConfig c = CorpusConfig.load(f);
            assertFalse(c.sources().isEmpty(), f.toString());
        }
    }

    @Test
    void anEmptyConfigBuildsEverySectionFromTheDefaults() {
        CorpusConfig c = build(everySource());
        assertEquals(SourceFormat.values().length, c.sources().size());
        assertEquals(List.of("clean", "filter", "langid", "pii", "dedup"), c.stages().stream().map(s -> s.name()).toList());
        assertEquals(List.of("tokenizer", "shards"), c.artifacts().stream().map(s -> s.name()).toList());
        assertTrue(c.runId().isEmpty());
        assertTrue(c.master().isEmpty());
        assertTrue(c.sparkConf().isEmpty());
        // A source's runtime defaults: its name as domain, ingest's record limit.
        assertEquals("jsonl", c.sources().get(0).domain());
        assertEquals(10L << 20, c.sources().get(0).maxRecordBytes());
        // raw() is the user's config, without the defaults (the manifest renders it).
        assertFalse(c.resolved().hasPath("dedup"));
    }

    @Test
    void everyKeyTheCodeReadsIsInSparkJobsReferenceConf() {
        Config own = ConfigFactory.parseFile(OWN);
        Set<String> missing = new TreeSet<>();
        Set<String> read = keysRead();
        for (String path : read) {
            if (!own.hasPathOrNull(path)) {
                missing.add(path);
            }
        }
        assertTrue(missing.isEmpty(), "read by the code but missing from " + OWN + ": " + missing);
        // A sample of what must be among them, so the recording itself is checked.
        for (String path : List.of("lmforge.corpus.run-id", "lmforge.corpus.source-defaults.text-field",
                "lmforge.corpus.dedup.segments.boilerplate", "lmforge.corpus.filter.token-count.min",
                "lmforge.corpus.shards.mix.total-tokens", "lmforge.corpus.tokenizer.special-tokens.unk")) {
            assertTrue(read.contains(path), path + " not recorded: " + read);
        }
    }

    @Test
    void unknownKeysNameTheUsersKey() {
        String sources = "sources = [{ name = a, format = jsonl, path = x }]\n";
        assertTrue(assertThrows(InvalidConfigException.class, () -> build(sources + "dedup { kk = 1 }"))
                .getMessage().contains("dedup.kk"));
        assertTrue(assertThrows(InvalidConfigException.class,
                () -> build("sources = [{ name = a, format = jsonl, path = x, formt = y }]"))
                .getMessage().contains("sources[0].formt"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> build(sources + "filter.word-count { mni = 3 }"))
                .getMessage().contains("filter.word-count.mni"));
        // The reference's own section of source keys is not a key users set.
        assertTrue(assertThrows(InvalidConfigException.class, () -> build(sources + "source-defaults { domain = x }"))
                .getMessage().contains("source-defaults"));
    }

    @Test
    void aRequiredKeyWithoutDefaultIsNamed() {
        assertTrue(assertThrows(InvalidConfigException.class, () -> build("sources = [{ name = a, format = jsonl }]"))
                .getMessage().contains("sources[0].path"));
    }

    @Test
    void referenceConfGivesTheFormerInlineDefaults() {
        assertEquals(new io.lmforge.ingest.IngestSettings(10L << 20, 200, 128L << 20), io.lmforge.ingest.IngestSettings.DEFAULTS);
        assertEquals(new OutputSettings(5, false, "zstd", true), OutputSettings.DEFAULTS);
        assertEquals(new io.lmforge.clean.CleanSettings(true, true, true, true, false, false, false, false,
                List.of("a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
                        "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they",
                        "this", "to", "was", "will", "with")), io.lmforge.clean.CleanSettings.DEFAULTS);
        assertEquals(new io.lmforge.langid.LangIdSettings(List.of("en", "zh"), List.of("en", "zh", "ja", "de", "fr", "es",
                        "it", "pt", "ru", "id", "ms", "ko", "ar", "nl", "pl", "tr", "vi", "fa", "sv", "cs", "uk", "hu", "el",
                        "ro", "da", "fi", "th", "hi", "he"), "low", 1000, 0.0, "keep"),
                io.lmforge.langid.LangIdSettings.from(CorpusSettings.of(ConfigFactory.empty(), "langid")));
        assertEquals(new io.lmforge.dedup.DedupSettings(3, 6, new io.lmforge.dedup.Fingerprinter.Segmenting(12, 40, 100, 16),
                0, 64, 0.7, 128, 1, 2, io.lmforge.dedup.Fingerprinter.Weighting.LOG, 10, 256, "lang_confidence", true,
                List.of(), true), io.lmforge.dedup.DedupSettings.defaults());
        // blocks follows k unless set.
        assertEquals(8, io.lmforge.dedup.DedupSettings.from(CorpusSettings.of(
                ConfigFactory.parseString("k = 5"), "dedup")).blocks());
        io.lmforge.pack.ShardSettings shards = io.lmforge.pack.ShardSettings.from(
                CorpusSettings.of(ConfigFactory.empty(), "shards"));
        assertEquals(List.of(2048L, 1234L, 128L << 20, 512L << 20, 1L), List.of((long) shards.seqLen(), shards.seed(),
                shards.rowGroupBytes(), shards.fileBytes(), (long) shards.encodeBatch()));
        assertEquals(0.005, shards.valFraction());
        assertEquals("AUTO", shards.encoder().name());
        assertTrue(shards.tokenizer().isEmpty());
        assertEquals(new io.lmforge.mix.MixSettings(java.util.Map.of(), 4, io.lmforge.mix.MixSettings.Unmet.CAP,
                java.util.OptionalLong.empty(), 64), shards.mix());
        assertEquals(new io.lmforge.tokenizer.TokenizerSettings(52_000, 2, java.util.Optional.empty(), 1.0, 1234,
                java.util.Optional.empty()), io.lmforge.tokenizer.TokenizerSettings.from(
                CorpusSettings.of(ConfigFactory.empty(), "tokenizer")));
        assertEquals(new io.lmforge.tokenizer.SpecialTokens(java.util.Optional.of("<bos>"), java.util.Optional.of("<eos>"), java.util.Optional.of("<pad>"),
                java.util.Optional.of("<unk>")), io.lmforge.tokenizer.SpecialTokens.DEFAULT);
        assertEquals(java.util.Arrays.stream(io.lmforge.pii.PiiKind.values()).map(io.lmforge.pii.PiiKind::key).toList(),
                Settings.reference().getStringList("lmforge.corpus.pii.kinds"));
        assertEquals(List.of("US", "CN"), Settings.reference().getStringList("lmforge.corpus.pii.phone-regions"));
    }
}
