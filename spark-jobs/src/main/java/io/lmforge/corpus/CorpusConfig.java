package io.lmforge.corpus;

import com.typesafe.config.Config;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.ingest.IngestSettings;
import io.lmforge.ingest.SourceConfig;

import java.io.File;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A corpus run's config, parsed and checked. The HOCON file looks like:
 * <pre>
 * sources = [ { name = cc, format = warc, path = "/data/cc/*.warc.gz", domain = web } ]
 * stages = [clean, filter, langid, pii, dedup]     # optional; default: every stage, in order
 * artifacts = [tokenizer, shards]                  # optional; default: every artifact stage
 * ingest { max-record-bytes = 10 MB }
 * output { rejected-samples-per-reason = 5 }
 * spark { master = "local[*]", conf { spark.sql.shuffle.partitions = 64 } }
 * dedup { ... }                                    # one section per stage, by its name
 * </pre>
 * Unknown keys anywhere, and wrong types, fail with the key's name.
 */
public record CorpusConfig(Optional<String> runId, Optional<String> master, Map<String, String> sparkConf,
                           IngestSettings ingest, List<SourceConfig> sources, List<Stage> stages,
                           List<ArtifactStage> artifacts, OutputSettings output, Config resolved) {

    public static CorpusConfig load(File file) {
        return from(Settings.load(file));
    }

    public static CorpusConfig from(Settings root) {
        Optional<String> runId = root.optionalString("run-id");
        Settings spark = root.section("spark");
        Optional<String> master = spark.optionalString("master");
        Map<String, String> sparkConf = spark.flatStrings("conf");
        spark.requireNoUnknownKeys();

        IngestSettings ingest = IngestSettings.from(root.section("ingest"));
        List<SourceConfig> sources = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Settings s : root.sections("sources")) {
            SourceConfig source = SourceConfig.from(s, ingest);
            if (!names.add(source.name())) {
                throw new InvalidConfigException(s.name("name") + " = '" + source.name() + "' is used by two sources");
            }
            sources.add(source);
        }
        if (sources.isEmpty()) {
            throw new InvalidConfigException("sources: the config names no sources");
        }
        List<Stage> stages = build(root, "stages", StageRegistry.STAGES);
        List<ArtifactStage> artifacts = build(root, "artifacts", StageRegistry.ARTIFACTS);
        OutputSettings output = OutputSettings.from(root.section("output"));
        root.requireNoUnknownKeys();
        return new CorpusConfig(runId, master, sparkConf, ingest, List.copyOf(sources), stages, artifacts,
                output, root.raw());
    }

    /**
     * Builds the named steps in the listed order. A step that is registered but not listed is
     * still built when its section is present, so a typo inside it is caught either way.
     */
    private static <T> List<T> build(Settings root, String listKey, Map<String, StageRegistry.Factory<T>> registry) {
        List<String> listed = root.strings(listKey, List.copyOf(registry.keySet()));
        Set<String> seen = new HashSet<>();
        for (String name : listed) {
            if (!registry.containsKey(name)) {
                throw new InvalidConfigException(root.name(listKey) + " names '" + name
                        + "', which is not one of " + registry.keySet());
            }
            if (!seen.add(name)) {
                throw new InvalidConfigException(root.name(listKey) + " names '" + name + "' twice");
            }
        }
        List<T> out = new ArrayList<>();
        for (String name : listed) {
            out.add(registry.get(name).create(root.section(name)));
        }
        for (Map.Entry<String, StageRegistry.Factory<T>> e : registry.entrySet()) {
            if (!seen.contains(e.getKey()) && root.has(e.getKey())) {
                e.getValue().create(root.section(e.getKey()));
            }
        }
        return List.copyOf(out);
    }
}
