package io.lmforge.cli;

import io.lmforge.corpus.OutputLayout;
import io.lmforge.report.HeadlessChromium;
import io.lmforge.testing.CorpusRun;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code OUT/report.html} of a complete run of the sample corpus ({@link SampleCorpusRun}), opened
 * in headless Chromium: every chart is drawn, no script fails, and the charts show the run's own
 * figures (sources, the funnel down to the kept documents, duplicate clusters, PII kinds, domains).
 */
class CorpusReportTest {

    @Test
    void theSampleRunsReportDrawsEveryChartWithTheRunsFigures() throws Exception {
        CorpusRun run = SampleCorpusRun.get();
        assertTrue(Files.exists(run.out.resolve(OutputLayout.REPORT)), "written with the run");
        HeadlessChromium.Page page = HeadlessChromium.open(run.out.resolve(OutputLayout.REPORT));
        assertEquals(List.of(), page.scriptErrors());
        for (String chart : List.of("sources", "funnel", "rejections", "domain-mix", "language-mix", "duplicate-clusters",
                "pii", "shard-tokens", "timings")) {
            assertTrue(page.figure(chart).orElseThrow(() -> new AssertionError("no chart " + chart)).drawn(), chart);
        }
        for (HeadlessChromium.Figure f : page.figures()) {
            assertTrue(f.drawn(), f.id() + " drawn");
        }
        long domains = run.documents().select("domain").distinct().count();
        assertEquals(domains, page.figures().stream().filter(f -> f.id().startsWith("lengths-")).count(),
                "a length histogram per domain");

        long kept = run.documents().count();
        assertTrue(page.figure("funnel").get().svg().contains("after dedup: " + kept), "the funnel ends at the kept documents");
        assertTrue(page.figure("sources").get().svg().contains(">faq-mirror<"));
        long clusters = run.rejected().filter(col("duplicate_of").isNotNull()).select("duplicate_of").distinct().count();
        assertTrue(clusters > 0, "the mirrored FAQ gives duplicates");
        assertTrue(page.figure("duplicate-clusters").get().svg().contains(">" + clusters + "<"),
                "the bar of size-2 clusters reaches " + clusters);
        assertTrue(page.figure("pii").get().svg().contains(">email<"));
        assertTrue(page.figure("domain-mix").get().svg().contains(">python-faq<"));
    }
}
