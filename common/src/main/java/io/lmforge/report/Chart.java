package io.lmforge.report;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One chart of a {@link ReportPage}: an Apache ECharts option (see {@link Charts} for the kinds
 * the reports draw), the caption above it and its height on the page.
 *
 * @param id     the chart's name in the page, for links and for tests; letters, digits and dashes
 * @param option the ECharts option; strings in it may hold anything, the page escapes them
 */
public record Chart(String id, String title, ObjectNode option, int heightPx) {
    public Chart {
        if (!id.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("chart id must be lower-case letters, digits and dashes: " + id);
        }
    }
}
