package io.lmforge.pipeline;

import io.lmforge.corpus.Columns;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks {@code input = kept + rejected + quarantined} per source. Inputs are counted from the
 * ingest checkpoint, outputs from the files as written, so a stage that loses or duplicates rows
 * (a bad join, say) is caught here rather than by a user months later.
 */
public final class Accounting {

    private Accounting() {
    }

    public static List<SourceAccount> tally(Map<String, long[]> filesAndBytesBySource, Dataset<Row> ingested,
                                            Dataset<Row> documents, Dataset<Row> rejected, Dataset<Row> quarantine) {
        Map<String, Long> input = countBySource(ingested);
        Map<String, Long> kept = countBySource(documents);
        Map<String, Long> removed = countBySource(rejected);
        Map<String, Long> broken = countBySource(quarantine);
        List<SourceAccount> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : filesAndBytesBySource.entrySet()) {
            String s = e.getKey();
            out.add(new SourceAccount(s, e.getValue()[0], e.getValue()[1], input.getOrDefault(s, 0L),
                    kept.getOrDefault(s, 0L), removed.getOrDefault(s, 0L), broken.getOrDefault(s, 0L)));
        }
        return out;
    }

    /** Throws, with a per-source table, unless every source balances. */
    public static void check(List<SourceAccount> accounts) {
        StringBuilder bad = new StringBuilder();
        for (SourceAccount a : accounts) {
            if (!a.balanced()) {
                bad.append(String.format("%n  source %s: input %d != kept %d + rejected %d + quarantined %d (off by %d)",
                        a.source(), a.input(), a.kept(), a.rejected(), a.quarantined(),
                        a.kept() + a.rejected() + a.quarantined() - a.input()));
            }
        }
        if (bad.length() > 0) {
            throw new AccountingException("record accounting does not hold; no manifest written" + bad);
        }
    }

    private static Map<String, Long> countBySource(Dataset<Row> rows) {
        Map<String, Long> out = new HashMap<>();
        for (Row r : rows.groupBy(Columns.SOURCE).count().collectAsList()) {
            out.put(r.getString(0), r.getLong(1));
        }
        return out;
    }
}
