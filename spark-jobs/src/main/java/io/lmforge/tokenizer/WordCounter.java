package io.lmforge.tokenizer;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.sum;

/**
 * Counts pre-tokens (byte-level words) across the corpus in the executors: each task counts its
 * documents in a local map and emits (word, count) pairs, which Spark sums by word. Only the
 * distinct words and their counts reach the driver.
 */
public final class WordCounter {
    /** A task flushes its local map at this many distinct words, bounding its memory. */
    private static final int MAX_LOCAL_WORDS = 1 << 20;

    private WordCounter() {
    }

    /** Distinct words with their counts, in no particular order (the trainer does not depend on it). */
    public record Counts(String[] words, long[] counts, long occurrences) {
    }

    /** Counts the words of a single string column. */
    public static Counts count(Dataset<Row> texts) {
        Dataset<Row> counted = texts.as(Encoders.STRING())
                .mapPartitions((MapPartitionsFunction<String, Tuple2<String, Long>>) WordCounter::countPartition,
                        Encoders.tuple(Encoders.STRING(), Encoders.LONG()))
                .toDF("word", "n")
                .groupBy("word").agg(sum("n").as("n"));
        List<String> words = new ArrayList<>();
        long[] counts = new long[1024];
        long occurrences = 0;
        for (Iterator<Row> it = counted.toLocalIterator(); it.hasNext(); ) {
            Row r = it.next();
            if (words.size() == counts.length) {
                counts = java.util.Arrays.copyOf(counts, counts.length * 2);
            }
            counts[words.size()] = r.getLong(1);
            occurrences += r.getLong(1);
            words.add(r.getString(0));
        }
        return new Counts(words.toArray(new String[0]), java.util.Arrays.copyOf(counts, words.size()), occurrences);
    }

    private static Iterator<Tuple2<String, Long>> countPartition(Iterator<String> texts) {
        return new Iterator<>() {
            final Map<String, long[]> local = new HashMap<>();
            Iterator<Map.Entry<String, long[]>> out = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!out.hasNext()) {
                    local.clear();
                    if (!texts.hasNext()) {
                        return false;
                    }
                    while (texts.hasNext() && local.size() < MAX_LOCAL_WORDS) {
                        String text = texts.next();
                        if (text != null) {
                            PreTokenizer.split(text, w -> local.computeIfAbsent(w, k -> new long[1])[0]++);
                        }
                    }
                    out = new ArrayList<>(local.entrySet()).iterator();
                }
                return true;
            }

            @Override
            public Tuple2<String, Long> next() {
                Map.Entry<String, long[]> e = out.next();
                return new Tuple2<>(e.getKey(), e.getValue()[0]);
            }
        };
    }
}
