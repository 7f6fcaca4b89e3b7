package io.lmforge.pipeline;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A test hook for crash tests: with the system property {@code lmforge.test.pause} set to
 * {@code after:STEP} the runner prints {@code lmforge-test: paused at after:STEP} when the step
 * has finished and waits there; with {@code in:NAME} it prints {@code lmforge-test: paused at
 * in:NAME} when the first Spark job of a step that runs NAME (a stage or artifact name, or
 * {@code ingest}, {@code documents}) starts, while the job goes on. The test then kills the process.
 * Unset, it costs nothing.
 */
final class PausePoints {
    static final String PROPERTY = "lmforge.test.pause";
    /** The Spark local property that names the step a job belongs to. */
    static final String STEP = "lmforge.step";

    private PausePoints() {
    }

    static void at(String point) {
        if (point.equals(System.getProperty(PROPERTY))) {
            announce(point);
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Names the step of the Spark jobs that follow. */
    static void step(SparkContext sc, String... names) {
        sc.setLocalProperty(STEP, String.join(",", names));
    }

    static void install(SparkContext sc) {
        String p = System.getProperty(PROPERTY);
        if (p == null || !p.startsWith("in:")) {
            return;
        }
        String name = p.substring(3);
        AtomicBoolean fired = new AtomicBoolean();
        sc.addSparkListener(new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart job) {
                String step = job.properties() == null ? null : job.properties().getProperty(STEP);
                if (step != null && Arrays.asList(step.split(",")).contains(name) && fired.compareAndSet(false, true)) {
                    announce(p);
                }
            }
        });
    }

    private static void announce(String point) {
        System.out.println("lmforge-test: paused at " + point);
        System.out.flush();
    }
}
