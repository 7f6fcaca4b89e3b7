package io.lmforge.cli;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Reads a config named on the command line. A plain path is a local file (HOCON includes resolve
 * beside it); a URI with a scheme (hdfs://, s3a://) is read through Hadoop, because a cluster-mode
 * driver may start on a node where the submitter's local files do not exist. Defaults come from
 * the reference.conf section {@code namespace}.
 */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    public static Settings read(String location, String namespace) throws IOException {
        String scheme = URI.create(location.replace(" ", "%20")).getScheme();
        if (scheme == null || scheme.equals("file")) {
            return Settings.load(new File(scheme == null ? location : URI.create(location).getPath()), namespace);
        }
        Path path = new Path(location);
        FileSystem fs = path.getFileSystem(new Configuration());
        if (!fs.exists(path)) {
            throw new InvalidConfigException("config file not found: " + location);
        }
        try (FSDataInputStream in = fs.open(path)) {
            return Settings.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), location, namespace);
        }
    }
}
