package io.lmforge.cli.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading the RAPIDS Accelerator's NOT_ON_GPU text (lines as RAPIDS 26.08.1 printed them for the
 * sample corpus): which nodes stay on the CPU, which for a reason of their own, and what reason.
 */
class GpuPlanReportTest {

    static String explain() throws IOException {
        try (InputStream in = GpuPlanReportTest.class.getResourceAsStream("not-on-gpu.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyMarkedLineIsANodeAndALiteralsLineBreakContinuesIt() throws IOException {
        GpuPlanReport.StagePlan plan = GpuPlanReport.StagePlan.parse("s", explain());
        assertEquals(11, plan.nodes().size());
        GpuPlanReport.Node alias = plan.nodes().get(5);
        assertEquals("Alias", alias.name());
        assertTrue(alias.node().contains("\\r\\n|\\r, \n, 1) ELSE text#36 END AS text#43"), alias.node());
        assertFalse(alias.offGpu());
        assertEquals(1, alias.depth());
    }

    @Test
    void cpuNodesAndTheirCausesWithThePluginsReasons() throws IOException {
        GpuPlanReport.StagePlan plan = GpuPlanReport.StagePlan.parse("s", explain());
        // The RDD scan and its three columns, and four bridged expressions.
        assertEquals(8, plan.offGpu().size());
        List<GpuPlanReport.Node> causes = plan.causes();
        assertEquals(List.of("RDDScanExec", "FormatString", "RLike"), causes.stream().map(GpuPlanReport.Node::name).toList());
        assertEquals("GPU does not currently support the operator class org.apache.spark.sql.execution.RDDScanExec",
                causes.get(0).reason());
        assertEquals("", causes.get(1).kind());
        assertEquals("End of line/string anchor is not supported in this context: \\s*$ near index 3", causes.get(2).reason());
        assertEquals("RLIKE(text#43, ^\\s*$)", causes.get(2).node());
    }

    @Test
    void tableAndJsonListTheSameNodes() throws IOException {
        GpuPlanReport report = new GpuPlanReport(List.of(GpuPlanReport.StagePlan.parse("filter", explain()),
                GpuPlanReport.StagePlan.parse("clean", "*Exec <ProjectExec> will run on GPU\n")));
        StringWriter table = new StringWriter();
        report.printTable(new PrintWriter(table, true), 60);
        String t = table.toString();
        assertTrue(t.contains("filter     partly          8       3  RDDScanExec, FormatString, RLike"), t);
        assertTrue(t.contains("clean      all             0       0  -"), t);
        assertTrue(t.contains("because End of line/string anchor is not supported"), t);

        JsonNode json = new ObjectMapper().readTree(report.json());
        JsonNode filter = json.get("stages").get(0);
        assertEquals("filter", filter.get("stage").asText());
        assertFalse(filter.get("on_gpu").asBoolean());
        assertEquals(8, filter.get("not_on_gpu").size());
        assertEquals("cpu", filter.get("not_on_gpu").get(0).get("how").asText());
        assertEquals("cpu-with-operator", filter.get("not_on_gpu").get(1).get("how").asText());
        assertTrue(json.get("stages").get(1).get("on_gpu").asBoolean());
    }
}
