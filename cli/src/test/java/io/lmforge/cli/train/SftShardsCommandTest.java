package io.lmforge.cli.train;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lmforge.testing.TestData;
import io.lmforge.trainer.sft.SftTestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worked example of docs/fine-tuning.md on the bundled samples/sft/chat.jsonl: sft-shards
 * from a checkpoint, train --init-from it, eval the responses.
 */
class SftShardsCommandTest {
    @TempDir
    static Path dir;

    @Test
    void shardsFromACheckpointTrainFromItAndEvalScoresTheResponsesOnly() throws IOException {
        Path base = SftTestData.checkpoint(dir.resolve("base"));
        List<String> lines = new ArrayList<>(Files.readAllLines(TestData.repoRoot().resolve("samples/sft/chat.jsonl")));
        lines.add(2, "{\"context\": \"a line without a response\"}");
        Path data = dir.resolve("chat.jsonl");
        Files.write(data, lines);
        Path out = dir.resolve("sft");

        EvalCommandTest.Outcome built = EvalCommandTest.lmforge("sft-shards", "--data", data.toString(), "--checkpoint",
                base.toString(), "--out", out.toString(), "--val-fraction", "0");
        assertEquals(0, built.code(), built.err());
        assertTrue(built.out().contains("9 records: 8 examples (8 train, 0 val; 0 truncated to fit), 1 quarantined"),
                built.out());
        assertTrue(built.out().contains("quarantined: " + data + " line 3: no string field \"response\""), built.out());
        JsonObject accounting = JsonParser.parseString(Files.readString(out.resolve("manifest.json"))).getAsJsonObject();
        long trained = accounting.get("trained_tokens").getAsLong();

        Path config = dir.resolve("sft.conf");
        Files.writeString(config, SftTestData.MODEL + """
                train { max-steps = 2, micro-batch = 2, mask-documents = true, threads = 1 }
                eval { every = 2 }
                checkpoint { every = 2 }
                metrics { prometheus-port = -1 }
                """);
        Path run = dir.resolve("run");
        EvalCommandTest.Outcome trainedRun = EvalCommandTest.lmforge("train", "--config", config.toString(), "--data",
                out.resolve("shards").toString(), "--out", run.toString(), "--init-from", base.toString());
        assertEquals(0, trainedRun.code(), trainedRun.err());

        EvalCommandTest.Outcome eval = EvalCommandTest.lmforge("eval", "--checkpoint", run.toString(), "--data",
                out.resolve("shards").toString(), "--split", "train", "--mask-documents", "--json");
        assertEquals(0, eval.code(), eval.err());
        assertEquals(trained, eval.json().get("tokens").getAsLong(), "the response tokens and their eos, nothing else");
    }

    @Test
    void aCheckpointThatIsNotOneIsAnInputError() throws IOException {
        Path data = dir.resolve("one.jsonl");
        Files.write(data, List.of("{\"context\": \"a\", \"response\": \"b\"}"));
        EvalCommandTest.Outcome o = EvalCommandTest.lmforge("sft-shards", "--data", data.toString(), "--checkpoint",
                dir.resolve("nowhere").toString(), "--out", dir.resolve("x").toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().startsWith("lmforge: input error: ") && o.err().contains("nowhere does not exist"), o.err());
    }
}
