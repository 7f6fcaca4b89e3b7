package io.lmforge.langid;

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
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

/**
 * Language identification with Lingua: sets {@code lang} (ISO 639-1) and {@code lang_confidence}
 * on prose, and rejects documents outside {@code allow} ({@code lang_not_allowed}), below
 * {@code min-confidence} ({@code lang_uncertain}) or with no identifiable language
 * ({@code lang_unknown}).
 *
 * <p>A {@code lang} a reader already set (a wiki dump knows its language) is kept and only
 * checked against the allowlist. Source code is left alone by default: its comments say little
 * about whether the file is worth training on, and a Python file is not "English prose".
 * A Java UDF: detection is Lingua's n-gram models, with one detector per executor JVM.
 */
public final class LangIdStage implements Stage {
    public static final String NAME = "langid";
    public static final String CONFIDENCE = "lang_confidence";
    private static final StructType RESULT = new StructType()
            .add("lang", DataTypes.StringType).add("confidence", DataTypes.DoubleType);

    private final LangIdSettings settings;

    public LangIdStage(LangIdSettings settings) {
        this.settings = settings;
    }

    public static LangIdStage from(Settings section) {
        return new LangIdStage(LangIdSettings.from(section));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> requiredColumns() {
        return Set.of();
    }

    /** {@code lang} is an ingest column: set here where a reader left it null. */
    @Override
    public Set<String> addedColumns() {
        return Set.of(CONFIDENCE);
    }

    @Override
    public StageResult apply(Dataset<Row> corpus, StageContext context) {
        LangIdSettings s = settings;
        UDF1<String, Row> detect = text -> {
            Object[] best = text == null ? null : Detectors.detect(s, text);
            return best == null ? RowFactory.create(null, null) : RowFactory.create(best);
        };
        Column preset = col(Columns.LANG).isNotNull();
        Column identify = Rejections.isKept().and(preset.unary_$bang());
        if (settings.code().equals("keep")) {
            identify = identify.and(col(Columns.CODE_LANG).isNull());
        }
        Column checked = Rejections.isKept().and(settings.code().equals("keep")
                ? col(Columns.CODE_LANG).isNull() : lit(true));

        Map<String, Column> detected = new LinkedHashMap<>();
        detected.put("_langid", when(identify, udf(detect, RESULT).apply(col(Columns.TEXT))));
        Dataset<Row> out = corpus.withColumns(detected);
        Map<String, Column> columns = new LinkedHashMap<>();
        columns.put(Columns.LANG, when(identify, col("_langid.lang")).otherwise(col(Columns.LANG)));
        columns.put(CONFIDENCE, when(identify, col("_langid.confidence")));
        out = out.withColumns(columns).drop("_langid");

        Column lang = col(Columns.LANG);
        Column confidence = col(CONFIDENCE);
        Column reason = when(checked.and(lang.isNull()), lit("lang_unknown"))
                .when(checked.and(lang.isin(settings.allow().toArray()).unary_$bang()), lit("lang_not_allowed"))
                .when(checked.and(coalesce(confidence, lit(1.0)).lt(settings.minConfidence())), lit("lang_uncertain"));
        Column detail = format_string("lang=%s, confidence=%s, allowed=%s", lang,
                coalesce(confidence.cast("string"), lit("preset")), lit(String.join(",", settings.allow())));
        return new StageResult(Rejections.reject(out, NAME, reason, when(reason.isNotNull(), detail)),
                this::documentsByLang);
    }

    /** Kept documents per language, for the manifest. */
    private Map<String, Object> documentsByLang(Dataset<Row> documents) {
        Map<String, Object> byLang = new LinkedHashMap<>();
        List<Row> rows = documents.groupBy(coalesce(col(Columns.LANG), lit("(code)")).as("l")).count()
                .orderBy(col("count").desc()).collectAsList();
        for (Row r : rows) {
            byLang.put(r.getString(0), r.getLong(1));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("documents_by_lang", byLang);
        return out;
    }

    /** Found by the runner through {@code META-INF/services/io.lmforge.corpus.StageFactory}. */
    public static final class Factory extends StageFactory.Of {
        public Factory() {
            super(NAME, 30, LangIdStage::from);
        }
    }
}
