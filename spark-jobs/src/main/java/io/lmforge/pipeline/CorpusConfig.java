package io.lmforge.pipeline;

import com.typesafe.config.Config;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.corpus.ArtifactStage;
import io.lmforge.corpus.CorpusSettings;
import io.lmforge.corpus.Schemas;
import io.lmforge.corpus.Stage;
import io.lmforge.ingest.IngestSettings;
import io.lmforge.ingest.SourceConfig;

import java.io.File;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

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
 * Unknown keys anywhere, and wrong types, fail with the key's name. Every key and its default is in
 * spark-jobs' {@code reference.conf}, under {@link #NAMESPACE}.
 */
public record CorpusConfig(Optional<String> runId, Optional<String> master, Map<String, String> sparkConf,
                           IngestSettings ingest, List<SourceConfig> sources, List<Stage> stages,
                           List<ArtifactStage> artifacts, OutputSettings output, Config resolved) {

    public static CorpusConfig load(File file) {
        return from(Settings.load(file, CorpusSettings.NAMESPACE));
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
        for (Settings s : root.sections("sources", "source-defaults")) {
            SourceConfig source = SourceConfig.from(s, ingest);
            if (!names.add(source.name())) {
                throw new InvalidConfigException(s.name("name") + " = '" + source.name() + "' is used by two sources");
            }
            sources.add(source);
        }
        if (sources.isEmpty()) {
            throw new InvalidConfigException("sources: the config names no sources");
        }
        List<Stage> stages = StageCatalog.stages().buildAll(root, "stages");
        checkColumns(stages, root.name("stages"));
        List<ArtifactStage> artifacts = StageCatalog.artifacts().buildAll(root, "artifacts");
        OutputSettings output = OutputSettings.from(root.section("output"));
        root.requireNoUnknownKeys();
        return new CorpusConfig(runId, master, sparkConf, ingest, List.copyOf(sources), stages, artifacts,
                output, root.raw());
    }

    /**
     * Each stage must find the columns it reads: ingest's, or ones an earlier stage adds. Checked
     * here, so a config whose stages do not fit together fails before any data is read.
     */
    static void checkColumns(List<Stage> stages, String key) {
        Set<String> available = new LinkedHashSet<>(Schemas.documentColumns());
        for (Stage stage : stages) {
            Set<String> missing = new TreeSet<>(stage.requiredColumns());
            missing.removeAll(available);
            if (!missing.isEmpty()) {
                throw new InvalidConfigException(key + ": stage '" + stage.name() + "' needs column"
                        + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                        + ", which no stage before it adds (columns then: " + String.join(", ", available) + ")");
            }
            available.addAll(stage.addedColumns());
        }
    }
}
