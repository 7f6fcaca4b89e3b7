package io.lmforge.pipeline;

import io.lmforge.corpus.CorpusSettings;
import com.typesafe.config.ConfigFactory;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.corpus.Stage;
import io.lmforge.corpus.StageContext;
import io.lmforge.corpus.StageResult;
import io.lmforge.testing.SparkTestSession;
import io.lmforge.testing.StageRows;
import io.lmforge.testing.TestData;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every stage promises the runner, checked on each stage the classpath provides. */
class StageContractTest {
    private static final String SOURCE = "sources = [ { name = a, format = jsonl, path = p } ]\n";

    @TempDir
    Path dir;

    @Test
    void theRunnerFindsEveryStageInItsDefaultOrderWithoutNamingThem() {
        assertEquals(List.of("clean", "filter", "langid", "pii", "dedup"), List.copyOf(StageCatalog.stages().names()));
        assertEquals(List.of("tokenizer", "shards"), List.copyOf(StageCatalog.artifacts().names()));
        CorpusConfig config = parse(SOURCE);
        assertEquals(List.of("clean", "filter", "langid", "pii", "dedup"), config.stages().stream().map(Stage::name).toList());
    }

    /**
     * Run in the default order over real text, each stage returns every row it got, with exactly
     * the columns it had plus those it declares (a stage that adds an undeclared column, or
     * declares one it never adds, fails here).
     */
    @Test
    void eachStageKeepsEveryRowAndAddsExactlyTheColumnsItDeclares() {
        StageRows rows = new StageRows()
                .prose("en", TestData.debianReference("en", 633))
                .prose("copy", TestData.debianReference("en", 633))
                .prose("de", TestData.debianReference("de", 633))
                .prose("mail", "write to anna@gmail.com if the build breaks again tonight")
                .code("py", TestData.python("pprint.py"), "python");
        Dataset<Row> corpus = rows.dataset();
        long count = corpus.count();
        StageContext context = new StageContext(SparkTestSession.get(), new OutputLayout(dir.toString()), "contract");
        for (Stage stage : parse(SOURCE).stages()) {
            Set<String> before = new LinkedHashSet<>(Arrays.asList(corpus.columns()));
            StageResult result = stage.apply(corpus, context);
            Set<String> expected = new LinkedHashSet<>(before);
            expected.addAll(stage.addedColumns());
            assertEquals(expected, new LinkedHashSet<>(Arrays.asList(result.rows().columns())), stage.name());
            assertTrue(before.containsAll(stage.requiredColumns()), stage.name() + " reads what it declares");
            corpus = context.materialize(result.rows(), "after-" + stage.name());
            assertEquals(count, corpus.count(), stage.name() + " returns every row");
        }
    }

    @Test
    void aStageThatNeedsAColumnNoEarlierStageAddsFailsWhenTheConfigLoads() {
        String message = assertThrows(InvalidConfigException.class, () -> parse(SOURCE
                + "stages = [clean, dedup]\ndedup { keep { by = word_count } }")).getMessage();
        assertTrue(message.contains("'dedup' needs column word_count"), message);
        assertTrue(message.startsWith("stages:"), message);
        // The filter adds word_count, so the same keep rule loads when it runs first.
        parse(SOURCE + "stages = [clean, filter, dedup]\ndedup { keep { by = word_count } }");
        // dedup's default keep rule (lang_confidence, else the smallest id) needs no stage before it.
        parse(SOURCE + "stages = [clean, dedup]");
    }

    @Test
    void theFilterDeclaresTheSignalsOfTheStepsItRuns() {
        Stage filter = StageCatalog.stages().build(CorpusSettings.of(ConfigFactory.parseString("filter { steps = [word-count] }"), ""), "filter");
        List<String> added = new ArrayList<>(filter.addedColumns());
        assertEquals(List.of("word_count"), added);
    }

    private static CorpusConfig parse(String hocon) {
        return CorpusConfig.from(CorpusSettings.of(ConfigFactory.parseString(hocon).resolve(), ""));
    }
}
