package io.lmforge.pipeline.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.report.Chart;
import io.lmforge.report.Charts;
import io.lmforge.report.ReportPage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code OUT/report.html}: what a corpus run did, for people. Drawn from {@code manifest.json} (the
 * accounting, rejections, stage reports and timings), {@code shards/manifest.json} (the mixture and
 * tokens per domain), and a few aggregations over the rows ({@link CorpusFigures}). See docs/reports.md.
 */
public final class CorpusReport {
    public static final String FILE = OutputLayout.REPORT;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HEIGHT = 320;
    /** Beyond this many domains the length histograms show the largest ones only. */
    private static final int MAX_LENGTH_CHARTS = 12;

    private CorpusReport() {
    }

    /**
     * Computes the figures and writes {@code OUT/report.html} (through a temporary file and a rename).
     *
     * @param manifest   the run's {@code manifest.json}, as written
     * @param stageOrder the document stages in the order they ran
     * @param read       every readable record as ingest read it
     */
    public static void write(SparkSession spark, OutputLayout layout, byte[] manifest, List<String> stageOrder,
                             Dataset<Row> read) throws IOException {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        FileSystem fs = new Path(layout.root()).getFileSystem(hadoop);
        JsonNode shards = MissingNode.getInstance();
        Path shardsManifest = new Path(layout.published(OutputLayout.SHARDS), "manifest.json");
        if (fs.exists(shardsManifest)) {
            try (FSDataInputStream in = fs.open(shardsManifest)) {
                shards = JSON.readTree(in);
            }
        }
        JsonNode m = JSON.readTree(manifest);
        boolean duplicates = m.path("rejections").path("dedup").size() > 0;
        CorpusFigures figures = CorpusFigures.of(read, spark.read().parquet(layout.published(OutputLayout.DOCUMENTS)),
                spark.read().parquet(layout.published(OutputLayout.REJECTED)), duplicates);
        String html = render(m, shards, stageOrder, figures).html();
        layout.writeFile(hadoop, FILE, html.getBytes(StandardCharsets.UTF_8));
    }

    static ReportPage render(JsonNode m, JsonNode shards, List<String> stageOrder, CorpusFigures figures) {
        String runId = m.path("run_id").asText();
        ReportPage page = new ReportPage("Corpus run " + runId);
        String started = m.path("started").asText();
        String finished = m.path("finished").asText();
        page.subtitle("started " + started + ", finished " + finished + " (" + duration(started, finished) + ")");

        summary(page, m);
        sources(page, m);
        funnel(page, m, stageOrder);
        mix(page, m, shards, figures);
        lengths(page, figures);
        duplicates(page, m, figures);
        pii(page, m);
        shards(page, shards);
        timings(page, m);
        return page;
    }

    private static void summary(ReportPage page, JsonNode m) {
        page.section("summary", "Summary");
        long input = 0, kept = 0, rejected = 0, quarantined = 0;
        for (JsonNode s : m.path("sources")) {
            input += s.path("input").asLong();
            kept += s.path("kept").asLong();
            rejected += s.path("rejected").asLong();
            quarantined += s.path("quarantined").asLong();
        }
        List<List<Object>> rows = new ArrayList<>();
        rows.add(List.of("run id", m.path("run_id").asText()));
        rows.add(List.of("input records", input));
        rows.add(List.of("kept documents", kept));
        rows.add(List.of("rejected", rejected));
        rows.add(List.of("quarantined (unreadable)", quarantined));
        rows.add(List.of("accounting (input = kept + rejected + quarantined, per source)",
                m.path("accounting").path("holds").asBoolean() ? "holds" : "DOES NOT HOLD"));
        JsonNode refresh = m.path("refresh");
        if (!refresh.isMissingNode()) {
            rows.add(List.of("refresh of", refresh.path("previous_run").asText("(first run)")));
            JsonNode inputs = refresh.path("inputs");
            rows.add(List.of("input files new / changed / gone", inputs.path("new").size() + " / "
                    + inputs.path("changed").size() + " / " + inputs.path("gone").size()));
            rows.add(List.of("shards from", refresh.path("shards_from").asText()));
        }
        if (m.has("resumed")) {
            rows.add(List.of("resumed, reusing", join(m.path("resumed").path("reused_steps"), ", ")));
        }
        JsonNode versions = m.path("versions");
        rows.add(List.of("versions", "lmforge " + versions.path("lmforge").asText() + ", Spark "
                + versions.path("spark").asText() + ", Java " + versions.path("java").asText()));
        page.table(List.of("", "value"), rows);
    }

    private static void sources(ReportPage page, JsonNode m) {
        page.section("sources", "Accounting per source");
        List<List<Object>> rows = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Map<String, List<Long>> outcome = new LinkedHashMap<>();
        for (String k : List.of("kept", "rejected", "quarantined")) {
            outcome.put(k, new ArrayList<>());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = m.path("sources").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode s = e.getValue();
            names.add(e.getKey());
            rows.add(List.of(e.getKey(), s.path("files").asLong(), s.path("bytes").asLong(), s.path("input").asLong(),
                    s.path("kept").asLong(), s.path("rejected").asLong(), s.path("quarantined").asLong(),
                    s.path("balanced").asBoolean() ? "yes" : "NO"));
            outcome.forEach((k, v) -> v.add(s.path(k).asLong()));
        }
        page.table(List.of("source", "files", "bytes", "input records", "kept", "rejected", "quarantined", "balanced"), rows);
        page.chart(new Chart("sources", "Records per source, by outcome",
                Charts.bars(names, outcome, "records", true, true), Math.max(200, 60 + 32 * names.size())));
    }

    private static void funnel(ReportPage page, JsonNode m, List<String> stageOrder) {
        page.section("funnel", "Records through the stages");
        long input = 0, quarantined = 0;
        for (JsonNode s : m.path("sources")) {
            input += s.path("input").asLong();
            quarantined += s.path("quarantined").asLong();
        }
        JsonNode rejections = m.path("rejections");
        Set<String> order = new LinkedHashSet<>();
        order.add("ingest");
        order.addAll(stageOrder);
        rejections.fieldNames().forEachRemaining(order::add);
        List<String> steps = new ArrayList<>(List.of("input records", "readable"));
        List<Long> counts = new ArrayList<>(List.of(input, input - quarantined));
        long left = input - quarantined;
        List<String> stages = new ArrayList<>();
        Map<String, Map<String, Long>> byReason = new TreeMap<>();
        for (String stage : order) {
            JsonNode reasons = rejections.path(stage);
            long removed = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = reasons.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                removed += e.getValue().asLong();
                byReason.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).put(stage, e.getValue().asLong());
            }
            if (stageOrder.contains(stage) || removed > 0) {
                stages.add(stage);
                left -= removed;
                steps.add("after " + stage);
                counts.add(left);
            }
        }
        page.chart(new Chart("funnel", "Records left after each stage", Charts.funnel(steps, counts),
                Math.max(HEIGHT, 40 + 34 * steps.size())));
        Map<String, List<Long>> series = new LinkedHashMap<>();
        byReason.forEach((reason, perStage) -> series.put(reason,
                stages.stream().map(s -> perStage.getOrDefault(s, null)).toList()));
        page.chart(new Chart("rejections", "Rejections by stage and reason",
                Charts.bars(stages, series, "records", true, false), HEIGHT));
        List<List<Object>> rows = new ArrayList<>();
        for (String stage : stages) {
            rejections.path(stage).fields().forEachRemaining(e -> rows.add(List.of(stage, e.getKey(), e.getValue().asLong())));
        }
        if (!rows.isEmpty()) {
            page.table(List.of("stage", "reason", "records"), rows);
        }
    }

    private static void mix(ReportPage page, JsonNode m, JsonNode shards, CorpusFigures figures) {
        page.section("mix", "Domain and language mix");
        Map<String, Long> docsByDomain = new TreeMap<>();
        Map<String, Long> docsByLang = new TreeMap<>();
        Map<String, Long> charsByLang = new TreeMap<>();
        long docs = 0, chars = 0;
        for (CorpusFigures.MixRow r : figures.mix()) {
            docsByDomain.merge(r.domain(), r.documents(), Long::sum);
            docsByLang.merge(r.lang(), r.documents(), Long::sum);
            charsByLang.merge(r.lang(), r.characters(), Long::sum);
            docs += r.documents();
            chars += r.characters();
        }
        JsonNode weights = shards.path("mixture").path("weights");
        JsonNode trainTokens = shards.path("splits").path("train").path("tokens_by_domain");
        Set<String> domains = new LinkedHashSet<>(docsByDomain.keySet());
        weights.fieldNames().forEachRemaining(domains::add);
        double weightSum = 0;
        for (JsonNode w : weights) {
            weightSum += w.asDouble();
        }
        long tokenSum = 0;
        for (JsonNode t : trainTokens) {
            tokenSum += t.asLong();
        }
        Map<String, List<Double>> domainSeries = new LinkedHashMap<>();
        List<String> domainList = List.copyOf(domains);
        if (weights.size() > 0) {
            double ws = weightSum;
            domainSeries.put("configured share of tokens (shards.mix.weights)",
                    domainList.stream().map(d -> weights.has(d) ? weights.get(d).asDouble() / ws : 0.0).toList());
        }
        if (tokenSum > 0) {
            long ts = tokenSum;
            domainSeries.put("achieved share of train tokens",
                    domainList.stream().map(d -> trainTokens.path(d).asLong() / (double) ts).toList());
        }
        long dc = Math.max(1, docs);
        domainSeries.put("share of kept documents",
                domainList.stream().map(d -> docsByDomain.getOrDefault(d, 0L) / (double) dc).toList());
        page.chart(new Chart("domain-mix", "Domains: configured against achieved",
                Charts.bars(domainList, domainSeries, "share", false, false), HEIGHT));

        JsonNode allow = m.path("config").path("langid").path("allow");
        Set<String> langs = new LinkedHashSet<>(docsByLang.keySet());
        allow.forEach(l -> langs.add(l.asText()));
        List<String> langList = List.copyOf(langs);
        Map<String, List<Double>> langSeries = new LinkedHashMap<>();
        long cc = Math.max(1, chars);
        langSeries.put("share of kept documents", langList.stream().map(l -> docsByLang.getOrDefault(l, 0L) / (double) dc).toList());
        langSeries.put("share of kept characters", langList.stream().map(l -> charsByLang.getOrDefault(l, 0L) / (double) cc).toList());
        page.chart(new Chart("language-mix", "Languages of the kept documents",
                Charts.bars(langList, langSeries, "share", false, false), HEIGHT));
        page.paragraph(allow.size() > 0 ? "Configured languages (langid.allow): " + join(allow, ", ")
                + ". Code files carry (code); documents without a detected language " + CorpusFigures.NO_VALUE + "."
                : "No language allow-list is configured (langid.allow): every detected language is kept.");
        if (weights.size() == 0) {
            page.paragraph("No mixture is configured (shards.mix.weights): the shards hold the domains as the documents do.");
        }
    }

    private static void lengths(ReportPage page, CorpusFigures figures) {
        page.section("lengths", "Document lengths per domain, before and after filtering");
        page.paragraph("Characters per document, in bins that double: as ingest read the records (before cleaning "
                + "and filtering), and as kept in documents/.");
        List<String> domains = new ArrayList<>(figures.lengthsBefore().keySet());
        figures.lengthsAfter().keySet().stream().filter(d -> !domains.contains(d)).forEach(domains::add);
        domains.sort((a, b) -> Long.compare(total(figures.lengthsBefore().get(b)), total(figures.lengthsBefore().get(a))));
        if (domains.size() > MAX_LENGTH_CHARTS) {
            page.paragraph("The " + MAX_LENGTH_CHARTS + " largest of " + domains.size() + " domains.");
        }
        int i = 0;
        for (String domain : domains.subList(0, Math.min(domains.size(), MAX_LENGTH_CHARTS))) {
            Map<Integer, Long> before = figures.lengthsBefore().getOrDefault(domain, Map.of());
            Map<Integer, Long> after = figures.lengthsAfter().getOrDefault(domain, Map.of());
            int lo = Integer.MAX_VALUE, hi = 0;
            for (int bin : concat(before.keySet(), after.keySet())) {
                lo = Math.min(lo, bin);
                hi = Math.max(hi, bin);
            }
            List<String> bins = new ArrayList<>();
            Map<String, List<Long>> series = new LinkedHashMap<>();
            series.put("before", new ArrayList<>());
            series.put("after", new ArrayList<>());
            for (int bin = lo; bin <= hi; bin++) {
                bins.add(CorpusFigures.binLabel(bin));
                series.get("before").add(before.getOrDefault(bin, 0L));
                series.get("after").add(after.getOrDefault(bin, 0L));
            }
            page.chart(new Chart("lengths-" + i++, "Domain " + domain + ": documents by length (characters)",
                    Charts.bars(bins, series, "documents", false, false), 260));
        }
    }

    private static void duplicates(ReportPage page, JsonNode m, CorpusFigures figures) {
        page.section("duplicates", "Duplicates");
        JsonNode dedup = m.path("stages").path("dedup");
        if (dedup.isMissingNode()) {
            page.paragraph("The dedup stage did not run.");
            return;
        }
        List<String> sizes = new ArrayList<>();
        List<Long> clusters = new ArrayList<>();
        figures.clusterSizes().forEach((size, n) -> {
            sizes.add(Long.toString(size));
            clusters.add(n);
        });
        page.chart(new Chart("duplicate-clusters", "Duplicate clusters by size (documents in the cluster)",
                Charts.withValueLabels(Charts.bars(sizes, Map.of("clusters", clusters), "clusters", false, false)), HEIGHT));
        if (sizes.isEmpty()) {
            page.paragraph("No duplicates were found.");
        }
        List<List<Object>> rows = new ArrayList<>();
        for (String key : List.of("documents", "previous_documents", "exact_duplicate", "near_duplicate", "superseded",
                "comparisons", "verified_pairs", "min_jaccard")) {
            if (dedup.has(key)) {
                rows.add(List.of(key.replace('_', ' '), number(dedup.get(key))));
            }
        }
        page.table(List.of("dedup", "value"), rows);
    }

    private static void pii(ReportPage page, JsonNode m) {
        page.section("pii", "Personal data masked");
        JsonNode pii = m.path("stages").path("pii");
        if (pii.isMissingNode()) {
            page.paragraph("The pii stage did not run.");
            return;
        }
        List<String> kinds = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        pii.path("masked").fields().forEachRemaining(e -> {
            kinds.add(e.getKey());
            counts.add(e.getValue().asLong());
        });
        page.chart(new Chart("pii", "Masked spans by kind", Charts.withValueLabels(Charts.bars(kinds, Map.of("masked", counts), "spans", false, false)), HEIGHT));
        page.paragraph(pii.path("documents_with_pii").asLong() + " kept documents had personal data masked.");
    }

    private static void shards(ReportPage page, JsonNode shards) {
        page.section("shards", "Tokens per domain in the shards");
        if (shards.isMissingNode()) {
            page.paragraph("The run wrote no shards.");
            return;
        }
        Set<String> domains = new LinkedHashSet<>();
        for (String split : List.of("train", "val")) {
            shards.path("splits").path(split).path("tokens_by_domain").fieldNames().forEachRemaining(domains::add);
        }
        List<String> list = List.copyOf(domains);
        Map<String, List<Long>> series = new LinkedHashMap<>();
        List<List<Object>> rows = new ArrayList<>();
        for (String split : List.of("train", "val")) {
            JsonNode s = shards.path("splits").path(split);
            series.put(split, list.stream().map(d -> s.path("tokens_by_domain").path(d).asLong()).toList());
            rows.add(List.of(split, s.path("sequences").asLong(), s.path("tokens").asLong()));
        }
        page.chart(new Chart("shard-tokens", "Tokens per domain in shards/", Charts.bars(list, series, "tokens", true, false), HEIGHT));
        page.table(List.of("split", "sequences of " + shards.path("seq_len").asInt() + " tokens", "tokens"), rows);
    }

    private static void timings(ReportPage page, JsonNode m) {
        page.section("timings", "Stage timings");
        List<String> names = new ArrayList<>();
        List<Double> seconds = new ArrayList<>();
        for (JsonNode s : m.path("segments")) {
            names.add(join(s.path("stages"), " + "));
            seconds.add(s.path("seconds").asDouble());
        }
        page.chart(new Chart("timings", "Seconds per pass (stages that ran fused in one pass are listed together)",
                Charts.bars(names, Map.of("seconds", seconds), "seconds", false, true), Math.max(200, 60 + 32 * names.size())));
        List<List<Object>> rows = new ArrayList<>();
        m.path("stages").fields().forEachRemaining(stage -> stage.getValue().fields().forEachRemaining(f -> {
            if (f.getKey().equals("seconds") && f.getValue().isObject()) {
                f.getValue().fields().forEachRemaining(p -> rows.add(List.of(stage.getKey(), p.getKey(), p.getValue().asDouble())));
            } else if (f.getKey().endsWith("_seconds") && f.getValue().isNumber()) {
                rows.add(List.of(stage.getKey(), f.getKey().substring(0, f.getKey().length() - "_seconds".length()),
                        f.getValue().asDouble()));
            }
        }));
        if (!rows.isEmpty()) {
            page.paragraph("Inside the stages:");
            page.table(List.of("stage", "part", "seconds"), rows);
        }
    }

    private static long total(Map<Integer, Long> bins) {
        return bins == null ? 0 : bins.values().stream().mapToLong(Long::longValue).sum();
    }

    private static Set<Integer> concat(Set<Integer> a, Set<Integer> b) {
        Set<Integer> out = new LinkedHashSet<>(a);
        out.addAll(b);
        return out;
    }

    private static Object number(JsonNode n) {
        return n.isIntegralNumber() ? (Object) n.asLong() : n.isNumber() ? (Object) n.asDouble() : n.asText();
    }

    private static String join(JsonNode array, String separator) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return String.join(separator, out);
    }

    private static String duration(String from, String to) {
        try {
            Duration d = Duration.between(Instant.parse(from), Instant.parse(to));
            return d.toMinutes() > 0 ? d.toMinutes() + " min " + d.toSecondsPart() + " s" : d.toSecondsPart() + "."
                    + String.format("%03d", d.toMillisPart()).charAt(0) + " s";
        } catch (RuntimeException e) {
            return "?";
        }
    }
}
