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

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.rtrim;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.substring;
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
    /**
     * POSIX {@code \\p{Punct}} as ranges: {@code !"#$%&'()*+,-./ :;<=>?@ [\\]^_` {|}~}. The
     * RAPIDS regex transpiler rejects {@code \\p} inside a character class.
     */
    public static final String ASCII_PUNCT = "\\x21-\\x2F\\x3A-\\x40\\x5B-\\x60\\x7B-\\x7E";
    /** ASCII punctuation plus general, CJK and other common punctuation blocks. */
    static final String PUNCTUATION = "[" + ASCII_PUNCT + "\\x{00A1}\\x{00AB}\\x{00BB}\\x{00BF}\\x{2010}-\\x{2027}"
            + "\\x{2030}-\\x{205E}\\x{3001}-\\x{3003}\\x{3008}-\\x{3011}\\x{3014}-\\x{301F}\\x{FF01}-\\x{FF0F}]";

    /**
     * How the text is cleaned; the result is the same. {@code sql}: Spark SQL built-ins (the
     * RAPIDS Accelerator runs the regexes on a GPU); {@code jvm}: one UDF per document that applies
     * the same rules to one Java string ({@link CleanText}), without a UTF-8 round trip per rule and
     * with the hot rules as hand-written scans; {@code auto}: {@code sql} when the RAPIDS plugin is
     * loaded, {@code jvm} otherwise.
     */
    public enum Engine { AUTO, SQL, JVM }

    private final CleanSettings settings;
    private final Engine engine;

    public CleanStage(CleanSettings settings) {
        this(settings, Engine.AUTO);
    }

    public CleanStage(CleanSettings settings, Engine engine) {
        this.settings = settings;
        this.engine = engine;
    }

    public static CleanStage from(Settings section) {
        String name = section.string("engine");
        Engine engine;
        try {
            engine = Engine.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new io.lmforge.config.InvalidConfigException(section.name("engine") + " = '" + name
                    + "': must be auto, sql or jvm");
        }
        return new CleanStage(CleanSettings.from(section), engine);
    }

    /** The same stage with another engine (tests and the bench compare them). */
    public CleanStage withEngine(Engine engine) {
        return new CleanStage(settings, engine);
    }

    /** The engine a session runs: {@code auto} resolved against its {@code spark.plugins}. */
    public Engine engineFor(org.apache.spark.sql.SparkSession spark) {
        if (engine != Engine.AUTO) {
            return engine;
        }
        String plugins = spark.sparkContext().getConf().get("spark.plugins", "");
        return plugins.contains("com.nvidia.spark.SQLPlugin") ? Engine.SQL : Engine.JVM;
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
        Dataset<Row> out;
        if (engineFor(corpus.sparkSession()) == Engine.JVM) {
            boolean icuLower = Boolean.parseBoolean(corpus.sparkSession().conf().get("spark.sql.icu.caseMappings.enabled", "true"));
            CleanText jvm = new CleanText(settings, icuLower);
            org.apache.spark.sql.api.java.UDF2<String, Boolean, String> f = (t, isProse) -> jvm.clean(t, isProse);
            Column cleaned = org.apache.spark.sql.functions.udf(f, org.apache.spark.sql.types.DataTypes.StringType)
                    .apply(text, col(Columns.CODE_LANG).isNull());
            out = corpus.withColumn(Columns.TEXT, Rejections.onKept(cleaned, Columns.TEXT));
        } else {
            // Each UDF gets a projection of its own, and the rules one that reads their output: in
            // one projection the RAPIDS Accelerator would run every rule around a UDF on the CPU
            // too (its CPU bridge keeps a CPU value's consumers there), and NFKC, which reads the
            // decoded text three times, would have the bridge decode it three times. Spark keeps
            // the projections apart because each reads a UDF's output more than once.
            Dataset<Row> decoded = corpus;
            for (UnaryOperator<Column> udf : decoders()) {
                decoded = decoded.withColumn(Columns.TEXT, Rejections.onKept(
                        when(col(Columns.CODE_LANG).isNull(), udf.apply(text)).otherwise(text), Columns.TEXT));
            }
            Column cleaned = when(col(Columns.CODE_LANG).isNull(), rules(text)).otherwise(code(text));
            out = decoded.withColumn(Columns.TEXT, Rejections.onKept(cleaned, Columns.TEXT));
        }
        return StageResult.of(Rejections.reject(out, NAME,
                when(blank(col(Columns.TEXT)), lit("empty_after_clean"))));
    }

    /** Java's {@code \s}: what {@code ^\s*$}, {@code \s+$} and the JVM engine's scans call white space. */
    static final String SPACE = " \t\n\u000B\f\r";
    /** The line terminators other than {@code \n} and {@code \r} before which a regex's {@code $} also matches. */
    private static final String[] FINAL_TERMINATORS = {"\u0085", "\u2028", "\u2029"};

    /**
     * {@code t IS NULL OR t RLIKE '^\s*$'} without the anchors, which the RAPIDS regex transpiler
     * rejects there: nothing but white space, or white space and one final NEL, LS or PS (Java's
     * {@code $} matches before a final line terminator). Most texts have a character outside these
     * at their start, where the first regex stops; the rest of the test (character counts over the
     * whole text) runs only on the rare rows made of white space and terminators.
     */
    static Column blank(Column t) {
        String terminators = String.join("", FINAL_TERMINATORS);
        Column onlySpaceOrTerminators = not(t.rlike("[^" + SPACE + terminators + "]"));
        Column noTerminator = not(t.rlike("[" + terminators + "]"));
        Column oneFinalTerminator = endsInTerminator(t).and(not(allButLast(t).rlike("[" + terminators + "]")));
        return t.isNull().or(onlySpaceOrTerminators.and(noTerminator.or(oneFinalTerminator)));
    }

    /**
     * {@code regexp_replace(t, '\s+$', '')} without the end anchor: the white space at the end
     * goes, or, when the text ends in NEL, LS or PS (before which {@code $} also matches), the
     * white space before that last character.
     */
    static Column trimEnd(Column t) {
        return when(endsInTerminator(t), concat(rtrim(allButLast(t), SPACE), substring(t, -1, 1)))
                .otherwise(rtrim(t, SPACE));
    }

    /** Whether the text's last character is NEL, LS or PS. */
    private static Column endsInTerminator(Column t) {
        return substring(t, -1, 1).isin((Object[]) FINAL_TERMINATORS);
    }

    /** The text without its last character. */
    private static Column allButLast(Column t) {
        return t.substr(lit(1), length(t).minus(1));
    }

    /** Entity decoding and NFKC, as configured: the two UDFs, each on the rows that need it, in this order. */
    List<UnaryOperator<Column>> decoders() {
        List<UnaryOperator<Column>> out = new ArrayList<>();
        if (settings.decodeEntities()) {
            // Before NFKC: &nbsp; and &#65297; decode to characters that NFKC then folds.
            out.add(t -> when(t.rlike(ENTITY), TextUdfs.unescapeEntities(t)).otherwise(t));
        }
        if (settings.nfkc()) {
            // ASCII is already NFKC: only the rest pays for the UDF.
            out.add(t -> when(t.rlike("[^\\x00-\\x7F]"), TextUdfs.nfkc(t)).otherwise(t));
        }
        return out;
    }

    /** The prose rules after the {@link #decoders}, in an order where each sees the output of the ones that must come first. */
    Column rules(Column t) {
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
            // ^\s*\n|\s+$ as two steps: RAPIDS does not transpile the end anchor of \s+$.
            t = trimEnd(regexp_replace(t, "^\\s*\\n", ""));
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
