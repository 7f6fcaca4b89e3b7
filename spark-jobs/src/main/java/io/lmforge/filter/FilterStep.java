package io.lmforge.filter;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataType;

import java.util.List;
import java.util.Map;

/**
 * One quality rule set with its own thresholds: it measures signals (kept as columns of
 * {@code documents/}) and names the rules that reject a document from them. Steps know nothing
 * of each other; {@link FilterStage} runs them in the configured order, and the first rule that
 * fails gives a document its reason.
 */
public interface FilterStep extends java.io.Serializable {

    /** Whether a step measures prose or source code ({@code code_lang} set). */
    enum Target { PROSE, CODE }

    /** The name in {@code filter.steps} and of the step's config section. */
    String name();

    /** Prose by default; code steps say so. */
    default Target target() {
        return Target.PROSE;
    }

    /**
     * Temporary columns several of the step's signals read, by name (starting with {@code _}):
     * computed once per document before the signals, dropped after. None by default.
     */
    default Map<String, Column> shared() {
        return Map.of();
    }

    /** Signal columns, by name, computed from the text, {@link TextViews} and {@link #shared()}. */
    Map<String, Column> signals();

    /**
     * The {@code jvm} engine's measure: the same values as {@link #signals()}, in its order, from
     * the views {@link ScannedText} scans once per document. Called only on the documents the
     * step applies to.
     */
    Object[] measure(ScannedText text);

    /** The types of {@link #signals()}, in its order (the {@code jvm} engine's struct fields). */
    DataType[] signalTypes();

    /** The step's rules, in order; each reads the signal columns. */
    List<Rule> rules();

    /**
     * A way to fail: when {@code fails} is true the document is rejected with {@code reason} (a
     * stable snake_case code) and {@code detail} (the measured value against the threshold).
     */
    record Rule(String reason, Column fails, Column detail) {
    }
}
