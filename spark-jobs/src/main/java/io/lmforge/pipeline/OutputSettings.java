package io.lmforge.pipeline;

import io.lmforge.corpus.CorpusSettings;
import io.lmforge.config.Settings;

import java.io.Serializable;
import java.util.Set;

/**
 * The {@code output} section.
 *
 * @param rejectedSamplesPerReason rejected documents kept with their text, per stage and reason,
 *                                 in {@code rejected_samples/} for a person to look at
 * @param checkpointEveryStage     materialize after every stage: exact per-stage timings and a
 *                                 place to look when a stage misbehaves, at the cost of a write each
 * @param compression              Parquet codec of the outputs
 * @param report                   write {@code OUT/report.html} (docs/reports.md)
 */
public record OutputSettings(int rejectedSamplesPerReason, boolean checkpointEveryStage, String compression,
                             boolean report)
        implements Serializable {

    /** reference.conf's {@code lmforge.corpus.output}. */
    public static final OutputSettings DEFAULTS = from(CorpusSettings.of(
            com.typesafe.config.ConfigFactory.empty(), "output"));

    public static OutputSettings from(Settings s) {
        String codec = s.string("compression");
        s.oneOf("compression", codec, Set.of("zstd", "snappy", "gzip", "lz4", "uncompressed"));
        OutputSettings out = new OutputSettings(
                s.integer("rejected-samples-per-reason"),
                s.bool("checkpoint-every-stage"),
                codec,
                s.bool("report"));
        s.requireNoUnknownKeys();
        return out;
    }
}
