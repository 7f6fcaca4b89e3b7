package io.lmforge.clean;

import io.lmforge.config.Settings;
import io.lmforge.corpus.Columns;
import io.lmforge.corpus.Rejections;
import io.lmforge.corpus.Stage;
import io.lmforge.corpus.StageContext;
import io.lmforge.corpus.StageFactory;
import io.lmforge.corpus.StageResult;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.Locale;
import java.util.Set;

import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

/**
 * Normalises text and keeps every document (one whose text cleaning empties is rejected as
 * {@code empty_after_clean}). Prose gets the configured rules; source code only gets line endings
 * unified and control characters removed, because NFKC, entity decoding and whitespace collapsing
 * change what a program means ({@code x²} is not {@code x2}, indentation is syntax in Python,
 * {@code &amp;amp;} in an XML file is meant).
 *
 * <p>Everything is a Spark SQL built-in except NFKC and entity decoding ({@link TextUdfs}). The
 * regexes use only what the RAPIDS Accelerator transpiles: character classes, ranges,
 * quantifiers, anchors, groups referred to in a replacement ({@code $1}); no lookaround,
 * backreferences in patterns or Unicode property classes.
 */
public final class CleanStage implements Stage {
    public static final String NAME = "clean";

    /** C0 controls except tab and newline, DEL, C1 controls, and invisible format characters. */
    static final String CONTROL = "[\\x00-\\x08\\x0E-\\x1F\\x7F-\\x9F\\x{200B}\\x{2060}\\x{FEFF}\\x{00AD}]";
    /** What else ends a line: CR (alone or before LF), vertical tab, form feed, NEL, LS, PS. */
    static final String LINE_BREAK = "\\r\\n|[\\r\\x0B\\x0C\\x{0085}\\x{2028}\\x{2029}]";
    /** A leftover entity: numeric, hex, or named. Only texts that contain one pay for the UDF. */
    static final String ENTITY = "&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});";
    static final String URL = "(https?|ftp)://[^\\s<>\"]+|www\\.[A-Za-z0-9-]+\\.[^\\s<>\"]+";
    /** ASCII punctuation plus general, CJK and other common punctuation blocks. */
    static final String PUNCTUATION = "[\\p{Punct}\\x{00A1}\\x{00AB}\\x{00BB}\\x{00BF}\\x{2010}-\\x{2027}"
            + "\\x{2030}-\\x{205E}\\x{3001}-\\x{3003}\\x{3008}-\\x{3011}\\x{3014}-\\x{301F}\\x{FF01}-\\x{FF0F}]";

    private final CleanSettings settings;

    public CleanStage(CleanSettings settings) {
        this.settings = settings;
    }

    public static CleanStage from(Settings section) {
        return new CleanStage(CleanSettings.from(section));
    }

    public CleanSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> requiredColumns() {
        return Set.of();
    }

    @Override
    public Set<String> addedColumns() {
        return Set.of();
    }

    @Override
    public StageResult apply(Dataset<Row> corpus, StageContext context) {
        Column text = col(Columns.TEXT);
        Column cleaned = when(col(Columns.CODE_LANG).isNull(), prose(text)).otherwise(code(text));
        Dataset<Row> out = corpus.withColumn(Columns.TEXT, Rejections.onKept(cleaned, Columns.TEXT));
        return StageResult.of(Rejections.reject(out, NAME,
                when(col(Columns.TEXT).isNull().or(col(Columns.TEXT).rlike("^\\s*$")),
                        lit("empty_after_clean"))));
    }

    /** The prose rules, in an order where each sees the output of the ones that must come first. */
    Column prose(Column t) {
        if (settings.decodeEntities()) {
            // Before NFKC: &nbsp; and &#65297; decode to characters that NFKC then folds.
            t = when(t.rlike(ENTITY), TextUdfs.unescapeEntities(t)).otherwise(t);
        }
        if (settings.nfkc()) {
            // ASCII is already NFKC: only the rest pays for the UDF.
            t = when(t.rlike("[^\\x00-\\x7F]"), TextUdfs.nfkc(t)).otherwise(t);
        }
        if (settings.removeControl()) {
            t = regexp_replace(regexp_replace(t, LINE_BREAK, "\n"), CONTROL, "");
        }
        if (settings.removeUrls()) {
            t = regexp_replace(t, URL, "");
        }
        if (settings.lowercase()) {
            t = lower(t);
        }
        if (settings.removePunctuation()) {
            t = regexp_replace(t, PUNCTUATION, "");
        }
        if (settings.removeStopwords()) {
            t = withoutStopwords(t);
        }
        if (settings.collapseSpaces()) {
            // A run of blanks after a word becomes one space and trailing blanks go, but a line's
            // indentation stays: it is the structure of code examples in documentation (Python
            // does not parse without it), of nested lists and of verse. Three or more line breaks
            // become one blank line, so paragraphs and single line breaks survive.
            t = regexp_replace(t, "([^ \\t\\n])[ \\t]+", "$1 ");
            t = regexp_replace(t, "[ \\t]+\\n", "\n");
            t = regexp_replace(t, "\\n{3,}", "\n\n");
            t = regexp_replace(t, "^\\s*\\n|\\s+$", "");
        }
        return t;
    }

    /** Source code: the text's meaning must not change, so only line endings and controls. */
    Column code(Column t) {
        if (!settings.removeControl()) {
            return t;
        }
        t = regexp_replace(t, "\\r\\n|\\r", "\n");
        return regexp_replace(t, "[\\x00-\\x08\\x0B\\x0E-\\x1F\\x7F\\x{FEFF}]", "");
    }

    /** Splits each line on spaces and drops tokens whose letters (punctuation stripped) are a stopword. */
    private Column withoutStopwords(Column t) {
        Column stops = lit(settings.stopwords().stream().map(w -> w.toLowerCase(Locale.ROOT))
                .toArray(String[]::new));
        return array_join(transform(split(t, "\\n", -1), line -> array_join(
                filter(split(line, " ", -1), w -> array_contains(stops,
                        lower(regexp_replace(w, PUNCTUATION, ""))).unary_$bang()), " ")), "\n");
    }

    /** Found by the runner through {@code META-INF/services/io.lmforge.corpus.StageFactory}. */
    public static final class Factory extends StageFactory.Of {
        public Factory() {
            super(NAME, 10, CleanStage::from);
        }
    }
}
