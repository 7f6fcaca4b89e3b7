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

    /** reference.conf's {@code lmforge.corpus.clean} (its stopwords: Lucene's English stop set). */
    public static final CleanSettings DEFAULTS = from(io.lmforge.corpus.CorpusSettings.of(
            com.typesafe.config.ConfigFactory.empty(), "clean"));

    public static CleanSettings from(Settings s) {
        CleanSettings out = new CleanSettings(
                s.bool("decode-entities"),
                s.bool("nfkc"),
                s.bool("remove-control"),
                s.bool("collapse-spaces"),
                s.bool("remove-urls"),
                s.bool("lowercase"),
                s.bool("remove-punctuation"),
                s.bool("remove-stopwords"),
                s.strings("stopwords"));
        s.requireNoUnknownKeys();
        return out;
    }
}
