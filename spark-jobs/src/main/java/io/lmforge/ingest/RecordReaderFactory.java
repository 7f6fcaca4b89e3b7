package io.lmforge.ingest;

import java.io.IOException;
import java.io.Serializable;

/** Opens a {@link RecordReader} for one file of a source; shipped to executors. */
@FunctionalInterface
public interface RecordReaderFactory extends Serializable {
    RecordReader open(InputFile file) throws IOException;
}
