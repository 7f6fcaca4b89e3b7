package io.lmforge.corpus;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.util.Map;

/**
 * A step that builds something from the finished documents rather than changing them: the
 * tokenizer, the packed shards. It writes under {@code layout.staged(name)}; the runner publishes
 * those outputs with the others once the whole run has succeeded.
 */
public interface ArtifactStage {

    /** The config name, also the output directory it stages ({@code tokenizer}, {@code shards}). */
    String name();

    /**
     * Builds the artifact from the kept documents (already written, read back) and returns
     * figures for {@code manifest.json}.
     */
    Map<String, Object> build(Dataset<Row> documents, StageContext context) throws IOException;
}
