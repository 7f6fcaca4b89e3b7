package io.lmforge.pipeline;

import io.lmforge.corpus.CorpusSettings;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.ingest.Ingest;
import io.lmforge.ingest.IngestTask;
import io.lmforge.ingest.InputListing;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Versioned refreshes ({@code lmforge corpus --root ROOT --refresh}, docs/refresh.md):
 * <pre>
 * ROOT/runs/RUN_ID/   one corpus run's OUT/ (manifest.json, documents/, fingerprints/, shards/...)
 * ROOT/latest         the id of the newest successful run (written to a temporary name, renamed)
 * ROOT/_lease.json    held while a refresh runs
 * </pre>
 * A refresh reads only the input files no earlier successful run read (the ledger: every run's
 * {@code manifest.json} lists the files it read, and each names the run before it), dedups the new
 * documents against every earlier run through the newest run's fingerprints ({@code
 * dedup.previous}), and moves {@code latest} only when it succeeded.
 */
public final class Refresh {
    public static final String RUNS = "runs";
    public static final String LATEST = "latest";

    private final CorpusConfig config;
    private final SparkSession spark;
    private final Path root;
    private final Configuration hadoop;
    private final FileSystem fs;

    public Refresh(CorpusConfig config, SparkSession spark, String root) throws IOException {
        this.config = config;
        this.spark = spark;
        this.root = new Path(root);
        this.hadoop = spark.sparkContext().hadoopConfiguration();
        this.fs = this.root.getFileSystem(hadoop);
    }

    /** What a refresh did: the run (empty when there was nothing new to read) and its result. */
    public record Outcome(Optional<String> runId, Optional<CorpusJob.Result> result, String message) {
    }

    public Outcome run() throws IOException {
        fs.mkdirs(root);
        RefreshSettings settings = config.refresh();
        try (Lease lease = Lease.acquire(fs, root, settings.leaseTtl())) {
            Optional<String> previous = latest(fs, root);
            List<Map<String, Object>> chain = chain(previous);
            // The ledger: every file an earlier successful run read (a later reading wins).
            Map<String, String> ledger = new TreeMap<>();
            for (int i = chain.size() - 1; i >= 0; i--) {
                ledger.putAll(strings(inputs(chain.get(i)).get("read")));
            }
            Ingest.Plan all = Ingest.plan(config.sources(), hadoop);
            Map<String, String> now = new TreeMap<>();
            for (IngestTask t : all.tasks()) {
                now.put(t.file().path(), key(t.file(), settings.ledgerBy()));
            }
            InputDiff diff = InputDiff.of(ledger, now);
            if (diff.added().isEmpty() && diff.changed().isEmpty()) {
                return new Outcome(Optional.empty(), Optional.empty(), "nothing new to read since run "
                        + previous.orElse("(none)") + (diff.gone().isEmpty() ? "" : "; " + diff.describe()));
            }

            String runId = config.runId().orElseGet(() -> DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                    .withZone(ZoneOffset.UTC).format(Instant.now()));
            Path runDir = new Path(new Path(root, RUNS), runId);
            if (fs.exists(new Path(runDir, OutputLayout.MANIFEST))) {
                throw new IllegalStateException("run " + runId + " already exists in " + root
                        + ": a refresh needs a new run-id (leave run-id unset: the start time)");
            }
            removeFailedRuns(chain, runId);

            CorpusConfig runConfig = config;
            Optional<String> previousFingerprints = previous.map(p -> runPath(p) + "/fingerprints")
                    .filter(this::exists);
            boolean dedups = config.stages().stream().anyMatch(s -> s.name().equals("dedup"));
            if (dedups && previousFingerprints.isPresent()) {
                Config user = config.resolved().withValue("dedup.previous",
                        ConfigValueFactory.fromAnyRef(previousFingerprints.get()));
                runConfig = CorpusConfig.from(CorpusSettings.of(user, ""));
            }
            List<String> earlierDocuments = new ArrayList<>();
            if (settings.shardsFrom().equals("all")) {
                for (Map<String, Object> m : chain) {
                    String docs = runPath((String) m.get("run_id")) + "/" + OutputLayout.DOCUMENTS;
                    if (exists(docs)) {
                        earlierDocuments.add(docs);
                    }
                }
            }
            Map<String, String> read = new TreeMap<>();
            for (String p : diff.added()) {
                read.put(p, now.get(p));
            }
            for (String p : diff.changed()) {
                read.put(p, now.get(p));
            }
            Map<String, Object> section = new LinkedHashMap<>();
            section.put("root", root.toString());
            section.put("previous_run", previous.orElse(null));
            section.put("dedup_previous", dedups ? previousFingerprints.orElse(null) : null);
            section.put("shards_from", settings.shardsFrom());
            section.put("artifact_documents_from_runs", earlierDocuments.size());
            Map<String, Object> inputs = new LinkedHashMap<>();
            inputs.put("ledger_by", settings.ledgerBy());
            inputs.put("new", diff.added());
            inputs.put("changed", diff.changed());
            inputs.put("gone", diff.gone());
            inputs.put("read", read);
            section.put("inputs", inputs);

            CorpusJob.Result result = new CorpusJob(runConfig, spark, new OutputLayout(runDir.toString()))
                    .readOnly(e -> read.containsKey(e.path()))
                    .artifactDocuments(earlierDocuments)
                    .manifestSections(Map.of("refresh", section))
                    .run();
            pointLatestAt(runId);
            retain(runId, settings.keepRuns());
            return new Outcome(Optional.of(runId), Optional.of(result), "run " + runId + " complete: "
                    + diff.describe() + "; " + LATEST + " -> " + runId);
        }
    }

    /** The id {@code ROOT/latest} names, if any. */
    public static Optional<String> latest(FileSystem fs, Path root) throws IOException {
        Path latest = new Path(root, LATEST);
        if (!fs.exists(latest)) {
            return Optional.empty();
        }
        try (FSDataInputStream in = fs.open(latest)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    /** Moves {@code latest}: the id is written to a temporary file, which is renamed over it. */
    private void pointLatestAt(String runId) throws IOException {
        Path tmp = new Path(root, "." + LATEST + "." + runId + ".tmp");
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            out.write((runId + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Path latest = new Path(root, LATEST);
        try {
            FileContext.getFileContext(root.toUri(), hadoop).rename(tmp, latest, Options.Rename.OVERWRITE);
        } catch (UnsupportedOperationException | IOException e) {
            // A filesystem without an overwriting rename: the pointer is absent for a moment.
            fs.delete(latest, false);
            if (!fs.rename(tmp, latest)) {
                throw new IOException("could not move " + tmp + " to " + latest, e);
            }
        }
    }

    /** The successful runs from {@code latest} back, newest first, as their manifests. */
    private List<Map<String, Object>> chain(Optional<String> latest) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        Optional<String> id = latest;
        while (id.isPresent()) {
            Path manifest = new Path(runPath(id.get()), OutputLayout.MANIFEST);
            if (!fs.exists(manifest)) {
                throw new IllegalStateException("run " + id.get() + " (named by " + root + "/" + LATEST
                        + " or an earlier run) has no manifest.json");
            }
            Map<String, Object> m = RunState.read(fs, manifest);
            out.add(m);
            Object prev = section(m).get("previous_run");
            id = prev == null ? Optional.empty() : Optional.of(prev.toString());
        }
        return out;
    }

    /** Earlier runs beyond the newest {@code keep} lose everything but {@code manifest.json} and {@code report.html}. */
    private void retain(String newest, int keep) throws IOException {
        List<Map<String, Object>> runs = chain(Optional.of(newest));
        for (int i = keep; i < runs.size(); i++) {
            Path dir = new Path(runPath((String) runs.get(i).get("run_id")));
            for (FileStatus s : fs.listStatus(dir)) {
                String name = s.getPath().getName();
                if (!List.of(OutputLayout.MANIFEST, OutputLayout.REPORT).contains(name.replaceFirst("^\\.(.*)\\.crc$", "$1"))) {
                    fs.delete(s.getPath(), true);
                }
            }
        }
    }

    /** Run directories without a manifest are failed runs no pointer names: they go. */
    private void removeFailedRuns(List<Map<String, Object>> chain, String current) throws IOException {
        Path runs = new Path(root, RUNS);
        if (!fs.exists(runs)) {
            return;
        }
        for (FileStatus s : fs.listStatus(runs)) {
            if (s.isDirectory() && !s.getPath().getName().equals(current)
                    && !fs.exists(new Path(s.getPath(), OutputLayout.MANIFEST))) {
                System.err.println("lmforge: removing failed run " + s.getPath());
                fs.delete(s.getPath(), true);
            }
        }
    }

    private String runPath(String runId) {
        return new Path(new Path(root, RUNS), runId).toString();
    }

    private boolean exists(String path) {
        try {
            return fs.exists(new Path(path));
        } catch (IOException e) {
            return false;
        }
    }

    private String key(InputListing.Entry file, String ledgerBy) throws IOException {
        if (!ledgerBy.equals("content")) {
            return file.length() + "," + file.modified();
        }
        try (FSDataInputStream in = fs.open(new Path(file.path()))) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> manifest) {
        Object s = manifest.get("refresh");
        return s instanceof Map ? (Map<String, Object>) s : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> inputs(Map<String, Object> manifest) {
        Object s = section(manifest).get("inputs");
        return s instanceof Map ? (Map<String, Object>) s : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> strings(Object o) {
        return o instanceof Map ? (Map<String, String>) o : Map.of();
    }
}
