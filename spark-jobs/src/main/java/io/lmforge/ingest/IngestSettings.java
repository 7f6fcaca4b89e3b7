package io.lmforge.ingest;

import io.lmforge.config.Settings;

import java.io.Serializable;

/**
 * The {@code ingest} section: limits that apply to every source unless a source overrides them.
 *
 * @param maxRecordBytes  default 10 MB; a larger record is quarantined
 * @param snippetChars    how much of an unreadable record a quarantine row keeps
 * @param bytesPerTask    input bytes a read task aims at; many small files share a task
 */
public record IngestSettings(long maxRecordBytes, int snippetChars, long bytesPerTask) implements Serializable {

    public static final IngestSettings DEFAULTS = new IngestSettings(10L << 20, 200, 128L << 20);

    public static IngestSettings from(Settings s) {
        IngestSettings settings = new IngestSettings(
                s.bytes("max-record-bytes", DEFAULTS.maxRecordBytes),
                s.integer("snippet-chars", DEFAULTS.snippetChars),
                s.bytes("bytes-per-task", DEFAULTS.bytesPerTask));
        s.requireNoUnknownKeys();
        return settings;
    }
}
