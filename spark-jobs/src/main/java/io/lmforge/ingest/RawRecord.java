package io.lmforge.ingest;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One record as a reader saw it, before it becomes a row. Built with {@link #at(long)} and the
 * fluent setters; everything but the position is optional. A null {@code id} is replaced by a
 * stable id derived from the source, file and position.
 */
public final class RawRecord {
    private final long offset;
    private String id;
    private String url;
    private String title;
    private String text;
    private String codeLang;
    private String domain;
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private RawRecord(long offset) {
        this.offset = offset;
    }

    /** A record that starts at {@code offset}: a byte offset, or a row index for Parquet. */
    public static RawRecord at(long offset) {
        return new RawRecord(offset);
    }

    public RawRecord id(String id) {
        this.id = id == null || id.isEmpty() ? null : id;
        return this;
    }

    public RawRecord url(String url) {
        this.url = url;
        return this;
    }

    public RawRecord title(String title) {
        this.title = title;
        return this;
    }

    public RawRecord text(String text) {
        this.text = text;
        return this;
    }

    public RawRecord codeLang(String codeLang) {
        this.codeLang = codeLang;
        return this;
    }

    /** The record's own domain (JSONL {@code metadata.domain}); overrides the source's. */
    public RawRecord domain(String domain) {
        this.domain = domain == null || domain.isEmpty() ? null : domain;
        return this;
    }

    public RawRecord meta(String key, String value) {
        if (value != null) {
            metadata.put(key, value);
        }
        return this;
    }

    public long offset() {
        return offset;
    }

    public String id() {
        return id;
    }

    public String url() {
        return url;
    }

    public String title() {
        return title;
    }

    public String text() {
        return text;
    }

    public String codeLang() {
        return codeLang;
    }

    public String domain() {
        return domain;
    }

    public Map<String, String> metadata() {
        return metadata;
    }
}
