package io.lmforge.corpus;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.Set;

/**
 * One step of the document pipeline (clean, filter, langid, pii, dedup...), created by its
 * {@link StageFactory}.
 *
 * <p>The contract, which the runner's accounting check enforces: the stage gets every ingested
 * row (the columns of {@link Schemas#documentColumns()}, plus those earlier stages added) and
 * returns every one of them. Rows whose {@link Columns#REJECTION} is already set pass through
 * unchanged; a kept row the stage removes gets a rejection through {@link Rejections}. A stage
 * never drops or duplicates a row, and never needs to know which stage ran before it: it says
 * which columns it reads and adds, and a config whose stages do not fit together fails when it
 * loads.
 */
public interface Stage {

    /** The name used in the config's {@code stages} list and in {@code rejected.stage}. */
    String name();

    /**
     * Columns it reads that an earlier stage must add (beyond {@link Schemas#documentColumns()},
     * which every stage may read): a config that runs it without them fails when it loads.
     */
    Set<String> requiredColumns();

    /** Columns it adds to every row (signals such as {@code lang} or {@code word_count}). */
    Set<String> addedColumns();

    /** Rows and report; see the class comment for what it may and may not do with rows. */
    StageResult apply(Dataset<Row> corpus, StageContext context);

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
}
