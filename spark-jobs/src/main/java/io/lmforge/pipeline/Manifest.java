package io.lmforge.pipeline;

import io.lmforge.corpus.Columns;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code manifest.json}: run id, the config as resolved, versions, per-source accounting, the
 * time of each pass, rejections per stage and reason, and what each stage reported.
 */
final class Manifest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Config values under keys like these never reach the manifest: spark conf may carry S3 keys. */
    private static final Pattern SECRET = Pattern.compile("(?i).*(secret|password|token|credential|access[._-]?key).*");

    private final Map<String, Object> root = new LinkedHashMap<>();
    private final List<Map<String, Object>> segments = new ArrayList<>();
    private final Map<String, Object> stages = new LinkedHashMap<>();

    Manifest(String runId, Instant started, String sparkVersion) {
        root.put("run_id", runId);
        root.put("status", "complete");
        root.put("started", started.toString());
        root.put("finished", null);
        Map<String, Object> versions = new LinkedHashMap<>();
        versions.put("lmforge", version());
        versions.put("spark", sparkVersion);
        versions.put("scala", scala.util.Properties.versionNumberString());
        versions.put("java", System.getProperty("java.version"));
        root.put("versions", versions);
    }

    void config(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            redact(node);
            root.put("config", node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void segment(List<String> stageNames, double seconds) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("stages", List.copyOf(stageNames));
        s.put("seconds", seconds);
        segments.add(s);
    }

    void accounts(List<SourceAccount> accounts) {
        Map<String, Object> sources = new LinkedHashMap<>();
        boolean holds = true;
        for (SourceAccount a : accounts) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("files", a.files());
            s.put("bytes", a.bytes());
            s.put("input", a.input());
            s.put("kept", a.kept());
            s.put("rejected", a.rejected());
            s.put("quarantined", a.quarantined());
            s.put("balanced", a.balanced());
            sources.put(a.source(), s);
            holds &= a.balanced();
        }
        root.put("sources", sources);
        Map<String, Object> accounting = new LinkedHashMap<>();
        accounting.put("identity", "input = kept + rejected + quarantined, per source");
        accounting.put("holds", holds);
        root.put("accounting", accounting);
    }

    /** Counts of {@code rejected/} by stage and reason. */
    void rejections(Dataset<Row> rejected) {
        Map<String, Map<String, Long>> byStage = new LinkedHashMap<>();
        List<Row> rows = rejected.groupBy(Columns.STAGE, Columns.REASON).count()
                .orderBy(Columns.STAGE, Columns.REASON).collectAsList();
        for (Row r : rows) {
            byStage.computeIfAbsent(r.getString(0), k -> new LinkedHashMap<>()).put(r.getString(1), r.getLong(2));
        }
        root.put("rejections", byStage);
    }

    void stageReport(String stage, Map<String, Object> report) {
        if (!report.isEmpty()) {
            stages.put(stage, report);
        }
    }

    void finished(Instant at) {
        root.put("finished", at.toString());
    }

    Map<String, Object> asMap() {
        Map<String, Object> out = new LinkedHashMap<>(root);
        out.put("segments", segments);
        out.put("stages", stages);
        return out;
    }

    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(asMap());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void redact(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (SECRET.matcher(e.getKey()).matches() && e.getValue().isValueNode()) {
                    e.setValue(object.textNode("<redacted>"));
                } else {
                    redact(e.getValue());
                }
            }
        } else if (node != null && node.isArray()) {
            node.forEach(Manifest::redact);
        }
    }

    static String version() {
        String v = Manifest.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
