package io.lmforge.corpus;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Serializable;

/**
 * The directories of a corpus run under {@code OUT/} (see shared/design.md), on any Hadoop
 * filesystem.
 *
 * <p>Nothing is written in place: outputs go to {@code OUT/_staging/NAME} and are moved to
 * {@code OUT/NAME} only when the whole run has succeeded; scratch data goes to {@code OUT/_work}.
 * {@code manifest.json} is removed when a run starts and written last, so its presence means the
 * outputs beside it are complete and belong together. (On object stores, where a rename is a
 * copy, the move is not atomic; the manifest rule still holds.)
 */
public final class OutputLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String DOCUMENTS = "documents";
    public static final String REJECTED = "rejected";
    public static final String QUARANTINE = "quarantine";
    public static final String REJECTED_SAMPLES = "rejected_samples";
    public static final String TOKENIZER = "tokenizer";
    public static final String SHARDS = "shards";
    public static final String MANIFEST = "manifest.json";
    public static final String REPORT = "report.html";

    private final String root;

    public OutputLayout(String root) {
        this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    }

    public String root() {
        return root;
    }

    /** Where a finished output lives: {@code OUT/name}. */
    public String published(String name) {
        return root + "/" + name;
    }

    /** Where an output is written during the run: {@code OUT/_staging/name}. */
    public String staged(String name) {
        return root + "/_staging/" + name;
    }

    /** Scratch space (checkpoints), removed when the run ends. */
    public String work(String name) {
        return root + "/_work/" + name;
    }

    /** Clears what an earlier, possibly failed, run left in the way. Published outputs stay until replaced. */
    public void begin(Configuration hadoop) throws IOException {
        FileSystem fs = fs(hadoop);
        fs.delete(new Path(published(MANIFEST)), false);
        fs.delete(new Path(published(REPORT)), false);   // an earlier run's report must not pass for this one's
        fs.delete(new Path(root + "/_staging"), true);
        fs.delete(new Path(root + "/_work"), true);
    }

    /** Moves a staged output into place, replacing the previous run's. */
    public void publish(Configuration hadoop, String name) throws IOException {
        FileSystem fs = fs(hadoop);
        Path staged = new Path(staged(name));
        if (!fs.exists(staged)) {
            return;
        }
        Path target = new Path(published(name));
        fs.delete(target, true);
        if (!fs.rename(staged, target)) {
            throw new IOException("could not move " + staged + " to " + target);
        }
    }

    /** Writes {@code manifest.json} through a staged file and a rename, so it is never half-written. */
    public void writeManifest(Configuration hadoop, byte[] json) throws IOException {
        writeFile(hadoop, MANIFEST, json);
    }

    /** Writes {@code OUT/name} through a staged file and a rename, so a reader never sees half of it. */
    public void writeFile(Configuration hadoop, String name, byte[] content) throws IOException {
        FileSystem fs = fs(hadoop);
        Path staged = new Path(staged(name));
        try (FSDataOutputStream out = fs.create(staged, true)) {
            out.write(content);
        }
        Path target = new Path(published(name));
        fs.delete(target, false);
        if (!fs.rename(staged, target)) {
            throw new IOException("could not move " + staged + " to " + target);
        }
    }

    /** Removes scratch and staging space once everything is published. */
    public void finish(Configuration hadoop) throws IOException {
        FileSystem fs = fs(hadoop);
        fs.delete(new Path(root + "/_work"), true);
        fs.delete(new Path(root + "/_staging"), true);
    }

    private FileSystem fs(Configuration hadoop) throws IOException {
        return new Path(root).getFileSystem(hadoop);
    }
}
