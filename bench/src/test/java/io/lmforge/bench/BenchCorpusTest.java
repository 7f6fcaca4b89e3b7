package io.lmforge.bench;

import io.lmforge.testing.SparkTestSession;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.apache.spark.sql.functions.input_file_name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The order the tokenize bench's sides share: a seeded shuffle, and input files that keep it. */
class BenchCorpusTest {
    @TempDir
    Path dir;

    private static List<BenchCorpus.Doc> corpus(int n) {
        List<BenchCorpus.Doc> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            docs.add(new BenchCorpus.Doc(i % 2 == 0 ? "en" : "zh", "doc-" + i, "text " + i + " " + "x".repeat(i % 7)));
        }
        return docs;
    }

    @Test
    void aSeedFixesTheShuffledOrder() {
        List<BenchCorpus.Doc> docs = corpus(500);
        List<BenchCorpus.Doc> once = BenchCorpus.shuffled(docs, 17);
        assertEquals(once, BenchCorpus.shuffled(docs, 17));
        assertNotEquals(docs, once);
        assertNotEquals(once, BenchCorpus.shuffled(docs, 18));
        assertEquals(docs.stream().sorted(Comparator.comparing(BenchCorpus.Doc::path)).toList(),
                once.stream().sorted(Comparator.comparing(BenchCorpus.Doc::path)).toList());
    }

    @Test
    void theWrittenFilesHoldTheListInOrderedSlices() {
        List<BenchCorpus.Doc> docs = BenchCorpus.shuffled(corpus(2_000), 17);
        List<Row> rows = BenchCorpus.write(SparkTestSession.get(), docs, dir.resolve("documents"))
                .select(input_file_name(), org.apache.spark.sql.functions.col("id")).collectAsList();
        // File by file in name order, each file's rows as it holds them: the list again.
        List<String> read = rows.stream().sorted(Comparator.comparing((Row r) -> r.getString(0))).map(r -> r.getString(1)).toList();
        assertEquals(docs.stream().map(BenchCorpus.Doc::path).toList(), read);
    }
}
