package io.lmforge.cli.yarn;

import io.lmforge.testing.TestData;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An in-process YARN (one ResourceManager, one NodeManager) and HDFS (one NameNode, one DataNode)
 * for the YARN tests, set up as Spark's own {@code BaseYarnClusterSuite} sets up its cluster, plus
 * what a user's machine has: a {@code HADOOP_CONF_DIR} with {@code core-site.xml} and
 * {@code yarn-site.xml} pointing at them, and a {@code SPARK_HOME} whose {@code bin/spark-submit}
 * runs {@code org.apache.spark.deploy.SparkSubmit} over {@code SPARK_HOME/jars}.
 *
 * <p>{@code SPARK_HOME/jars} stands in for a Spark distribution's jars: the test classpath without
 * lmforge's own modules and without the libraries the cluster jars bundle (so lmforge's classes,
 * its libraries and the libtorch natives reach the containers only inside the submitted jar),
 * except the few a Spark distribution ships too ({@link #SHARED_WITH_SPARK}). The containers get
 * the same jars through {@code spark.yarn.jars=local:SPARK_HOME/jars/*}: the NodeManager runs on
 * this machine, so "local" holds, as on a cluster whose nodes all have Spark installed.
 */
final class YarnTestCluster implements AutoCloseable {
    static final Path ROOT = TestData.repoRoot();
    /** Libraries lmforge declares that a Spark 4.0.1 distribution ships too (same versions: see the root pom). */
    static final List<String> SHARED_WITH_SPARK = List.of("commons-codec-", "commons-compress-", "protobuf-java-",
            "slf4j-api-", "jsr305-", "annotations-", "listenablefuture-");

    final Path dir;
    final Path confDir;
    final Path sparkHome;
    final Configuration conf;
    private final MiniDFSCluster dfs;
    private final MiniYARNCluster yarn;

    private YarnTestCluster(Path dir, MiniDFSCluster dfs, MiniYARNCluster yarn, Configuration conf, Path confDir,
                            Path sparkHome) {
        this.dir = dir;
        this.dfs = dfs;
        this.yarn = yarn;
        this.conf = conf;
        this.confDir = confDir;
        this.sparkHome = sparkHome;
    }

    /**
     * Starts HDFS and YARN with a NodeManager offering {@code nodeMemoryMb} to containers.
     * Physical-memory enforcement stays on (a container over its size is killed, as on a real
     * cluster); the virtual-memory check is off, as most distributions ship it, because a JVM
     * with libtorch maps far more address space than it uses.
     */
    static YarnTestCluster start(Path dir, int nodeMemoryMb) throws IOException, InterruptedException {
        Configuration hdfsConf = new Configuration();
        hdfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        MiniDFSCluster dfs = new MiniDFSCluster.Builder(hdfsConf).numDataNodes(1).build();
        dfs.waitActive();

        YarnConfiguration yarnConf = new YarnConfiguration(dfs.getConfiguration(0));
        yarnConf.set("fs.defaultFS", dfs.getFileSystem().getUri().toString());
        yarnConf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        // capacity-scheduler.xml is not in hadoop-client-minicluster (BaseYarnClusterSuite's workaround).
        yarnConf.set("yarn.scheduler.capacity.root.queues", "default");
        yarnConf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        yarnConf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        yarnConf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        yarnConf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        yarnConf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        yarnConf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        yarnConf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        // The AM may take the whole queue (the default 10% would leave the driver waiting).
        yarnConf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 1.0f);
        yarnConf.set("yarn.resourcemanager.hostname", "localhost");
        // Containers are placed when the NodeManager heartbeats: every 200 ms instead of every second,
        // since every submission waits for several placements (the driver's, then each executor's).
        yarnConf.setLong("yarn.resourcemanager.nodemanagers.heartbeat-interval-ms", 200);
        yarnConf.setInt("yarn.nodemanager.resource.memory-mb", nodeMemoryMb);
        // MiniYARNCluster sizes its NodeManagers from this key instead (4096 by default).
        yarnConf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, nodeMemoryMb);
        yarnConf.setInt("yarn.nodemanager.resource.cpu-vcores", 4);
        yarnConf.setInt("yarn.scheduler.minimum-allocation-mb", 128);
        yarnConf.setInt("yarn.scheduler.maximum-allocation-mb", nodeMemoryMb);
        yarnConf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
        yarnConf.setBoolean("yarn.nodemanager.pmem-check-enabled", true);
        // Keep finished containers' directories and logs for the failure report.
        yarnConf.setInt("yarn.nodemanager.delete.debug-delay-sec", 600);

        MiniYARNCluster yarn = new MiniYARNCluster("YarnClusterIT", 1, 1, 1);
        yarn.init(yarnConf);
        yarn.start();
        // MiniYARNCluster.start() may return before the RM has its port (BaseYarnClusterSuite waits too).
        Configuration conf = yarn.getConfig();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (conf.get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the ResourceManager did not come up");
            }
            Thread.sleep(100);
        }

        Path confDir = Files.createDirectories(dir.resolve("hadoop-conf"));
        // One file with every key: core-site.xml is what HDFS clients read, yarn-site.xml what YARN's do.
        for (String name : List.of("core-site.xml", "yarn-site.xml")) {
            try (OutputStream out = Files.newOutputStream(confDir.resolve(name))) {
                conf.writeXml(out);
            }
        }
        return new YarnTestCluster(dir, dfs, yarn, conf, confDir, sparkHome(dir.resolve("spark")));
    }

    /** A Spark installation made of the test classpath's Spark and Hadoop jars (see the class comment). */
    private static Path sparkHome(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        Set<String> bundled = new HashSet<>();
        for (String entry : Files.readString(ROOT.resolve("cli/target/embedded-runtime-classpath.txt")).strip()
                .split(File.pathSeparator)) {
            bundled.add(entry);
        }
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : classPath.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            String name = p.getFileName().toString();
            boolean shared = SHARED_WITH_SPARK.stream().anyMatch(name::startsWith);
            if (!name.endsWith(".jar") || name.startsWith("lmforge-") || (bundled.contains(entry) && !shared)
                    || Files.exists(jars.resolve(name))) {
                continue;
            }
            Files.createSymbolicLink(jars.resolve(name), p);
        }
        Path bin = Files.createDirectories(home.resolve("bin"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String opens = Files.readString(ROOT.resolve("common/target/jvm-opens.txt")).strip();
        Path submit = bin.resolve("spark-submit");
        Files.writeString(submit, "#!/usr/bin/env bash\n"
                + "# spark-submit of a Spark distribution without its launcher: the client JVM runs SparkSubmit,\n"
                + "# with HADOOP_CONF_DIR on the classpath as bin/spark-class puts it there.\n"
                + "exec '" + java + "' -Xmx512m " + opens + " -cp \"$HADOOP_CONF_DIR:" + jars + "/*\" "
                + "org.apache.spark.deploy.SparkSubmit \"$@\"\n");
        submit.toFile().setExecutable(true);
        return home;
    }

    FileSystem fs() throws IOException {
        return dfs.getFileSystem();
    }

    /** A path on this HDFS, fully qualified ({@code hdfs://localhost:PORT/...}). */
    String uri(String absolutePath) throws IOException {
        return fs().getUri() + absolutePath;
    }

    /** The tail of every container's stdout and stderr, for a failure message. */
    String containerLogs() {
        StringBuilder sb = new StringBuilder();
        Path work = Path.of("target", "test", "data", "YarnClusterIT");
        if (!Files.isDirectory(work)) {
            return "(no container logs under " + work.toAbsolutePath() + ")";
        }
        try (Stream<Path> files = Files.walk(work)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().matches("stderr|stdout")).sorted()::iterator) {
                String text = Files.readString(f);
                sb.append("\n==== ").append(f).append('\n')
                        .append(text.length() > 6000 ? "..." + text.substring(text.length() - 6000) : text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    /** Runs {@code scripts/submit/yarn.sh} with this cluster's HADOOP_CONF_DIR and SPARK_HOME; returns its output. */
    Submission submit(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/submit/yarn.sh").toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("LMFORGE_") || k.startsWith("YARN_") || k.startsWith("SPARK_"));
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("HADOOP_CONF_DIR", confDir.toString());
        Path log = Files.createTempFile(dir, "spark-submit", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        int rc = p.waitFor();
        return new Submission(rc, Files.readString(log));
    }

    record Submission(int exitCode, String output) {
    }

    @Override
    public void close() throws IOException {
        try {
            yarn.stop();
        } finally {
            dfs.shutdown();
        }
    }
}
