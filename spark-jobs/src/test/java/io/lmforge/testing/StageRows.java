package io.lmforge.testing;

import io.lmforge.corpus.Columns;
import io.lmforge.corpus.Schemas;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the rows a document stage receives (the ingest schema without the quarantine column) on
 * the shared session, so a stage can be tested on its own; and reads results back by id.
 */
public final class StageRows {
    public static final StructType SCHEMA = new StructType(Arrays.stream(Schemas.INGEST.fields())
            .filter(f -> !f.name().equals(Columns.QUARANTINE)).toArray(StructField[]::new));

    private final List<Row> rows = new ArrayList<>();

    public StageRows prose(String id, String text) {
        return add(id, text, null, "web");
    }

    public StageRows code(String id, String text, String codeLang) {
        return add(id, text, codeLang, "code");
    }

    public StageRows add(String id, String text, String codeLang, String domain) {
        rows.add(RowFactory.create((long) rows.size(), id, "test", domain, null, null, null, codeLang, text,
                "test.jsonl", (long) rows.size(), null, null));
        return this;
    }

    public Dataset<Row> dataset() {
        return SparkTestSession.get().createDataFrame(rows, SCHEMA).repartition(2);
    }

    /** Collects a stage's output by id. */
    public static Map<String, Row> byId(Dataset<Row> out) {
        Map<String, Row> m = new LinkedHashMap<>();
        for (Row r : out.collectAsList()) {
            m.put(r.getAs(Columns.ID), r);
        }
        return m;
    }

    /** The rejection reason of a row, or null while it is kept. */
    public static String reason(Row r) {
        Row rejection = r.getAs(Columns.REJECTION);
        return rejection == null ? null : rejection.getAs(Columns.REASON);
    }

    public static String detail(Row r) {
        Row rejection = r.getAs(Columns.REJECTION);
        return rejection == null ? null : rejection.getAs(Columns.DETAIL);
    }

    public static String stage(Row r) {
        Row rejection = r.getAs(Columns.REJECTION);
        return rejection == null ? null : rejection.getAs(Columns.STAGE);
    }
}
