package io.lmforge.corpus;

/**
 * Column names every stage may rely on. Stages add their own signal columns beside these; the
 * names here are the ones that outputs, users' notebooks and later stages depend on.
 */
public final class Columns {
    /** The record's own id (JSONL/Parquet {@code id}, WARC-Record-ID), or one derived from file and position. */
    public static final String ID = "id";
    /** The name of the source in the config. */
    public static final String SOURCE = "source";
    public static final String DOMAIN = "domain";
    public static final String URL = "url";
    public static final String TITLE = "title";
    /** Natural language, set by language identification; null before it. */
    public static final String LANG = "lang";
    public static final String TEXT = "text";
    /** Programming language of a source-code file, null for prose. Code gets code rules. */
    public static final String CODE_LANG = "code_lang";
    /** Where the record came from: file path relative to the source's root, and byte offset or line. */
    public static final String FILE = "file";
    public static final String OFFSET = "offset";
    /** Reader-specific extras (content type, difficulty, WARC date...), string to string. */
    public static final String METADATA = "metadata";

    /**
     * Internal row key, unique in a run and stable across re-runs: file index in the sorted input
     * list, shifted, plus the record's ordinal in its file. Record ids can repeat across sources,
     * so joins (dedup) use this. Not written to {@code documents/}.
     */
    public static final String UID = "_uid";

    /** Null while a row is kept; set once, by the first stage that removes it. */
    public static final String REJECTION = "rejection";
    public static final String STAGE = "stage";
    public static final String REASON = "reason";
    public static final String DETAIL = "detail";
    public static final String DUPLICATE_OF = "duplicate_of";
    public static final String DISTANCE = "distance";

    /** Set by readers on records they could not read; such rows leave at ingest for {@code quarantine/}. */
    public static final String QUARANTINE = "quarantine";
    public static final String ERROR = "error";
    public static final String SNIPPET = "snippet";

    private Columns() {
    }
}
