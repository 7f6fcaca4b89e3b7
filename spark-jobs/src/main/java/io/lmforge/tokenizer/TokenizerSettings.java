package io.lmforge.tokenizer;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;

import java.util.Optional;

/**
 * The {@code tokenizer { ... }} section.
 * <pre>
 * tokenizer {
 *   vocab-size = 52000          # special tokens + 256 bytes + merges
 *   min-frequency = 2           # a pair seen fewer times is never merged
 *   special-tokens { bos = "&lt;bos&gt;", eos = "&lt;eos&gt;", pad = "&lt;pad&gt;", unk = "&lt;unk&gt;" }
 *   sample-fraction = 1.0       # of the documents to count words in, chosen by a seeded hash
 *   seed = 1234
 *   pretrained = "/path/to/tokenizer.json"   # use a released tokenizer instead of training one
 * }
 * </pre>
 */
public record TokenizerSettings(int vocabSize, long minFrequency, Optional<SpecialTokens> specialTokens,
                                double sampleFraction, long seed, Optional<String> pretrained) {

    public static TokenizerSettings from(Settings s) {
        int vocabSize = s.integer("vocab-size");
        long minFrequency = s.longValue("min-frequency");
        Optional<SpecialTokens> specials = s.has("special-tokens")
                ? Optional.of(SpecialTokens.from(s.section("special-tokens")))
                : Optional.empty();
        double sample = s.inRange("sample-fraction", s.decimal("sample-fraction"), 1e-9, 1.0);
        long seed = s.longValue("seed");
        Optional<String> pretrained = s.optionalString("pretrained");
        s.requireNoUnknownKeys();
        int minVocab = 256 + SpecialTokens.DEFAULT.byRole().size();
        if (pretrained.isEmpty() && vocabSize <= minVocab) {
            throw new InvalidConfigException(s.name("vocab-size") + " = " + vocabSize
                    + " leaves no room for merges: it must be more than " + minVocab + " (specials + 256 bytes)");
        }
        if (minFrequency < 1) {
            throw new InvalidConfigException(s.name("min-frequency") + " must be at least 1, got " + minFrequency);
        }
        return new TokenizerSettings(vocabSize, minFrequency, specials, sample, seed, pretrained);
    }
}
