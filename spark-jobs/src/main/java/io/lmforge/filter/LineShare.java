package io.lmforge.filter;

import org.apache.spark.sql.Column;

import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.size;

/** The share of a document's non-empty lines that match a regex. */
final class LineShare {
    private LineShare() {
    }

    static Column matching(String regex) {
        return Rules.ratio(size(filter(TextViews.lines(), l -> l.rlike(regex))), size(TextViews.lines()));
    }
}
