package io.lmforge.corpus;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

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

    /**
     * The figures when they are known without the documents (see {@link #of}); the runner keeps
     * them in a step's completion marker, so a resumed run reports them without running the stage.
     */
    default Optional<Map<String, Object>> known() {
        return Optional.empty();
    }

    /** Figures already known. */
    static StageReport of(Map<String, Object> figures) {
        Map<String, Object> copy = new LinkedHashMap<>(figures);
        return new StageReport() {
            @Override
            public Map<String, Object> figures(Dataset<Row> documents) {
                return copy;
            }

            @Override
            public Optional<Map<String, Object>> known() {
                return Optional.of(copy);
            }
        };
    }
}
