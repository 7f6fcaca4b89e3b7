package io.lmforge.pipeline;

import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A refresh's hold on its root: {@code ROOT/_lease.json} with owner, start time and expiry,
 * created with create-if-absent (atomic on HDFS and local disks; on object stores with
 * conditional writes). A second refresh finds it and fails at once naming the holder; a lease past
 * its expiry (its holder died) is taken over.
 */
final class Lease implements AutoCloseable {
    static final String FILE = "_lease.json";

    private final FileSystem fs;
    private final Path path;
    private final String owner;

    private Lease(FileSystem fs, Path path, String owner) {
        this.fs = fs;
        this.path = path;
        this.owner = owner;
    }

    static Lease acquire(FileSystem fs, Path root, Duration ttl) throws IOException {
        Path path = new Path(root, FILE);
        String owner = System.getProperty("user.name") + "@" + host() + " pid " + ManagementFactory.getRuntimeMXBean().getPid();
        Instant now = Instant.now();
        Map<String, Object> lease = new LinkedHashMap<>();
        lease.put("owner", owner);
        lease.put("started", now.toString());
        lease.put("expires", now.plus(ttl).toString());
        for (int attempt = 0; attempt < 2; attempt++) {
            try (var out = fs.create(path, false)) {
                out.write(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(lease));
                return new Lease(fs, path, owner);
            } catch (FileAlreadyExistsException e) {
                Map<String, Object> held;
                try {
                    held = RunState.read(fs, path);
                } catch (IOException unreadable) {
                    held = Map.of();   // half-written by a holder that died at once: stale
                }
                Object expires = held.get("expires");
                if (expires != null && Instant.parse(expires.toString()).isAfter(now)) {
                    throw new LeaseHeldException("another refresh holds " + root + ": " + held.get("owner")
                            + ", started " + held.get("started") + ", lease until " + expires + " (" + path
                            + "); wait for it, or delete the file if that process is gone");
                }
                System.err.println("lmforge: taking over the stale lease of " + held.get("owner") + " (expired "
                        + expires + ")");
                fs.delete(path, false);
            }
        }
        throw new LeaseHeldException("another refresh took the lease on " + root + " first (" + path + ")");
    }

    /** Releases the lease if it is still this process's. */
    @Override
    public void close() throws IOException {
        try {
            if (owner.equals(RunState.read(fs, path).get("owner"))) {
                fs.delete(path, false);
            }
        } catch (java.io.FileNotFoundException gone) {
            // taken over and released by another: nothing to do
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
