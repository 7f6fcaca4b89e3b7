package io.lmforge.pipeline;

import io.lmforge.corpus.CorpusSettings;
import com.typesafe.config.ConfigFactory;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.ingest.Ingest;
import io.lmforge.ingest.IngestSettings;
import io.lmforge.ingest.SourceConfig;
import io.lmforge.testing.CorpusRun;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The resume check: markers are reused only by a run with the same config and inputs. */
class RunStateTest {
    @TempDir
    Path dir;

    private final Configuration hadoop = new Configuration();

    private CorpusConfig config(Path in, int maxBytes) {
        return CorpusConfig.from(CorpusSettings.of(ConfigFactory.parseString(
                "sources = [ { name = notes, format = jsonl, path = " + CorpusRun.quote(in) + " } ]\n"
                        + "ingest { snippet-chars = " + maxBytes + " }\nstages = []\nartifacts = []\n").resolve(), ""));
    }

    private RunState open(CorpusConfig c, OutputLayout layout, RunState.Mode mode) throws IOException {
        Ingest.Plan plan = Ingest.plan(c.sources(), hadoop);
        return RunState.open(hadoop, layout, mode, "r1", c.resolved(), plan);
    }

    @Test
    void aResumeReusesMarkersOnlyWhenNothingChanged() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.writeString(in.resolve("a.jsonl"), "{\"text\":\"a\"}\n");
        OutputLayout layout = new OutputLayout(dir.resolve("out").toString());
        CorpusConfig c = config(in, 200);

        RunState first = open(c, layout, RunState.Mode.RESUME);    // nothing to resume: a new run
        assertFalse(first.resumed());
        first.complete("ingest", Map.of("seconds", 1.5));
        RunState again = open(c, layout, RunState.Mode.RESUME);
        assertTrue(again.resumed());
        assertEquals(1.5, again.done("ingest").orElseThrow().get("seconds"));
        assertTrue(again.done("documents").isEmpty());

        ResumeRefusedException e = assertThrows(ResumeRefusedException.class,
                () -> open(config(in, 300), layout, RunState.Mode.RESUME));
        assertTrue(e.getMessage().contains("the config changed (ingest.snippet-chars)"), e.getMessage());

        Files.writeString(in.resolve("a.jsonl"), "{\"text\":\"changed\"}\n");
        Files.writeString(in.resolve("b.jsonl"), "{\"text\":\"b\"}\n");
        e = assertThrows(ResumeRefusedException.class, () -> open(c, layout, RunState.Mode.RESUME));
        assertTrue(e.getMessage().contains("the inputs changed (1 new (") && e.getMessage().contains("b.jsonl"), e.getMessage());
        assertTrue(e.getMessage().contains("1 changed (") && e.getMessage().contains("a.jsonl"), e.getMessage());

        RunState restarted = open(c, layout, RunState.Mode.RESUME_OR_RESTART);
        assertFalse(restarted.resumed());
        assertTrue(open(c, layout, RunState.Mode.RESUME).done("ingest").isEmpty(), "the old markers are gone");
    }
}
