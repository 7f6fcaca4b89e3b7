package io.lmforge.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A run report: one self-contained HTML file of sections holding text, tables and charts. The page
 * needs no network: Apache ECharts (from its WebJar) and the styles are inlined, and each chart's
 * option travels as JSON in the page. Everything that comes from a config, a log or the data (source
 * names, domains, reasons) is escaped, in the markup and in the JSON.
 *
 * <p>The page marks what it did, for people and for tests: each chart's {@code <figure>} gets
 * {@code data-rendered="true"} once ECharts has drawn it (as SVG, so the drawing is in the DOM), the
 * {@code <body>} gets {@code data-charts-rendered} with the count, and a script error, or a call to
 * {@code console.error}, adds an item to the (hidden) list {@code #script-errors}.
 */
public final class ReportPage {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEBJAR = "META-INF/resources/webjars/echarts/";
    private static volatile String echarts;

    private final String title;
    private final List<String> subtitle = new ArrayList<>();
    private final List<Section> sections = new ArrayList<>();

    private record Section(String id, String heading, List<Object> blocks) {
    }

    private record Paragraph(String text) {
    }

    private record Table(List<String> headers, List<List<Object>> rows) {
    }

    public ReportPage(String title) {
        this.title = title;
    }

    /** A line under the title (run id, times). */
    public ReportPage subtitle(String line) {
        subtitle.add(line);
        return this;
    }

    /** Starts a section; what follows goes into it until the next one. */
    public ReportPage section(String id, String heading) {
        sections.add(new Section(id, heading, new ArrayList<>()));
        return this;
    }

    public ReportPage paragraph(String text) {
        current().add(new Paragraph(text));
        return this;
    }

    /** A table; cells are shown with {@link String#valueOf}, numbers with digit grouping. */
    public ReportPage table(List<String> headers, List<List<Object>> rows) {
        current().add(new Table(List.copyOf(headers), List.copyOf(rows)));
        return this;
    }

    public ReportPage chart(Chart chart) {
        current().add(chart);
        return this;
    }

    /** How many charts the page holds. */
    public int charts() {
        return (int) sections.stream().flatMap(s -> s.blocks().stream()).filter(b -> b instanceof Chart).count();
    }

    private List<Object> current() {
        if (sections.isEmpty()) {
            section("summary", "Summary");
        }
        return sections.get(sections.size() - 1).blocks();
    }

    public String html() {
        StringBuilder h = new StringBuilder(1 << 20);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(escape(title)).append("</title>\n")
                .append("<script>").append(ERROR_CAPTURE).append("</script>\n")
                .append("<style>").append(STYLE).append("</style>\n")
                .append("<script>").append(echarts().replace("</script", "<\\/script")).append("</script>\n")
                .append("</head>\n<body data-charts=\"").append(charts()).append("\">\n<header><h1>")
                .append(escape(title)).append("</h1>\n");
        for (String line : subtitle) {
            h.append("<p class=\"subtitle\">").append(escape(line)).append("</p>\n");
        }
        h.append("<nav>");
        for (Section s : sections) {
            h.append("<a href=\"#").append(escape(s.id())).append("\">").append(escape(s.heading())).append("</a> ");
        }
        h.append("</nav>\n</header>\n<main>\n");
        for (Section s : sections) {
            h.append("<section id=\"").append(escape(s.id())).append("\">\n<h2>").append(escape(s.heading()))
                    .append("</h2>\n");
            boolean inCharts = false;
            for (Object block : s.blocks()) {
                if (block instanceof Chart c) {
                    if (!inCharts) {
                        h.append("<div class=\"charts\">\n");
                        inCharts = true;
                    }
                    chart(h, c);
                    continue;
                }
                if (inCharts) {
                    h.append("</div>\n");
                    inCharts = false;
                }
                if (block instanceof Paragraph p) {
                    h.append("<p>").append(escape(p.text())).append("</p>\n");
                } else if (block instanceof Table t) {
                    table(h, t);
                }
            }
            if (inCharts) {
                h.append("</div>\n");
            }
            h.append("</section>\n");
        }
        h.append("</main>\n<footer>Charts: Apache ECharts ").append(escape(echartsVersion()))
                .append(", inlined; this page loads nothing from the network.</footer>\n")
                .append("<ul id=\"script-errors\" hidden></ul>\n")
                .append("<script>").append(RENDER).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    /** Writes the page to a temporary file beside {@code file} and renames it, so a reader never sees half a page. */
    public void writeTo(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, html(), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void chart(StringBuilder h, Chart c) {
        String option;
        try {
            option = JSON.writeValueAsString(c.option());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        // '<', '>' and '&' occur in JSON only inside strings, where these escapes mean the same:
        // no value can close the script element or open a comment.
        option = option.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
        h.append("<figure class=\"chart\" id=\"chart-").append(c.id()).append("\" data-rendered=\"false\">")
                .append("<figcaption>").append(escape(c.title())).append("</figcaption>")
                .append("<div class=\"plot\" style=\"height:").append(c.heightPx()).append("px\"></div>")
                .append("<script type=\"application/json\">").append(option).append("</script></figure>\n");
    }

    private static void table(StringBuilder h, Table t) {
        h.append("<table>\n<thead><tr>");
        for (String header : t.headers()) {
            h.append("<th>").append(escape(header)).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        for (List<Object> row : t.rows()) {
            h.append("<tr>");
            for (Object cell : row) {
                boolean number = cell instanceof Number;
                h.append(number ? "<td class=\"num\">" : "<td>").append(escape(format(cell))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    private static String format(Object cell) {
        if (cell instanceof Long || cell instanceof Integer) {
            return String.format("%,d", ((Number) cell).longValue());
        }
        if (cell instanceof Double || cell instanceof Float) {
            double d = ((Number) cell).doubleValue();
            return !Double.isFinite(d) ? "" : Math.abs(d) >= 1000 ? String.format("%,.0f", d) : String.format("%.4g", d);
        }
        return cell == null ? "" : String.valueOf(cell);
    }

    /** Text for HTML element content and quoted attribute values. */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    static String echartsVersion() {
        try (InputStream in = resource("META-INF/maven/org.webjars.npm/echarts/pom.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String echarts() {
        String js = echarts;
        if (js == null) {
            try (InputStream in = resource(WEBJAR + echartsVersion() + "/dist/echarts.min.js")) {
                js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            echarts = js;
        }
        return js;
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = ReportPage.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the classpath: the org.webjars.npm:echarts jar is missing");
        }
        return in;
    }

    /** First in the page: errors of any later script, ECharts' included, are listed in #script-errors. */
    private static final String ERROR_CAPTURE = """
            (function () {
              var pending = [];
              function note(message) {
                var list = document.getElementById('script-errors');
                if (!list) { pending.push(message); return; }
                while (pending.length) { add(list, pending.shift()); }
                add(list, message);
              }
              function add(list, message) {
                var item = document.createElement('li');
                item.textContent = String(message);
                list.appendChild(item);
              }
              window.reportError = note;
              // Capturing: a resource that fails to load (nothing should be loaded) fires on its element.
              window.addEventListener('error', function (e) {
                var target = e.target && e.target !== window ? ' loading ' + (e.target.src || e.target.href || e.target.tagName) : '';
                note((e.message || 'error') + target + (e.filename ? ' at ' + e.filename + ':' + e.lineno : ''));
              }, true);
              window.addEventListener('unhandledrejection', function (e) { note('unhandled rejection: ' + e.reason); });
              var consoleError = console.error;
              console.error = function () {
                note(Array.prototype.map.call(arguments, String).join(' '));
                return consoleError.apply(console, arguments);
              };
            })();
            """;

    /** Last in the page: draws every chart as SVG and marks the figures it drew. */
    private static final String RENDER = """
            (function () {
              var drawn = [];
              document.querySelectorAll('figure.chart').forEach(function (figure) {
                try {
                  var option = JSON.parse(figure.querySelector('script[type="application/json"]').textContent);
                  var chart = echarts.init(figure.querySelector('.plot'), null, { renderer: 'svg' });
                  chart.setOption(option);
                  drawn.push(chart);
                  figure.setAttribute('data-rendered', figure.querySelector('.plot svg') ? 'true' : 'false');
                } catch (e) {
                  figure.setAttribute('data-rendered', 'error');
                  window.reportError('chart ' + figure.id + ': ' + e);
                }
              });
              document.body.setAttribute('data-charts-rendered', String(drawn.length));
              window.addEventListener('resize', function () { drawn.forEach(function (c) { c.resize(); }); });
            })();
            """;

    private static final String STYLE = """
            body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d1d1f; background: #fafafa; }
            header { padding: 16px 24px 8px; background: #fff; border-bottom: 1px solid #ddd; }
            h1 { font-size: 22px; margin: 0 0 4px; }
            h2 { font-size: 18px; margin: 24px 0 8px; }
            .subtitle { margin: 0; color: #555; }
            nav { margin-top: 8px; } nav a { margin-right: 12px; color: #0b57d0; text-decoration: none; }
            main { padding: 0 24px 24px; }
            .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 16px; }
            figure.chart { margin: 0; background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 8px; }
            figcaption { font-weight: 600; margin-bottom: 4px; }
            table { border-collapse: collapse; background: #fff; margin: 8px 0; }
            th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            footer { color: #777; padding: 12px 24px; font-size: 12px; }
            """;
}
