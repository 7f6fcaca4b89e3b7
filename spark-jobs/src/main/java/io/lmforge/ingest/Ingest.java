package io.lmforge.ingest;

import io.lmforge.corpus.Schemas;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Reads every source into one Dataset of {@link Schemas#INGEST} rows: one row per input record,
 * kept, rejected by its reader, or quarantined.
 *
 * <p>Files are listed on the driver (a path that matches nothing fails the run before any work)
 * and packed into tasks of about {@code bytes-per-task} input bytes, largest first, so one huge
 * file does not share a task with many others. A file is read by one task from start to end.
 */
public final class Ingest {

    /** What a run will read: the tasks, and per source its file count and bytes. */
    public record Plan(List<IngestTask> tasks, Map<String, long[]> filesAndBytesBySource) {

        /**
         * The plan for only the files {@code keep} accepts (a refresh reads only files no earlier run
         * read); every source stays in the accounting, with zero files if it has no such file.
         */
        public Plan only(java.util.function.Predicate<InputListing.Entry> keep) {
            List<IngestTask> kept = new ArrayList<>();
            Map<String, long[]> perSource = new LinkedHashMap<>();
            filesAndBytesBySource.keySet().forEach(source -> perSource.put(source, new long[2]));
            for (IngestTask t : tasks) {
                if (keep.test(t.file())) {
                    kept.add(new IngestTask(kept.size(), t.file(), t.source()));
                    long[] fb = perSource.get(t.source().name());
                    fb[0]++;
                    fb[1] += t.file().length();
                }
            }
            return new Plan(kept, perSource);
        }
    }

    private Ingest() {
    }

    public static Plan plan(List<SourceConfig> sources, Configuration hadoop) throws IOException {
        List<IngestTask> tasks = new ArrayList<>();
        Map<String, long[]> perSource = new LinkedHashMap<>();
        for (SourceConfig source : sources) {
            long[] filesAndBytes = new long[2];
            for (InputListing.Entry entry : InputListing.list(source, hadoop)) {
                if (tasks.size() >= (1 << (63 - FileRecords.ORDINAL_BITS))) {
                    throw new IllegalStateException("more than 2^23 input files in one run");
                }
                tasks.add(new IngestTask(tasks.size(), entry, source));
                filesAndBytes[0]++;
                filesAndBytes[1] += entry.length();
            }
            perSource.put(source.name(), filesAndBytes);
        }
        return new Plan(tasks, perSource);
    }

    public static Dataset<Row> read(SparkSession spark, Plan plan, IngestSettings settings) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<HadoopConf> hadoop = jsc.broadcast(new HadoopConf(spark.sparkContext().hadoopConfiguration()));
        List<List<IngestTask>> bins = pack(plan.tasks(), settings.bytesPerTask(), jsc.defaultParallelism());
        JavaRDD<Row> rows = jsc.parallelize(bins, bins.size())
                .flatMap(bin -> bin.stream()
                        .<Row>flatMap(task -> stream(new FileRecords(task, settings, hadoop.value().get())))
                        .iterator());
        return spark.createDataFrame(rows, Schemas.INGEST);
    }

    private static java.util.stream.Stream<Row> stream(java.util.Iterator<Row> it) {
        return java.util.stream.StreamSupport.stream(
                java.util.Spliterators.spliteratorUnknownSize(it, java.util.Spliterator.ORDERED), false);
    }

    /** Longest-processing-time-first packing into as many bins as bytes or cores call for. */
    static List<List<IngestTask>> pack(List<IngestTask> tasks, long bytesPerTask, int parallelism) {
        long total = tasks.stream().mapToLong(t -> t.file().length()).sum();
        int bins = (int) Math.min(tasks.size(),
                Math.max(parallelism, (total + bytesPerTask - 1) / Math.max(1, bytesPerTask)));
        bins = Math.max(1, bins);
        List<List<IngestTask>> out = new ArrayList<>();
        PriorityQueue<long[]> load = new PriorityQueue<>(Comparator.<long[]>comparingLong(a -> a[0])
                .thenComparingLong(a -> a[1]));
        for (int i = 0; i < bins; i++) {
            out.add(new ArrayList<>());
            load.add(new long[]{0, i});
        }
        List<IngestTask> bySize = new ArrayList<>(tasks);
        bySize.sort(Comparator.<IngestTask>comparingLong(t -> -t.file().length()).thenComparingInt(IngestTask::fileIndex));
        for (IngestTask task : bySize) {
            long[] lightest = load.poll();
            out.get((int) lightest[1]).add(task);
            lightest[0] += task.file().length();
            load.add(lightest);
        }
        for (List<IngestTask> bin : out) {
            bin.sort(Comparator.comparingInt(IngestTask::fileIndex));
        }
        return out;
    }
}
