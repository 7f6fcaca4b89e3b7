package io.lmforge.clean;

import io.lmforge.config.Settings;

import java.io.Serializable;
import java.util.List;

/**
 * The {@code clean} section. The first four rules are on by default; the last four are off,
 * because they destroy what a language model has to learn (see README, "Cleaning and quality
 * filters"), and are kept for users who want the source documents' behaviour.
 *
 * @param decodeEntities    decode HTML entities left in the text ({@code &amp;amp;}, {@code &amp;#8217;})
 * @param nfkc              Unicode NFKC normalisation
 * @param removeControl     drop control and invisible format characters, unify line breaks
 * @param collapseSpaces    collapse runs of spaces and tabs inside lines, drop trailing blanks; keep
 *                          indentation and paragraph breaks
 * @param removeUrls        drop http(s)/ftp/www URLs
 * @param lowercase         lower-case everything
 * @param removePunctuation drop punctuation
 * @param removeStopwords   drop the words in {@code stopwords}
 * @param stopwords         the words {@code remove-stopwords} drops (case-insensitive)
 */
public record CleanSettings(boolean decodeEntities, boolean nfkc, boolean removeControl, boolean collapseSpaces,
                            boolean removeUrls, boolean lowercase, boolean removePunctuation,
                            boolean removeStopwords, List<String> stopwords) implements Serializable {

    /** Lucene's English stop set: short, neutral, and under a licence we can ship. */
    public static final List<String> ENGLISH_STOPWORDS = List.of("a", "an", "and", "are", "as", "at", "be", "but",
            "by", "for", "if", "in", "into", "is", "it", "no", "not", "of", "on", "or", "such", "that", "the",
            "their", "then", "there", "these", "they", "this", "to", "was", "will", "with");

    public static final CleanSettings DEFAULTS = new CleanSettings(true, true, true, true,
            false, false, false, false, ENGLISH_STOPWORDS);

    public static CleanSettings from(Settings s) {
        CleanSettings out = new CleanSettings(
                s.bool("decode-entities", DEFAULTS.decodeEntities),
                s.bool("nfkc", DEFAULTS.nfkc),
                s.bool("remove-control", DEFAULTS.removeControl),
                s.bool("collapse-spaces", DEFAULTS.collapseSpaces),
                s.bool("remove-urls", DEFAULTS.removeUrls),
                s.bool("lowercase", DEFAULTS.lowercase),
                s.bool("remove-punctuation", DEFAULTS.removePunctuation),
                s.bool("remove-stopwords", DEFAULTS.removeStopwords),
                s.strings("stopwords", DEFAULTS.stopwords));
        s.requireNoUnknownKeys();
        return out;
    }
}
