package io.lmforge.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * The kinds of chart the run reports draw, as Apache ECharts options: bars (grouped or stacked),
 * lines over a numeric axis, and a funnel. Each option turns animation off (the page is read, not
 * watched, and a test sees the final drawing at once) and shows tooltips as rich text drawn by
 * ECharts itself rather than as HTML, so no name from a config or a log is ever parsed as markup.
 */
public final class Charts {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Lines longer than this are thinned (every k-th point, the last one kept) before the page holds them. */
    static final int MAX_POINTS = 4000;

    private Charts() {
    }

    /**
     * Bars over categories, one bar per series and category.
     *
     * @param series     name to one value per category (null or NaN: no bar)
     * @param stacked    one bar per category with the series stacked, rather than side by side
     * @param horizontal categories down the side (long names, many categories)
     */
    public static ObjectNode bars(List<String> categories, Map<String, ? extends List<? extends Number>> series,
                                  String valueName, boolean stacked, boolean horizontal) {
        ObjectNode option = base("axis");
        ObjectNode categoryAxis = JSON.objectNode().put("type", "category");
        ArrayNode names = categoryAxis.putArray("data");
        categories.forEach(names::add);
        ObjectNode labels = categoryAxis.putObject("axisLabel").put("interval", 0);
        if (!horizontal && categories.size() > 6) {
            labels.put("rotate", 30);
        }
        ObjectNode valueAxis = JSON.objectNode().put("type", "value").put("name", valueName);
        option.set(horizontal ? "yAxis" : "xAxis", categoryAxis);
        option.set(horizontal ? "xAxis" : "yAxis", valueAxis);
        if (horizontal) {
            categoryAxis.put("inverse", true);   // the first category on top, as in a table
        }
        ArrayNode out = option.putArray("series");
        series.forEach((name, values) -> {
            ObjectNode s = out.addObject().put("name", name).put("type", "bar");
            if (stacked) {
                s.put("stack", "all");
            }
            ArrayNode data = s.putArray("data");
            values.forEach(v -> data.add(value(v)));
        });
        return option;
    }

    /**
     * Lines over a numeric x axis (training steps), one per series; a series may have gaps.
     *
     * @param series name to its points, each {@code {x, y}}
     */
    public static ObjectNode lines(Map<String, ? extends List<double[]>> series, String xName, String yName) {
        ObjectNode option = base("axis");
        option.putObject("xAxis").put("type", "value").put("name", xName).put("min", "dataMin").put("max", "dataMax");
        option.putObject("yAxis").put("type", "value").put("name", yName).put("scale", true);
        option.putArray("dataZoom").addObject().put("type", "inside");
        ArrayNode out = option.putArray("series");
        series.forEach((name, points) -> {
            ObjectNode s = out.addObject().put("name", name).put("type", "line")
                    .put("showSymbol", points.size() <= 40).put("sampling", "lttb").put("connectNulls", true);
            ArrayNode data = s.putArray("data");
            int stride = Math.max(1, (points.size() + MAX_POINTS - 1) / MAX_POINTS);
            for (int i = 0; i < points.size(); i++) {
                if (i % stride == 0 || i == points.size() - 1) {
                    data.addArray().add(value(points.get(i)[0])).add(value(points.get(i)[1]));
                }
            }
        });
        return option;
    }

    /** Writes each bar's value above it (bar charts of a few categories, where the count is the point). */
    public static ObjectNode withValueLabels(ObjectNode option) {
        option.withArray("series").forEach(s -> ((ObjectNode) s).putObject("label").put("show", true).put("position", "top"));
        return option;
    }

    /** A funnel of counts through steps, in the order given (each step's width is its share of the largest). */
    public static ObjectNode funnel(List<String> steps, List<? extends Number> counts) {
        ObjectNode option = base("item");
        option.remove("legend");   // the steps are labelled in place
        double max = counts.stream().mapToDouble(Number::doubleValue).max().orElse(1);
        ObjectNode s = option.putArray("series").addObject().put("type", "funnel").put("sort", "none")
                .put("min", 0).put("max", Math.max(1, max)).put("minSize", "2%").put("gap", 2)
                .put("left", "10%").put("width", "80%").put("top", 40).put("bottom", 10);
        s.putObject("label").put("show", true).put("position", "inside").put("formatter", "{b}: {c}")
                .put("color", "#111");
        ArrayNode data = s.putArray("data");
        for (int i = 0; i < steps.size(); i++) {
            data.addObject().put("name", steps.get(i)).set("value", value(counts.get(i)));
        }
        return option;
    }

    private static ObjectNode base(String tooltipTrigger) {
        ObjectNode option = JSON.objectNode().put("animation", false);
        option.putObject("tooltip").put("trigger", tooltipTrigger).put("renderMode", "richText").put("confine", true);
        option.putObject("legend").put("type", "scroll").put("top", 0);
        option.putObject("grid").put("left", 16).put("right", 40).put("top", 48).put("bottom", 16)
                .put("containLabel", true);
        return option;
    }

    /** JSON has no NaN or infinity: such a value is a gap. */
    private static JsonNode value(Number v) {
        if (v == null || !Double.isFinite(v.doubleValue())) {
            return JSON.nullNode();
        }
        return v instanceof Long || v instanceof Integer ? JSON.numberNode(v.longValue()) : JSON.numberNode(v.doubleValue());
    }
}
