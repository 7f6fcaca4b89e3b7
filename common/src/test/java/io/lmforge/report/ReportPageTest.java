package io.lmforge.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page that both run reports are made of: names that come from users' configs and data are
 * text wherever they appear (title, tables, chart labels), the page needs no network, and in a
 * browser every chart is drawn without a script error.
 */
class ReportPageTest {
    /** A domain name as a config could spell it: markup, a script end tag, quotes and an ECharts template. */
    static final String HOSTILE = "</script><img src=x onerror=\"document.title='pwned'\">{b}&amp;'";

    static ReportPage page() {
        Map<String, List<Long>> series = new LinkedHashMap<>();
        series.put("kept", List.of(5L, 7L));
        series.put(HOSTILE, List.of(1L, 2L));
        Map<String, List<double[]>> lines = new LinkedHashMap<>();
        lines.put("loss", List.of(new double[]{1, 3.2}, new double[]{2, Double.NaN}, new double[]{3, 2.5}));
        return new ReportPage("Report of " + HOSTILE)
                .subtitle("run " + HOSTILE)
                .section("sources", "Sources <b>")
                .paragraph("text with " + HOSTILE)
                .table(List.of("source", "input"), List.of(List.of(HOSTILE, 12_345L), List.of("web", 0.25)))
                .chart(new Chart("bars", "Bars of " + HOSTILE, Charts.bars(List.of("web", HOSTILE), series, "records", true, false), 300))
                .chart(new Chart("lines", "Lines", Charts.lines(lines, "step", "loss"), 300))
                .section("funnel", "Funnel")
                .chart(new Chart("funnel", "Funnel", Charts.funnel(List.of("input", HOSTILE, "kept"), List.of(10, 8, 5)), 300));
    }

    @Test
    void dataIsEscapedInTheMarkupAndTheChartOptions() {
        String html = page().html();
        assertFalse(markup(html).contains("<img"), "no element from data");
        assertTrue(html.contains("&lt;/script&gt;&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;"));
        // Only the page's own script elements close: ECharts' inlined build, the error capture, the renderer, 3 options.
        assertEquals(6, html.split("</script>", -1).length - 1);
        assertTrue(html.contains("\\u003c/script\\u003e\\u003cimg"), "chart JSON escapes markup characters");
        assertFalse(html.contains("<script src") || markup(html).contains("<link"),
                "no external script, style or image");
        assertEquals(3, page().charts());
    }

    @Test
    void aBrowserDrawsEveryChartWithoutAScriptError(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("report.html");
        page().writeTo(file);
        assertEquals(List.of("report.html"), list(dir), "the temporary file is gone");

        HeadlessChromium.Page page = HeadlessChromium.open(file);
        assertEquals(List.of(), page.scriptErrors());
        assertEquals(3, page.figures().size());
        for (HeadlessChromium.Figure f : page.figures()) {
            assertTrue(f.drawn(), f.id() + " drawn: " + f.rendered());
        }
        assertTrue(page.dom().contains("data-charts-rendered=\"3\""));
        // The hostile name is drawn as text, in the chart's legend and axis, and never became an element.
        assertTrue(page.figure("bars").orElseThrow().svg().contains("&lt;/script&gt;&lt;img"), "the name is text in the SVG");
        assertFalse(markup(page.dom()).contains("<img"), "no element from data");
        assertFalse(page.dom().contains("<title>pwned"), "no script from data ran");
    }

    /** The page less the contents of its script elements (ECharts' build has markup in its strings). */
    static String markup(String html) {
        return html.replaceAll("(?s)(<script[^>]*>).*?</script>", "$1</script>");
    }

    private static List<String> list(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
