package io.lmforge.filter;

import io.lmforge.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.try_divide;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rule builders were rewritten so the RAPIDS Accelerator runs them on a GPU (it has no
 * format_string or try_divide): they must give what the originals gave, on every value a signal takes.
 */
class RulesGpuRewriteTest {

    private static Dataset<Row> values(SparkSession spark) {
        StructType schema = new StructType().add("count", DataTypes.IntegerType).add("share", DataTypes.DoubleType)
                .add("a", DataTypes.IntegerType).add("b", DataTypes.IntegerType);
        List<Row> rows = new ArrayList<>();
        Random random = new Random(7);
        double[] edges = {0, -0.0, 1, 0.1, 0.0001, 1e-5, 0.12345, 3.0, 10.0, 1234567.0, 1e7, 1e21, 123456789012.5, -2.5};
        for (double d : edges) {
            rows.add(RowFactory.create((int) d, d, (int) (d * 10), 0));
        }
        for (int i = 0; i < 2000; i++) {
            int b = random.nextInt(50);
            int a = random.nextInt(1_000_000);
            double share = Math.round(random.nextDouble() * Math.pow(10, random.nextInt(8)) * 10000) / 10000.0;
            rows.add(RowFactory.create(a, share, a % 997, b));
        }
        return spark.createDataFrame(rows, schema);
    }

    @Test
    void detailsAreWhatFormatStringWrote() {
        Dataset<Row> in = values(SparkTestSession.get());
        for (String signal : List.of("count", "share")) {
            for (double limit : new double[]{50, 0.1, 3.5, 100000}) {
                Dataset<Row> out = in.select(
                        Rules.below("r", signal, limit).detail().as("below"),
                        format_string("%s=%s < min %s", lit(signal), col(signal), lit(Rules.trim(limit))).as("below_was"),
                        Rules.above("r", signal, limit).detail().as("above"),
                        format_string("%s=%s > max %s", lit(signal), col(signal), lit(Rules.trim(limit))).as("above_was"));
                for (Row r : out.collectAsList()) {
                    assertEquals(r.getString(1), r.getString(0));
                    assertEquals(r.getString(3), r.getString(2));
                }
            }
        }
    }

    @Test
    void ratioIsTryDividesRoundedResultWithNullForZero() {
        Dataset<Row> out = values(SparkTestSession.get()).select(
                Rules.ratio(col("a"), col("b")).as("ratio"),
                round(try_divide(col("a").cast("double"), col("b").cast("double")), 4).as("was"),
                Rules.ratio(col("share"), col("count")).as("ratio2"),
                round(try_divide(col("share").cast("double"), col("count").cast("double")), 4).as("was2"));
        long nulls = 0;
        for (Row r : out.collectAsList()) {
            assertEquals(r.get(1), r.get(0));
            assertEquals(r.get(3), r.get(2));
            nulls += r.isNullAt(0) ? 1 : 0;
        }
        // The zero divisors are there, and give null.
        assertTrue(nulls > 14, "rows divided by zero: " + nulls);
    }
}
