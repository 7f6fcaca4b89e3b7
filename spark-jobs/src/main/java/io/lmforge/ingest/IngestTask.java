package io.lmforge.ingest;

import java.io.Serializable;

/** One file to read, with its place in the run's sorted file list (which seeds record uids). */
public record IngestTask(int fileIndex, InputListing.Entry file, SourceConfig source) implements Serializable {
}
