package io.lmforge.cli.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code check-gpu-plan} reports: per stage, each operator and expression the RAPIDS
 * Accelerator would leave on the CPU and the reason it gives, read from the plugin's
 * {@code NOT_ON_GPU} explain text.
 */
final class GpuPlanReport {

    /**
     * One explain line: indentation (depth), a mark ({@code !} cannot run on the GPU, {@code ^}
     * runs on the CPU inside a GPU operator through the plugin's CPU bridge, {@code @} could run
     * on the GPU but its operator will not, {@code *} will run on the GPU, {@code #} and
     * {@code $} are removed or placeholder nodes), a kind (Exec, Expression, sometimes empty), the
     * Spark class in angle brackets, then the node and the verdict. A string literal may hold
     * line breaks, so a line that does not start this way continues the one before.
     */
    private static final Pattern LINE = Pattern.compile("^( *)([!@*#$^])(\\w*) <([\\w$]+)> (.*)$");
    private static final String[] VERDICTS = {" cannot run on GPU because ", " will run on GPU via CPU bridge because ",
            " will run on GPU", " could run on GPU"};
    /** The bridge's reason for a node it moves to the CPU only because its neighbours are there. */
    static final String ALONG = "it avoids excess CPU and GPU transfers";

    /**
     * An operator or expression and the plugin's verdict: {@code offGpu} when it runs on the CPU;
     * {@code cause} when that is for a reason of its own, not only because its operator or its
     * neighbours are on the CPU.
     */
    record Node(int depth, char mark, String kind, String name, String node, String reason) {
        boolean offGpu() {
            return mark == '!' || mark == '^' || mark == '@';
        }

        boolean cause() {
            return (mark == '!' || mark == '^') && reason != null && !reason.equals(ALONG);
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", kind.isEmpty() ? "Expression" : kind);
            m.put("name", name);
            m.put("node", node);
            m.put("depth", depth);
            m.put("how", switch (mark) {
                case '!' -> "cpu";
                case '^' -> "cpu-bridge";
                default -> "cpu-with-operator";
            });
            m.put("cause", cause());
            m.put("reason", reason);
            return m;
        }
    }

    /** One stage: every node the plugin lists, of which {@link #offGpu()} stay on the CPU. */
    record StagePlan(String stage, List<Node> nodes, String explain) {
        static StagePlan parse(String stage, String explain) {
            List<String[]> raw = new ArrayList<>();
            for (String line : explain.split("\n", -1)) {
                Matcher m = LINE.matcher(line);
                if (m.matches()) {
                    raw.add(new String[]{m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)});
                } else if (!raw.isEmpty()) {
                    String[] last = raw.get(raw.size() - 1);
                    last[4] = last[4] + "\n" + line;
                }
            }
            List<Node> nodes = new ArrayList<>();
            for (String[] r : raw) {
                // A leading space: an operator printed without its node text starts with the verdict.
                String rest = " " + r[4].stripTrailing();
                String node = rest.substring(1);
                String reason = null;
                for (String verdict : VERDICTS) {
                    int at = rest.lastIndexOf(verdict);
                    if (at >= 0) {
                        node = rest.substring(1, Math.max(1, at));
                        reason = verdict.endsWith("because ") ? rest.substring(at + verdict.length()) : null;
                        break;
                    }
                }
                nodes.add(new Node(r[0].length() / 2, r[1].charAt(0), r[2], r[3], node, reason));
            }
            return new StagePlan(stage, List.copyOf(nodes), explain);
        }

        /** The operators and expressions the plugin would leave on the CPU. */
        List<Node> offGpu() {
            return nodes.stream().filter(Node::offGpu).toList();
        }

        /** Those of them with a reason of their own. */
        List<Node> causes() {
            return nodes.stream().filter(Node::cause).toList();
        }

        boolean allOnGpu() {
            return offGpu().isEmpty();
        }
    }

    private final List<StagePlan> stages;

    GpuPlanReport(List<StagePlan> stages) {
        this.stages = List.copyOf(stages);
    }

    List<StagePlan> stages() {
        return stages;
    }

    /**
     * One summary row per stage (nodes on the CPU, and how many of them for a reason of their
     * own), then each stage's causes with the plugin's reason.
     */
    void printTable(PrintWriter out, int width) {
        out.printf("%-10s %-7s %9s %7s  %s%n", "stage", "on GPU", "CPU nodes", "causes", "what causes it");
        for (StagePlan s : stages) {
            List<Node> off = s.offGpu();
            String names = String.join(", ", s.causes().stream().map(Node::name).distinct().toList());
            out.printf("%-10s %-7s %9d %7d  %s%n", s.stage(), off.isEmpty() ? "all" : "partly", off.size(),
                    s.causes().size(), names.isEmpty() ? "-" : names);
        }
        for (StagePlan s : stages) {
            if (s.allOnGpu()) {
                continue;
            }
            out.printf("%n== %s: %d on the CPU, %d of them for a reason of their own (the rest follow "
                    + "their operator or neighbours)%n", s.stage(), s.offGpu().size(), s.causes().size());
            for (Node n : s.causes()) {
                out.printf("  %s <%s> %s%n      because %s%n", n.mark() == '^' ? "bridged" : "CPU", n.name(),
                        shorten(n.node(), width), n.reason());
            }
        }
    }

    /** The same as JSON: per stage, on_gpu and the CPU nodes with their reasons. */
    String json() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (StagePlan s : stages) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage", s.stage());
            m.put("on_gpu", s.allOnGpu());
            m.put("cpu_nodes", s.offGpu().size());
            m.put("causes", s.causes().size());
            m.put("not_on_gpu", s.offGpu().stream().map(Node::json).toList());
            out.add(m);
        }
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(Map.of("stages", out));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A node's text on one line, cut to {@code width} characters (the JSON keeps it whole). */
    static String shorten(String s, int width) {
        String one = s.replace("\n", "\\n");
        return width > 0 && one.length() > width ? one.substring(0, width - 3) + "..." : one;
    }
}
