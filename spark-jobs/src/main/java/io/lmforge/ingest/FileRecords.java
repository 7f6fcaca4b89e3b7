package io.lmforge.ingest;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.ZipException;

/**
 * The rows of one input file, read lazily as Spark pulls them, so a file never sits in memory
 * whole. Turns a reader's calls on its {@link RecordSink} into {@link io.lmforge.corpus.Schemas#INGEST}
 * rows, and an error that ends the file into one last quarantine row.
 */
final class FileRecords implements Iterator<Row> {
    /** Bits of a uid left for the record's ordinal in its file: 2^40 records a file, 2^23 files a run. */
    static final int ORDINAL_BITS = 40;

    private final IngestTask task;
    private final InputFile file;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();
    private final RecordSink sink = new Sink();
    private RecordReader reader;
    private boolean done;
    private long ordinal;

    FileRecords(IngestTask task, IngestSettings settings, Configuration hadoop) {
        this.task = task;
        this.file = new InputFile(task.file().path(), task.file().name(), task.file().length(),
                task.source(), settings, hadoop);
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty() && !done) {
            step();
        }
        return !ready.isEmpty();
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    private void step() {
        if (reader == null) {
            try {
                reader = task.source().format().readers(task.source()).open(file);
            } catch (IOException | RuntimeException e) {
                sink.quarantine(0, "cannot open the file: " + describe(e), null);
                done = true;
                return;
            }
        }
        try {
            if (!reader.next(sink)) {
                close();
            }
        } catch (IOException | RuntimeException e) {
            sink.quarantine(reader.position(), "unreadable from this offset to the end of the file: " + describe(e), null);
            close();
        }
    }

    private void close() {
        done = true;
        try {
            reader.close();
        } catch (IOException | RuntimeException ignored) {
            // The records are all out; a failure to close changes none of them.
        }
    }

    static String describe(Throwable e) {
        String message = e.getMessage() == null ? "" : ": " + e.getMessage();
        if (e instanceof EOFException) {
            return "unexpected end of data, the file is truncated" + message;
        }
        if (e instanceof ZipException) {
            return "corrupt gzip data" + message;
        }
        return e.getClass().getSimpleName() + message;
    }

    private long nextUid() {
        if (ordinal >= (1L << ORDINAL_BITS)) {
            throw new IllegalStateException(file.path() + " holds more than 2^40 records");
        }
        return ((long) task.fileIndex() << ORDINAL_BITS) | ordinal++;
    }

    private final class Sink implements RecordSink {
        @Override
        public void keep(RawRecord r) {
            ready.add(row(r, null));
        }

        @Override
        public void reject(RawRecord r, String reason, String detail) {
            ready.add(row(r, RowFactory.create("ingest", reason, detail, null, null)));
        }

        @Override
        public void quarantine(long offset, String error, String snippet) {
            SourceConfig s = task.source();
            ready.add(RowFactory.create(nextUid(), derivedId(offset), s.name(), s.domain(), null, null, null, null,
                    null, file.name(), offset, null, null,
                    RowFactory.create(file.path(), offset, error, file.snippet(snippet))));
        }

        private Row row(RawRecord r, Row rejection) {
            SourceConfig s = task.source();
            String id = r.id() != null ? r.id() : derivedId(r.offset());
            String domain = r.domain() != null ? r.domain() : s.domain();
            return RowFactory.create(nextUid(), id, s.name(), domain, r.url(), r.title(), null, r.codeLang(),
                    r.text(), file.name(), r.offset(),
                    r.metadata().isEmpty() ? null : scala.jdk.javaapi.CollectionConverters.asScala(r.metadata()),
                    rejection, null);
        }

        /** A stable id for records without one: source, file, and where in the file. */
        private String derivedId(long offset) {
            return task.source().name() + ":" + file.name() + "@" + offset;
        }
    }
}
