package io.lmforge.ingest;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;

/**
 * One file a reader is given: where it is, what it is called in outputs, and which source it
 * belongs to.
 *
 * @param path     full Hadoop path
 * @param name     path relative to the source's root, as written to {@code file} columns
 * @param length   bytes on disk
 * @param source   the source it belongs to
 * @param settings run-wide ingest limits
 */
public record InputFile(String path, String name, long length, SourceConfig source, IngestSettings settings,
                        Configuration hadoop) {

    /** The raw bytes, as stored. */
    public FSDataInputStream open() throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(hadoop);
        return fs.open(p);
    }

    /** The bytes with compression removed, chosen by the file name's extension. */
    public InputStream openDecompressed() throws IOException {
        return Compression.forName(path).decompress(open());
    }

    /** At most {@code settings().snippetChars()} characters of {@code text}, for quarantine rows. */
    public String snippet(String text) {
        if (text == null) {
            return null;
        }
        int limit = settings.snippetChars();
        return text.length() <= limit ? text : text.substring(0, limit);
    }
}
