package io.lmforge.ingest;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;

/**
 * Expands a source's glob into its files, on the driver. A matched directory is walked; hidden
 * entries (a leading dot: .git, .svn, editor files) and Hadoop's markers (_SUCCESS, *.crc) are
 * not records. Files come sorted by path, which makes record uids and outputs the same on every
 * re-run.
 */
public final class InputListing {

    /**
     * A file to read: its path, its name relative to the source root, its size and its
     * modification time (milliseconds since the epoch; resume and refresh compare listings by it).
     */
    public record Entry(String path, String name, long length, long modified) implements Serializable {
    }

    private InputListing() {
    }

    public static List<Entry> list(SourceConfig source, Configuration hadoop) throws IOException {
        Path glob = new Path(source.path());
        FileSystem fs = glob.getFileSystem(hadoop);
        FileStatus[] matches = fs.globStatus(glob);
        if (matches == null || matches.length == 0) {
            throw new NoInputException("source '" + source.name() + "': path '" + source.path() + "' matches no files");
        }
        String root = rootOf(fs.makeQualified(glob), matches);
        // What the glob matched is read as given; only entries found by walking a matched
        // directory are filtered.
        List<Entry> out = new ArrayList<>();
        Deque<FileStatus> pending = new ArrayDeque<>();
        for (FileStatus match : matches) {
            if (match.isDirectory()) {
                pending.addAll(List.of(fs.listStatus(match.getPath())));
            } else {
                out.add(entry(root, match));
            }
        }
        while (!pending.isEmpty()) {
            FileStatus status = pending.pop();
            if (ignored(status.getPath().getName())) {
                continue;
            }
            if (status.isDirectory()) {
                pending.addAll(List.of(fs.listStatus(status.getPath())));
            } else {
                out.add(entry(root, status));
            }
        }
        if (out.isEmpty()) {
            throw new NoInputException("source '" + source.name() + "': path '" + source.path()
                    + "' matches only directories with no files in them");
        }
        out.sort(Comparator.comparing(Entry::path));
        return out;
    }

    private static Entry entry(String root, FileStatus status) {
        String path = status.getPath().toString();
        return new Entry(path, relative(root, path), status.getLen(), status.getModificationTime());
    }

    private static boolean ignored(String name) {
        return name.startsWith(".") || name.equals("_SUCCESS") || name.endsWith(".crc");
    }

    /**
     * The directory that names are relative to: the glob's longest prefix without wildcards, or
     * the parent of a single matched file.
     */
    private static String rootOf(Path qualifiedGlob, FileStatus[] matches) {
        String g = qualifiedGlob.toString();
        int wildcard = indexOfWildcard(g);
        if (wildcard >= 0) {
            int slash = g.lastIndexOf('/', wildcard);
            return g.substring(0, slash);
        }
        if (matches.length == 1 && !matches[0].isDirectory()) {
            return matches[0].getPath().getParent().toString();
        }
        return matches[0].getPath().toString();
    }

    private static int indexOfWildcard(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '{') {
                return i;
            }
        }
        return -1;
    }

    private static String relative(String root, String path) {
        if (path.startsWith(root + "/")) {
            return path.substring(root.length() + 1);
        }
        return new Path(path).getName();
    }
}
