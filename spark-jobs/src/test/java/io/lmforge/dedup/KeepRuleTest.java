package io.lmforge.dedup;

import com.typesafe.config.ConfigFactory;
import io.lmforge.config.Settings;
import io.lmforge.corpus.Columns;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.corpus.Schemas;
import io.lmforge.corpus.StageContext;
import io.lmforge.corpus.StageResult;
import io.lmforge.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which copy stays: the quality signal decides, then the smallest id; the stage's other rows pass through. */
class KeepRuleTest {
    @TempDir
    Path dir;

    static final StructType SCHEMA = new StructType()
            .add(Columns.UID, DataTypes.LongType, false)
            .add(Columns.ID, DataTypes.StringType, false)
            .add(Columns.SOURCE, DataTypes.StringType, false)
            .add(Columns.TEXT, DataTypes.StringType, true)
            .add("lang_confidence", DataTypes.DoubleType, true)
            .add(Columns.REJECTION, Schemas.REJECTION_TYPE, true);

    Dataset<Row> corpus() {
        SparkSession spark = SparkTestSession.get();
        Row earlier = RowFactory.create("filter", "too_short", null, null, null);
        return spark.createDataFrame(List.of(
                RowFactory.create(1L, "a", "web", Texts.KERNEL, 0.5),
                RowFactory.create(2L, "b", "web", Texts.KERNEL.toUpperCase(), 0.9),
                RowFactory.create(3L, "c", "web", Texts.KERNEL.replace("short delay", "brief delay"), null),
                RowFactory.create(4L, "d", "web", Texts.CAKE, 0.1),
                RowFactory.create(5L, "e", "web", Texts.CAKE + " Enjoy!", 0.2),
                RowFactory.create(6L, "f", "web", Texts.KERNEL, 0.99)).stream()
                .map(r -> RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4),
                        r.getString(1).equals("f") ? earlier : null))
                .toList(), SCHEMA);
    }

    Map<String, String> keeperOf(String hocon) {
        DedupStage stage = new DedupStage(DedupSettings.from(Settings.of(ConfigFactory.parseString(hocon), "lmforge.corpus", "dedup")));
        StageResult result = stage.apply(corpus(), new StageContext(SparkTestSession.get(),
                new OutputLayout(dir.resolve("out").toString()), "t"));
        Dataset<Row> out = result.rows();
        assertEquals(6, out.count(), "one row out for each row in");
        Map<String, String> keeper = new HashMap<>();
        for (Row r : out.filter(col(Columns.REJECTION).isNotNull()).select(col(Columns.ID),
                col(Columns.REJECTION + "." + Columns.STAGE), col(Columns.REJECTION + "." + Columns.DUPLICATE_OF))
                .collectAsList()) {
            keeper.put(r.getString(0), r.getString(1) + ":" + r.getString(2));
        }
        assertTrue(result.report().figures(null).get("keep_rule").toString().contains("lang_confidence"));
        return keeper;
    }

    @Test
    void theBestSignalWinsAndDocumentsWithoutOneComeLast() {
        Map<String, String> k = keeperOf("");
        assertEquals(Map.of("a", "dedup:b", "c", "dedup:b", "d", "dedup:e", "f", "filter:null"), k);
    }

    @Test
    void theRuleCanPreferTheLowestValue() {
        Map<String, String> k = keeperOf("keep { prefer = lowest }");
        assertEquals(Map.of("b", "dedup:a", "c", "dedup:a", "e", "dedup:d", "f", "filter:null"), k);
    }
}
