package io.lmforge.bench;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Spark jobs a benchmarked step ran, grouped by job description (what the stage names each
 * job with {@code setJobDescription}): how many jobs and stages, their wall time, their tasks'
 * run time, their CPU time and the shuffle bytes they wrote. What is left of a step's time beyond its jobs is
 * the driver's (planning, scheduling gaps, file moves).
 */
final class JobProfile extends SparkListener {
    private record Job(String description, long start, List<Integer> stages) {
    }

    /** The local property a corpus run names its steps' jobs with (pipeline.PausePoints.STEP). */
    private static final String CORPUS_STEP = "lmforge.step";

    private final Map<Integer, Job> jobs = new LinkedHashMap<>();
    private final Map<Integer, Long> ends = new LinkedHashMap<>();
    private final Map<Integer, long[]> stageMetrics = new LinkedHashMap<>();
    private final Map<Integer, String> stageNames = new LinkedHashMap<>();
    /** Per stage: first task launch, last task finish, sum of task durations (ms). */
    private final Map<Integer, long[]> taskSpans = new LinkedHashMap<>();
    private boolean perStage;
    private int cores;

    /** With {@code perStage}, the summary also lists each stage's tasks, CPU time and shuffle bytes. */
    static JobProfile attach(SparkSession spark, boolean perStage) {
        JobProfile p = new JobProfile();
        p.perStage = perStage;
        p.cores = spark.sparkContext().defaultParallelism();
        spark.sparkContext().addSparkListener(p);
        return p;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
        String d = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
        if (d == null && e.properties() != null && e.properties().getProperty(CORPUS_STEP) != null) {
            d = "step " + e.properties().getProperty(CORPUS_STEP);   // a corpus run's step (CorpusJob)
        }
        List<Integer> stages = new ArrayList<>();
        e.stageIds().foreach(s -> stages.add((Integer) s));
        jobs.put(e.jobId(), new Job(d == null ? "(undescribed)" : d, e.time(), stages));
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
        ends.put(e.jobId(), e.time());
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
        long[] span = taskSpans.computeIfAbsent(e.stageId(), k -> new long[]{Long.MAX_VALUE, 0, 0});
        span[0] = Math.min(span[0], e.taskInfo().launchTime());
        span[1] = Math.max(span[1], e.taskInfo().finishTime());
        span[2] += e.taskInfo().finishTime() - e.taskInfo().launchTime();
    }

    @Override
    public synchronized void onStageCompleted(SparkListenerStageCompleted e) {
        StageInfo s = e.stageInfo();
        stageNames.put(s.stageId(), s.numTasks() + " tasks, " + s.name());
        stageMetrics.put(s.stageId(), new long[]{s.taskMetrics().executorRunTime(),
                s.taskMetrics().shuffleWriteMetrics().bytesWritten(), s.taskMetrics().executorCpuTime()});
    }

    /** Forgets what was recorded (call before a measured step). */
    synchronized void reset() {
        jobs.clear();
        ends.clear();
        stageMetrics.clear();
        stageNames.clear();
        taskSpans.clear();
    }

    /** One line per job description, in order of first appearance, and a total. */
    synchronized String summary(double stepSeconds) {
        Map<String, long[]> by = new LinkedHashMap<>();   // jobs, stages, wall ms, task ms, shuffle bytes
        long wall = 0;
        for (Map.Entry<Integer, Job> j : jobs.entrySet()) {
            long[] a = by.computeIfAbsent(j.getValue().description(), k -> new long[6]);
            long ms = ends.getOrDefault(j.getKey(), j.getValue().start()) - j.getValue().start();
            a[0]++;
            a[2] += ms;
            wall += ms;
            for (int s : j.getValue().stages()) {
                long[] m = stageMetrics.get(s);
                if (m != null) {   // skipped stages (shuffle output reused) never complete
                    a[1]++;
                    a[3] += m[0];
                    a[4] += m[1];
                    a[5] += m[2];
                }
            }
        }
        StringBuilder out = new StringBuilder();
        if (perStage) {
            for (Map.Entry<Integer, long[]> e : stageMetrics.entrySet()) {
                long[] m = e.getValue();
                // Core time no task held between the stage's first launch and last finish: its tail, mostly.
                long[] span = taskSpans.get(e.getKey());
                double idle = span == null ? 0 : Math.max(0, (cores * (span[1] - span[0]) - span[2]) / 1e3);
                out.append(String.format("      stage %-4d %6.2fs in tasks (%5.2f CPU s) %8.1f KB shuffled %6.2f core-s idle  %s%n",
                        e.getKey(), m[0] / 1e3, m[2] / 1e9, m[1] / 1024.0, idle, stageNames.get(e.getKey())));
            }
        }
        for (Map.Entry<String, long[]> e : by.entrySet()) {
            long[] a = e.getValue();
            out.append(String.format("    %-36s %2d jobs %2d stages %6.2fs wall %6.2fs in tasks (%5.2f CPU s) %8.1f KB shuffled%n",
                    e.getKey(), a[0], a[1], a[2] / 1e3, a[3] / 1e3, a[5] / 1e9, a[4] / 1024.0));
        }
        out.append(String.format("    %-36s %2d jobs           %6.2fs wall; driver between and around jobs %.2fs%n",
                "all", jobs.size(), wall / 1e3, stepSeconds - wall / 1e3));
        return out.toString();
    }
}
