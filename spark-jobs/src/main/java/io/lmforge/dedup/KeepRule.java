package io.lmforge.dedup;

import org.apache.spark.sql.Column;

import java.util.ArrayList;
import java.util.List;

import static io.lmforge.corpus.Columns.ID;
import static io.lmforge.corpus.Columns.SOURCE;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

/**
 * Which document of a duplicate cluster stays: the smallest {@link #key()} wins. In order:
 * an earlier run's document (unless {@code previous-wins = false}), the best quality signal
 * (highest by default; documents without one come last), the smallest id, then the source and
 * the row key, so the choice is the same on every run. The key carries the fields a removed
 * document needs from its keeper ({@code id, source, run_id, simhash}).
 */
record KeepRule(boolean previousWins, boolean highest) {
    static final String NODE = "node";

    /**
     * A struct column over the node table (node, id, source, run_id, simhash, quality), with
     * {@code carried} columns of the node table appended (they never decide: the node is unique).
     */
    Column key(String... carried) {
        Column previousFirst = previousWins ? when(col(NODE).lt(0), lit(0)).otherwise(lit(1)) : lit(0);
        Column quality = highest ? col(Fingerprints.QUALITY).unary_$minus() : col(Fingerprints.QUALITY);
        List<Column> fields = new ArrayList<>(List.of(previousFirst.as("rank"),
                coalesce(quality, lit(Double.POSITIVE_INFINITY)).as("quality"),
                col(ID).as(ID), col(SOURCE).as(SOURCE), col(NODE).as(NODE),
                col(Fingerprints.RUN_ID).as(Fingerprints.RUN_ID), col(Fingerprints.SIMHASH).as(Fingerprints.SIMHASH)));
        for (String c : carried) {
            fields.add(col(c).as(c));
        }
        return struct(fields.toArray(new Column[0]));
    }

    String describe(String signal, boolean signalPresent) {
        String prefix = previousWins ? "earlier runs' documents first, then " : "";
        if (!signalPresent) {
            return prefix + "smallest id (no '" + signal + "' column in the input)";
        }
        return prefix + (highest ? "highest " : "lowest ") + signal + ", then smallest id";
    }
}
