package io.lmforge.corpus;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.Map;

/**
 * One step of the document pipeline (clean, filter, langid, pii, dedup...).
 *
 * <p>The contract, which the runner's accounting check enforces: the stage gets every ingested
 * row (schema {@link Schemas#INGEST} less the quarantine column, plus columns earlier stages
 * added) and returns every one of them. Rows whose {@link Columns#REJECTION} is already set pass
 * through unchanged; a kept row the stage removes gets a rejection through {@link Rejections}.
 * A stage never drops or duplicates a row, and never needs to know which stage ran before it.
 */
public interface Stage {

    /** The name used in the config's {@code stages} list and in {@code rejected.stage}. */
    String name();

    Dataset<Row> apply(Dataset<Row> corpus, StageContext context);

    /**
     * True for stages that read their input more than once (joins, aggregations over the whole
     * corpus, such as dedup): the runner then materializes the input first, so the upstream
     * stages are computed once.
     */
    default boolean needsMaterializedInput() {
        return false;
    }

    /**
     * Applied by the runner to text it writes for people to read ({@code rejected_samples/}, and
     * {@code quarantine/} snippets), which shows documents as they were when they left, perhaps
     * before this stage ran. A stage that removes what must never be written (personal data)
     * returns its masking expression; the rest leave the text as it is.
     */
    default Column maskSample(Column text) {
        return text;
    }

    /**
     * Figures for {@code manifest.json}, computed once the kept documents are written (for
     * example PII counts per kind summed from a signal column). Called with the written
     * {@code documents/} read back.
     */
    default Map<String, Object> report(Dataset<Row> documents) {
        return Map.of();
    }
}
