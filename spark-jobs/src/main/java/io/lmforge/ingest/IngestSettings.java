package io.lmforge.ingest;

import io.lmforge.config.Settings;

import java.io.Serializable;

/**
 * The {@code ingest} section: limits that apply to every source unless a source overrides them.
 *
 * @param maxRecordBytes  a larger record is quarantined
 * @param snippetChars    how much of an unreadable record a quarantine row keeps
 * @param bytesPerTask    input bytes a read task aims at; many small files share a task
 */
public record IngestSettings(long maxRecordBytes, int snippetChars, long bytesPerTask) implements Serializable {

    /** reference.conf's {@code lmforge.corpus.ingest}. */
    public static final IngestSettings DEFAULTS = from(io.lmforge.corpus.CorpusSettings.of(
            com.typesafe.config.ConfigFactory.empty(), "ingest"));

    public static IngestSettings from(Settings s) {
        IngestSettings settings = new IngestSettings(
                s.bytes("max-record-bytes"),
                s.integer("snippet-chars"),
                s.bytes("bytes-per-task"));
        s.requireNoUnknownKeys();
        return settings;
    }
}
