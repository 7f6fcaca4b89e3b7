package io.lmforge.trainer.dist.spark;

import io.lmforge.config.InvalidConfigException;
import org.apache.spark.SparkConf;

import java.util.regex.Pattern;

/**
 * Settings that would make a distributed run fail late or obscurely on a cluster, refused before
 * the barrier stage is submitted, each with the option that fixes it:
 *
 * <ul>
 *   <li>dynamic allocation: Spark rejects barrier stages under it, but only once the job is
 *       submitted, and YARN distributions often turn it on in {@code spark-defaults.conf};</li>
 *   <li>fewer task slots than ranks with a fixed number of executors: Spark would re-check every
 *       15 s for about 10 minutes before failing;</li>
 *   <li>a run directory given as a URI ({@code hdfs://...}) or, in cluster deploy mode, a relative
 *       path: checkpoints are written with java.nio renames to a directory every executor sees at
 *       the same path, and a relative path would land in the driver container's scratch directory.</li>
 * </ul>
 */
final class ClusterPreflight {
    private static final Pattern URI_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:/.*");

    private ClusterPreflight() {
    }

    /**
     * @param runDir the run directory as the user gave it (before it is made absolute)
     */
    static void check(SparkConf conf, boolean local, int ranks, String runDir) {
        if (URI_SCHEME.matcher(runDir).matches()) {
            throw new InvalidConfigException("train --out " + runDir + ": the run directory must be a local path that the "
                    + "driver and every executor see (a shared mount on a cluster), not a Hadoop URI: checkpoints are "
                    + "written with file renames; --data may be on HDFS or S3");
        }
        if (local) {
            return;
        }
        if ("cluster".equals(conf.get("spark.submit.deployMode", "client")) && !java.nio.file.Path.of(runDir).isAbsolute()) {
            throw new InvalidConfigException("train --out " + runDir + ": in cluster deploy mode the driver runs in a "
                    + "container's scratch directory; give an absolute path on a mount every node shares");
        }
        if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            throw new InvalidConfigException("train --distributed " + ranks + " runs its ranks as one barrier stage, which "
                    + "Spark does not schedule under dynamic allocation: submit with --conf spark.dynamicAllocation.enabled=false "
                    + "and --num-executors " + ranks + " (scripts/submit/yarn.sh sets both for train --distributed)");
        }
        if (conf.contains("spark.executor.instances")) {
            int executors = conf.getInt("spark.executor.instances", 0);
            int slotsEach = conf.getInt("spark.executor.cores", 1) / conf.getInt("spark.task.cpus", 1);
            if (executors * slotsEach < ranks) {
                throw new InvalidConfigException("train --distributed " + ranks + " needs " + ranks + " task slots at once, "
                        + "but spark.executor.instances=" + executors + " executors with " + slotsEach + " slot(s) each "
                        + "(spark.executor.cores / spark.task.cpus) offer " + executors * slotsEach
                        + ": raise --num-executors (one rank per executor keeps their libtorch threads apart)");
            }
        }
    }
}
