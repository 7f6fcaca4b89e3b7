package io.lmforge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.lmforge.config.Settings;
import io.lmforge.pipeline.CorpusConfig;
import io.lmforge.pipeline.CorpusJob;
import io.lmforge.corpus.OutputLayout;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs a corpus config given as HOCON text on the shared session and reads its outputs back. */
public final class CorpusRun {
    public final Path out;
    public final CorpusJob.Result result;

    private CorpusRun(Path out, CorpusJob.Result result) {
        this.out = out;
        this.result = result;
    }

    public static CorpusRun run(String hocon, Path out) throws IOException {
        CorpusConfig config = CorpusConfig.from(Settings.of(ConfigFactory.parseString(hocon).resolve(), "lmforge.corpus", ""));
        CorpusJob.Result result = new CorpusJob(config, SparkTestSession.get(), new OutputLayout(out.toString())).run();
        return new CorpusRun(out, result);
    }

    /**
     * Runs only ingest and the record outputs: no document or artifact stages, whatever the
     * registry holds, and no report. Reader and runner tests use this so that, say, dedup does not
     * remove a fixture they count on, and so they stay fast.
     */
    public static CorpusRun ingestOnly(String hocon, Path out) throws IOException {
        return run(hocon + "\nstages = []\nartifacts = []\noutput.report = false\n", out);
    }

    public Dataset<Row> documents() {
        return read(OutputLayout.DOCUMENTS);
    }

    public Dataset<Row> rejected() {
        return read(OutputLayout.REJECTED);
    }

    public Dataset<Row> quarantine() {
        return read(OutputLayout.QUARANTINE);
    }

    public Dataset<Row> read(String output) {
        return SparkTestSession.get().read().parquet(out.resolve(output).toString());
    }

    public JsonNode manifest() throws IOException {
        return new ObjectMapper().readTree(Files.readAllBytes(out.resolve(OutputLayout.MANIFEST)));
    }

    /** A HOCON string literal for a path. */
    public static String quote(Path p) {
        return "\"" + p.toAbsolutePath().toString().replace("\\", "\\\\") + "\"";
    }
}
