package io.lmforge.pii;

import io.lmforge.config.InvalidConfigException;
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

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

/**
 * PII masking: replaces e-mail addresses, phone numbers, public IP addresses, payment cards,
 * Chinese resident IDs and secrets with placeholders ({@link PiiKind}) in prose and code, keeps
 * every document, and records what it replaced in the {@code pii} column (kind to count, null
 * when none). The manifest gets the totals per kind.
 *
 * <pre>
 * pii { kinds = [private_key, secret, email, card, cn_id, ipv6, ipv4, phone], phone-regions = [US, CN] }
 * </pre>
 * A Java UDF: the checks (Luhn, GB 11643, public suffixes, numbering plans) are code.
 */
public final class PiiStage implements Stage {
    public static final String NAME = "pii";
    public static final String SIGNAL = "pii";
    private static final StructType RESULT = new StructType()
            .add("text", DataTypes.StringType)
            .add("counts", DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType));

    private final PiiMasker masker;

    public PiiStage(PiiMasker masker) {
        this.masker = masker;
    }

    public static PiiStage from(Settings s) {
        Set<PiiKind> kinds = EnumSet.noneOf(PiiKind.class);
        for (String k : s.strings("kinds")) {
            try {
                kinds.add(PiiKind.parse(k));
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException(s.name("kinds") + " names '" + k + "', which is not one of "
                        + EnumSet.allOf(PiiKind.class).stream().map(PiiKind::key).toList());
            }
        }
        List<String> regions = s.strings("phone-regions");
        for (String r : regions) {
            if (!com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance().getSupportedRegions().contains(r)) {
                throw new InvalidConfigException(s.name("phone-regions") + " names '" + r
                        + "', which is not a region code libphonenumber knows (US, CN, GB, DE...)");
            }
        }
        s.requireNoUnknownKeys();
        return new PiiStage(new PiiMasker(kinds, regions));
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
        return Set.of(SIGNAL);
    }

    @Override
    public StageResult apply(Dataset<Row> corpus, StageContext context) {
        PiiMasker m = masker;
        UDF1<String, Row> mask = text -> {
            PiiMasker.Result r = m.mask(text);
            return RowFactory.create(r.text(), r.counts().isEmpty() ? null
                    : scala.jdk.javaapi.CollectionConverters.asScala(r.counts()));
        };
        Map<String, Column> tmp = new LinkedHashMap<>();
        tmp.put("_pii", when(Rejections.isKept(), udf(mask, RESULT).apply(col(Columns.TEXT))));
        Map<String, Column> out = new LinkedHashMap<>();
        out.put(Columns.TEXT, Rejections.onKept(col("_pii.text"), Columns.TEXT));
        out.put(SIGNAL, col("_pii.counts"));
        return new StageResult(corpus.withColumns(tmp).withColumns(out).drop("_pii"), this::countsByKind);
    }

    /**
     * The same masking for the runner's {@code rejected_samples/} and quarantine snippets, whose
     * text may come from documents rejected before this stage ran.
     */
    @Override
    public Column maskSample(Column text) {
        PiiMasker m = masker;
        UDF1<String, String> mask = t -> t == null ? null : m.mask(t).text();
        return udf(mask, DataTypes.StringType).apply(text);
    }

    /** Replacements per kind and the number of documents with any, summed from the written documents. */
    private Map<String, Object> countsByKind(Dataset<Row> documents) {
        Map<String, Object> byKind = new LinkedHashMap<>();
        for (Row r : documents.select(explode(col(SIGNAL))).groupBy("key").agg(sum("value"))
                .orderBy("key").collectAsList()) {
            byKind.put(r.getString(0), r.getLong(1));
        }
        long docs = documents.filter(col(SIGNAL).isNotNull()).agg(count("*")).first().getLong(0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("masked", byKind);
        out.put("documents_with_pii", docs);
        return out;
    }

    /** Found by the runner through {@code META-INF/services/io.lmforge.corpus.StageFactory}. */
    public static final class Factory extends StageFactory.Of {
        public Factory() {
            super(NAME, 40, PiiStage::from);
        }
    }
}
