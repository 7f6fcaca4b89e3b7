package io.lmforge.bench.machine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the benches report about the machine they share: its load, and the CPU this process used. */
public final class Machine {
    private Machine() {
    }

    /** {@code /proc/loadavg}'s 1, 5 and 15 minute averages, or "unknown" where there is none. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * CPU time of this process, all its threads (Spark's local executors and libtorch's native
     * threads run in it): on a shared machine wall time depends on what else runs, CPU time much less.
     */
    public static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
