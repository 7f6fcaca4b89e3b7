package io.lmforge.corpus;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stage's figures for {@code manifest.json}. Some are known once the stage has run (dedup's
 * counts); others are summed over the documents as written (PII matches per kind), which the
 * runner reads back once every stage is done, so they cost one pass over a few columns.
 */
@FunctionalInterface
public interface StageReport {
    StageReport NONE = documents -> Map.of();

    /** The figures, given the written {@code documents/}. */
    Map<String, Object> figures(Dataset<Row> documents);

    /** Figures already known. */
    static StageReport of(Map<String, Object> figures) {
        Map<String, Object> copy = new LinkedHashMap<>(figures);
        return documents -> copy;
    }
}
