package io.lmforge.cli.train;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lmforge.cli.LmForge;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.eval.Bootstrap;
import io.lmforge.shards.ShardManifest;
import io.lmforge.testing.TestData;
import io.lmforge.trainer.TestTokenizer;
import io.lmforge.trainer.Trainer;
import io.lmforge.trainer.TrainerTest;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lmforge eval} on checkpoints of a short real training run. */
class EvalCommandTest {
    @TempDir
    static Path dir;
    static Path run;
    static Path shards;

    @BeforeAll
    static void train() throws IOException {
        shards = TestTokenizer.writeCorpus(dir.resolve("corpus"), 16);
        run = dir.resolve("run");
        new Trainer(TrainerTest.config("""
                model { preset = tiny, hidden-size = 32, layers = 2, heads = 2, intermediate-size = 64, max-positions = 64
                        moe { routed-experts = 4, top-k = 2, expert-intermediate-size = 16 } }
                train { max-steps = 4, micro-batch = 4, threads = 1 }
                eval { every = 2 }
                checkpoint { every = 2, keep = 2 }
                metrics { prometheus-port = -1 }
                """), ShardManifest.load(shards.toString(), new Configuration()), run, GradientSync.singleProcess(),
                new Trainer.Options(0, true, new PrintStream(new ByteArrayOutputStream()))).run();
    }

    record Outcome(int code, String out, String err) {
        JsonObject json() {
            return JsonParser.parseString(out).getAsJsonObject();
        }
    }

    static Outcome lmforge(String... args) {
        CommandLine cli = LmForge.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    static Path step(int n) {
        return run.resolve("checkpoints/step-0000000" + n);
    }

    @Test
    void bitsPerByteOfRawDocumentsIsTheHandComputedNllOverBytes() throws IOException {
        Path text = dir.resolve("docs.jsonl");
        Files.write(text, List.of("{\"text\": \"ab\", \"domain\": \"x\"}", "{\"text\": \"é\", \"domain\": \"y\"}"));
        Outcome o = lmforge("eval", "--checkpoint", step(4).toString(), "--text", text.toString(), "--json");
        assertEquals(0, o.code(), o.err());
        JsonObject r = o.json();

        // By hand: one forward pass per document, log-softmax on the host in double.
        double nllAb = handNll(new int[]{0, 4 + 'a', 4 + 'b'});
        double nllE = handNll(new int[]{0, 4 + 0xC3, 4 + 0xA9});
        double bpb = (nllAb + nllE) / (Math.log(2) * 4);
        assertEquals(bpb, r.get("bits_per_byte").getAsDouble(), 1e-5 * bpb);
        assertEquals((nllAb + nllE) / 4, r.get("loss").getAsDouble(), 1e-5);
        assertEquals(Math.exp((nllAb + nllE) / 4), r.get("perplexity").getAsDouble(), 1e-4);
        assertEquals(4, r.get("tokens").getAsLong());
        assertEquals(4, r.get("bytes").getAsLong());
        JsonObject x = r.getAsJsonObject("domains").getAsJsonObject("x");
        assertEquals(nllAb / (Math.log(2) * 2), x.get("bits_per_byte").getAsDouble(), 1e-5);
        JsonObject y = r.getAsJsonObject("domains").getAsJsonObject("y");
        assertEquals(nllE / (Math.log(2) * 2), y.get("bits_per_byte").getAsDouble(), 1e-5);

        Outcome table = lmforge("eval", "--checkpoint", step(4).toString(), "--text", text.toString());
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("bpb") && table.out().lines().anyMatch(l -> l.startsWith("x ")), table.out());
    }

    private static double handNll(int[] ids) throws IOException {
        try (CheckpointModel m = CheckpointModel.load(step(4))) {
            NDArray logits = m.model().forward(new ParameterStore(m.manager(), false),
                    m.manager().create(new int[][]{ids}), null, false).get(0);
            float[] flat = logits.toFloatArray();
            int v = (int) logits.getShape().get(2);
            double nll = 0;
            for (int t = 0; t + 1 < ids.length; t++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < v; j++) {
                    max = Math.max(max, flat[t * v + j]);
                }
                double sum = 0;
                for (int j = 0; j < v; j++) {
                    sum += Math.exp(flat[t * v + j] - max);
                }
                nll += max + Math.log(sum) - flat[t * v + ids[t + 1]];
            }
            return nll;
        }
    }

    @Test
    void shardsAreScoredPerDomainWithBytesOfTheDecodedText() {
        Outcome o = lmforge("eval", "--checkpoint", run.toString(), "--data", shards.toString(), "--json");
        assertEquals(0, o.code(), o.err());
        JsonObject r = o.json();
        long tokens = r.get("tokens").getAsLong();
        long bytes = r.get("bytes").getAsLong();
        // The test shards hold random byte tokens: invalid UTF-8 decodes to U+FFFD (3 bytes), so bytes are not tokens.
        assertTrue(tokens > 0 && bytes > 0, r.toString());
        double loss = r.get("loss").getAsDouble();
        assertEquals(loss * tokens / (Math.log(2) * bytes), r.get("bits_per_byte").getAsDouble(), 1e-9);
        JsonArray ci = r.getAsJsonArray("bits_per_byte_ci95");
        assertTrue(ci.get(0).getAsDouble() <= r.get("bits_per_byte").getAsDouble()
                && r.get("bits_per_byte").getAsDouble() <= ci.get(1).getAsDouble(), r.toString());
        long sum = 0;
        for (Map.Entry<String, com.google.gson.JsonElement> d : r.getAsJsonObject("domains").entrySet()) {
            sum += d.getValue().getAsJsonObject().get("tokens").getAsLong();
        }
        assertEquals(tokens, sum);
        assertTrue(r.getAsJsonObject("domains").size() >= 1);
        assertEquals(o.out(), lmforge("eval", "--checkpoint", run.toString(), "--data", shards.toString(), "--json").out(),
                "seeded: the same report twice");
    }

    /** "Which continuation is the real next sentence", from the Debian Reference; line 2 and 5 broken. */
    static Path debianTask(Path file, int questions) throws IOException {
        List<String> sentences = new ArrayList<>();
        for (String section : TestData.debianReference("en")) {
            for (String s : section.split("(?<=[.!?])\\s+")) {
                String t = s.strip().replaceAll("\\s+", " ");
                if (t.length() >= 20 && t.length() <= 40) {
                    sentences.add(t);
                }
            }
        }
        assertTrue(sentences.size() > questions + 10, "enough sentences: " + sentences.size());
        Random random = new Random(3);
        List<String> lines = new ArrayList<>();
        com.google.gson.Gson gson = new com.google.gson.Gson();
        for (int i = 0; i < questions; i++) {
            int answer = random.nextInt(2);
            String real = " " + sentences.get(i + 1);
            String other = " " + sentences.get(random.nextInt(sentences.size()));
            List<String> choices = answer == 0 ? List.of(real, other) : List.of(other, real);
            lines.add(gson.toJson(Map.of("context", sentences.get(i), "choices", choices, "answer", answer)));
        }
        lines.add(1, "{\"context\": \"a\", \"choices\": [\"b\", ");
        lines.add(4, "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"answer\": 2}");
        Files.write(file, lines);
        return file;
    }

    @Test
    void multipleChoiceCountsBrokenLinesAndScoresTheRest() throws IOException {
        Path task = debianTask(dir.resolve("task.jsonl"), 40);
        Outcome o = lmforge("eval", "--checkpoint", run.toString(), "--task", task.toString(), "--json");
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains(task + " line 2: not JSON"), o.err());
        assertTrue(o.err().contains(task + " line 5: answer 2 is out of range"), o.err());
        assertTrue(o.err().contains("skipped 2 broken lines of " + task), o.err());
        JsonObject r = o.json();
        assertEquals(40, r.get("questions").getAsInt());
        assertEquals(2, r.get("broken_lines").getAsInt());
        double acc = r.get("accuracy").getAsDouble();
        JsonArray ci = r.getAsJsonArray("accuracy_ci95");
        assertTrue(acc >= 0 && acc <= 1 && ci.get(0).getAsDouble() <= acc && acc <= ci.get(1).getAsDouble(), r.toString());
        assertTrue(r.has("accuracy_per_byte"));
        Outcome table = lmforge("eval", "--checkpoint", run.toString(), "--task", task.toString());
        assertTrue(table.out().contains("accuracy") && table.out().contains("per byte"), table.out());
    }

    @Test
    void twoCheckpointsGetAPairedDifference() throws IOException {
        Path text = dir.resolve("ab.jsonl");
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            docs.add("{\"text\": \"document " + i + " of the A/B test, with some words\", \"domain\": \"" + (i % 2 == 0 ? "even" : "odd") + "\"}");
        }
        Files.write(text, docs);
        Outcome o = lmforge("eval", "--checkpoint", step(2).toString(), "--checkpoint", step(4).toString(), "--text",
                text.toString(), "--json");
        assertEquals(0, o.code(), o.err());
        JsonObject r = o.json();
        double a = r.getAsJsonObject("a").get("bits_per_byte").getAsDouble();
        double b = r.getAsJsonObject("b").get("bits_per_byte").getAsDouble();
        JsonObject d = r.getAsJsonObject("difference");
        assertEquals(b - a, d.get("bits_per_byte").getAsDouble(), 1e-12);
        JsonArray ci = d.getAsJsonArray("bits_per_byte_ci95");
        assertTrue(ci.get(0).getAsDouble() <= b - a && b - a <= ci.get(1).getAsDouble(), r.toString());
        assertTrue(d.getAsJsonObject("domains").has("even"));

        Outcome table = lmforge("eval", "--checkpoint", step(2).toString(), "--checkpoint", step(4).toString(), "--data",
                shards.toString());
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("B - A bits per byte") && table.out().contains("B - A loss"), table.out());

        Path task = debianTask(dir.resolve("ab-task.jsonl"), 20);
        Outcome mc = lmforge("eval", "--checkpoint", step(2).toString(), "--checkpoint", step(4).toString(), "--task",
                task.toString(), "--json");
        assertEquals(1, mc.code(), mc.err());
        JsonObject m = mc.json().getAsJsonObject("difference");
        assertEquals(mc.json().getAsJsonObject("b").get("accuracy").getAsDouble()
                - mc.json().getAsJsonObject("a").get("accuracy").getAsDouble(), m.get("accuracy").getAsDouble(), 1e-12);
    }

    @Test
    void pairedBootstrapOfIdenticalModelsIsZeroAndSeeded() {
        Bootstrap b = new Bootstrap(200, 9);
        double[] x = {1, 2, 3, 4, 5};
        double[] ones = {1, 1, 1, 1, 1};
        assertEquals(new Bootstrap.Interval(0, 0), b.pairedDifference(x, ones, x, ones, 1));
        assertEquals(b.ratio(x, ones, 1), new Bootstrap(200, 9).ratio(x, ones, 1));
        Bootstrap.Interval i = b.ratio(x, ones, 1);
        assertTrue(i.low() < 3 && 3 < i.high(), i.toString());
    }

    @Test
    void usageErrors() {
        assertEquals(2, lmforge("eval", "--checkpoint", run.toString()).code());
        Outcome o = lmforge("eval", "--checkpoint", dir.resolve("nope").toString(), "--data", shards.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("does not exist"), o.err());
    }
}
