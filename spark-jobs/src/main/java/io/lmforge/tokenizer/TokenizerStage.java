package io.lmforge.tokenizer;

import io.lmforge.config.Settings;
import io.lmforge.corpus.ArtifactStage;
import io.lmforge.corpus.ArtifactStageFactory;
import io.lmforge.corpus.Columns;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.corpus.StageContext;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * {@code OUT/tokenizer/}: trains a byte-level BPE tokenizer on the documents (words counted in
 * Spark, merges learned on the driver), or takes a released {@code tokenizer.json}. Either way
 * the result is checked by loading it into Hugging Face tokenizers and round-tripping a few
 * documents before anything downstream uses it.
 */
public final class TokenizerStage implements ArtifactStage {
    private static final Logger LOG = LoggerFactory.getLogger(TokenizerStage.class);
    private static final int CHECKED_DOCUMENTS = 32;

    private final TokenizerSettings settings;

    public TokenizerStage(TokenizerSettings settings) {
        this.settings = settings;
    }

    public static TokenizerStage from(Settings section) {
        return new TokenizerStage(TokenizerSettings.from(section));
    }

    @Override
    public String name() {
        return OutputLayout.TOKENIZER;
    }

    @Override
    public Map<String, Object> build(Dataset<Row> documents, StageContext context) throws IOException {
        Configuration hadoop = context.spark().sparkContext().hadoopConfiguration();
        String dir = context.layout().staged(name());
        Map<String, Object> report = new LinkedHashMap<>();
        String json;
        SpecialTokens names;
        if (settings.pretrained().isPresent()) {
            Path file = new Path(settings.pretrained().get());
            json = TokenizerArtifact.readFile(hadoop, file);
            Optional<SpecialTokens> beside = TokenizerArtifact.namesFromConfig(hadoop,
                    new Path(file.getParent(), TokenizerArtifact.CONFIG_JSON));
            names = settings.specialTokens().or(() -> beside).orElse(SpecialTokens.DEFAULT);
            report.put("source", "pretrained");
            report.put("pretrained", file.toString());
        } else {
            names = settings.specialTokens().orElse(SpecialTokens.DEFAULT);
            json = train(documents, names, report);
            report.put("source", "trained");
        }
        TokenizerArtifact artifact = TokenizerArtifact.of(json, names, dir + "/" + TokenizerArtifact.TOKENIZER_JSON);
        check(artifact, documents);
        TokenizerArtifact.write(hadoop, dir, json, names);
        report.put("vocab_size", artifact.vocabSize());
        report.put("special_tokens", artifact.specialIds());
        report.put("sha256", artifact.sha256());
        return report;
    }

    private String train(Dataset<Row> documents, SpecialTokens names, Map<String, Object> report) {
        Dataset<Row> texts = documents.select(col(Columns.TEXT));
        if (settings.sampleFraction() < 1.0) {
            long buckets = 1_000_000L;
            texts = texts.filter(pmod(xxhash64(lit(settings.seed()), col(Columns.TEXT)), lit(buckets))
                    .lt(lit(Math.round(settings.sampleFraction() * buckets))));
        }
        long t = System.nanoTime();
        WordCounter.Counts counts = WordCounter.count(texts);
        double countSeconds = (System.nanoTime() - t) / 1e9;
        t = System.nanoTime();
        int merges = settings.vocabSize() - names.byRole().size() - 256;
        BpeTrainer.Result bpe = new BpeTrainer(merges, settings.minFrequency()).train(counts.words(), counts.counts());
        double mergeSeconds = (System.nanoTime() - t) / 1e9;
        LOG.info("tokenizer: {} merges from {} distinct words ({} occurrences): counting {}s, merges {}s",
                bpe.merges().size(), counts.words().length, counts.occurrences(), round(countSeconds), round(mergeSeconds));
        report.put("distinct_words", counts.words().length);
        report.put("word_occurrences", counts.occurrences());
        report.put("merges", bpe.merges().size());
        if (bpe.merges().size() < merges) {
            report.put("note", "the corpus yields only " + bpe.merges().size() + " merges of the " + merges
                    + " that vocab-size " + settings.vocabSize() + " allows (min-frequency "
                    + settings.minFrequency() + "); the vocabulary is smaller than asked");
        }
        report.put("count_seconds", round(countSeconds));
        report.put("merge_seconds", round(mergeSeconds));
        return new String(TokenizerJson.write(bpe, names), StandardCharsets.UTF_8);
    }

    /** HF must load the tokenizer and give back a few documents' text exactly. */
    private static void check(TokenizerArtifact artifact, Dataset<Row> documents) {
        try (HfEncoder text = HfEncoder.forDocuments(artifact.json()); HfEncoder full = HfEncoder.load(artifact.json())) {
            for (Row r : documents.select(Columns.TEXT).limit(CHECKED_DOCUMENTS).collectAsList()) {
                String doc = r.getString(0);
                if (doc == null) {
                    continue;
                }
                String back = full.decode(text.encode(doc), true);
                if (!back.equals(doc)) {
                    // A released tokenizer with a normalizer (lowercasing, NFKC) is legitimate but lossy.
                    LOG.warn("tokenizer does not round-trip document text exactly (normalizer?): {} chars in, {} out",
                            doc.length(), back.length());
                    return;
                }
            }
        }
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }

    /** Found by the runner through {@code META-INF/services/io.lmforge.corpus.ArtifactStageFactory}. */
    public static final class Factory extends ArtifactStageFactory.Of {
        public Factory() {
            super(OutputLayout.TOKENIZER, 10, TokenizerStage::from);
        }
    }
}
