package io.lmforge.pipeline;

import io.lmforge.corpus.CorpusSettings;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.ingest.Ingest;
import io.lmforge.ingest.IngestTask;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What makes a corpus run resumable: a run record, {@code OUT/_work/_run.json} (run id, the
 * resolved config and the input listing, each with a SHA-256), and one completion marker per
 * finished step, {@code OUT/_work/_steps/STEP.json}, carrying the same two hashes and what the
 * step needs to be skipped (its output schema, its known figures, its time).
 *
 * <p>A step is reused only when its marker exists and its hashes are the run's. A marker is
 * written (to a temporary name, then renamed) after the step's outputs are complete, so a process
 * killed inside a step leaves no marker for it and the step runs again.
 */
final class RunState {
    static final String RUN_FILE = "_run.json";
    static final String STEPS = "_steps";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a run treats what an earlier, unfinished run left in {@code OUT/}. */
    enum Mode {
        /** Start over: clear staging and scratch (the default). */
        FRESH,
        /** Reuse finished steps; refuse when config or inputs changed. */
        RESUME,
        /** Reuse finished steps when config and inputs are the same, else start over. */
        RESUME_OR_RESTART
    }

    private final Configuration hadoop;
    private final OutputLayout layout;
    private final String runId;
    private final String configHash;
    private final String inputsHash;
    private final boolean resumed;
    private final List<String> reused = new ArrayList<>();

    private RunState(Configuration hadoop, OutputLayout layout, String runId, String configHash, String inputsHash,
                     boolean resumed) {
        this.hadoop = hadoop;
        this.layout = layout;
        this.runId = runId;
        this.configHash = configHash;
        this.inputsHash = inputsHash;
        this.resumed = resumed;
    }

    /**
     * Opens the run's state: resumes the unfinished run in {@code OUT/} when asked and it matches,
     * else clears {@code OUT/} (like every fresh run) and records a new run.
     */
    static RunState open(Configuration hadoop, OutputLayout layout, Mode mode, String newRunId, Config resolved,
                         Ingest.Plan plan) throws IOException {
        // The user's config over every default: a changed default changes the run too.
        Map<String, String> config = flatten(resolved.withFallback(
                io.lmforge.config.Settings.reference().getConfig(CorpusSettings.NAMESPACE)));
        Map<String, String> inputs = listing(plan);
        String configHash = sha256(config);
        String inputsHash = sha256(inputs);
        FileSystem fs = new Path(layout.root()).getFileSystem(hadoop);
        Path runFile = new Path(layout.work(RUN_FILE));
        if (mode != Mode.FRESH) {
            if (fs.exists(runFile)) {
                Map<String, Object> previous = read(fs, runFile);
                String changes = changes(previous, config, inputs);
                if (changes.isEmpty()) {
                    fs.delete(new Path(layout.published(OutputLayout.MANIFEST)), false);
                    return new RunState(hadoop, layout, (String) previous.get("run_id"), configHash, inputsHash, true);
                }
                if (mode == Mode.RESUME) {
                    throw new ResumeRefusedException("cannot resume the unfinished run in " + layout.root() + ": " + changes
                            + ". Run again with --restart to discard it and start over.");
                }
                System.err.println("lmforge: starting over in " + layout.root() + " (" + changes + ")");
            } else {
                System.err.println("lmforge: no unfinished run in " + layout.root() + " to resume; starting a new one");
            }
        }
        layout.begin(hadoop);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("run_id", newRunId);
        record.put("config_sha256", configHash);
        record.put("inputs_sha256", inputsHash);
        record.put("config", config);
        record.put("inputs", inputs);
        write(fs, runFile, record);
        return new RunState(hadoop, layout, newRunId, configHash, inputsHash, false);
    }

    String runId() {
        return runId;
    }

    boolean resumed() {
        return resumed;
    }

    /** The steps this run took from the run it resumed, in order. */
    List<String> reused() {
        return List.copyOf(reused);
    }

    /** The marker of a finished step of this run, if there is one whose hashes match. */
    Optional<Map<String, Object>> done(String step) throws IOException {
        if (!resumed) {
            return Optional.empty();
        }
        Path marker = marker(step);
        FileSystem fs = marker.getFileSystem(hadoop);
        if (!fs.exists(marker)) {
            return Optional.empty();
        }
        Map<String, Object> m = read(fs, marker);
        if (!configHash.equals(m.get("config_sha256")) || !inputsHash.equals(m.get("inputs_sha256"))) {
            return Optional.empty();
        }
        return Optional.of(m);
    }

    /** Records that this run reuses a finished step. */
    void reuse(String step) {
        System.err.println("lmforge: reusing finished step " + step);
        reused.add(step);
    }

    /** Writes a step's completion marker; call it only once the step's outputs are complete. */
    void complete(String step, Map<String, Object> data) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        m.put("run_id", runId);
        m.put("config_sha256", configHash);
        m.put("inputs_sha256", inputsHash);
        m.putAll(data);
        Path marker = marker(step);
        write(marker.getFileSystem(hadoop), marker, m);
    }

    private Path marker(String step) {
        return new Path(layout.work(STEPS + "/" + step.replaceAll("[^A-Za-z0-9._-]", "_") + ".json"));
    }

    /** "config changed: a.b, c; inputs changed: 1 new (x), 1 changed (y)", or "" when nothing did. */
    @SuppressWarnings("unchecked")
    static String changes(Map<String, Object> previous, Map<String, String> config, Map<String, String> inputs) {
        List<String> parts = new ArrayList<>();
        Map<String, String> oldConfig = (Map<String, String>) previous.getOrDefault("config", Map.of());
        TreeSet<String> keys = new TreeSet<>(oldConfig.keySet());
        keys.addAll(config.keySet());
        List<String> changedKeys = keys.stream().filter(k -> !String.valueOf(oldConfig.get(k)).equals(String.valueOf(config.get(k))))
                .toList();
        if (!changedKeys.isEmpty()) {
            parts.add("the config changed (" + String.join(", ", abbreviate(changedKeys)) + ")");
        }
        Map<String, String> oldInputs = (Map<String, String>) previous.getOrDefault("inputs", Map.of());
        InputDiff diff = InputDiff.of(oldInputs, inputs);
        if (!diff.isEmpty()) {
            parts.add("the inputs changed (" + diff.describe() + ")");
        }
        return String.join("; ", parts);
    }

    /** Input files by path, as "size,mtime" (what the resume check and the refresh ledger compare). */
    static Map<String, String> listing(Ingest.Plan plan) {
        Map<String, String> out = new TreeMap<>();
        for (IngestTask t : plan.tasks()) {
            out.put(t.file().path(), t.file().length() + "," + t.file().modified());
        }
        return out;
    }

    /** The resolved config as sorted key = rendered value pairs. */
    static Map<String, String> flatten(Config resolved) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : resolved.entrySet()) {
            out.put(e.getKey(), e.getValue().render(com.typesafe.config.ConfigRenderOptions.concise()));
        }
        return out;
    }

    static List<String> abbreviate(List<String> items) {
        if (items.size() <= 5) {
            return items;
        }
        List<String> out = new ArrayList<>(items.subList(0, 5));
        out.add("and " + (items.size() - 5) + " more");
        return out;
    }

    static String sha256(Map<String, String> map) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(String.valueOf(e.getValue()).getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> read(FileSystem fs, Path file) throws IOException {
        try (FSDataInputStream in = fs.open(file)) {
            return JSON.readValue(in, new TypeReference<LinkedHashMap<String, Object>>() { });
        }
    }

    /** Writes a small JSON file through a temporary name and a rename, so it is whole or absent. */
    static void write(FileSystem fs, Path file, Object value) throws IOException {
        Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value).getBytes(StandardCharsets.UTF_8));
        }
        fs.delete(file, false);
        if (!fs.rename(tmp, file)) {
            throw new IOException("could not move " + tmp + " to " + file);
        }
    }
}
