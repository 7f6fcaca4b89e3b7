package io.lmforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.typesafe.config.ConfigFactory;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;
import io.lmforge.report.HeadlessChromium;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end runs of the trainer on hand-written shards with a very small MoE model. */
public class TrainerTest {
    static final String CONFIG = """
            model { preset = tiny, hidden-size = 32, layers = 2, heads = 2, intermediate-size = 64, max-positions = 64
                    moe { routed-experts = 4, top-k = 2, shared-experts = 1, expert-intermediate-size = 16 } }
            train { seed = 7, max-steps = 8, micro-batch = 4, grad-accumulation = 2 }
            optimizer { lr = 3e-3, warmup-steps = 2 }
            eval { every = 4, max-sequences = 16 }
            checkpoint { every = 2, keep = 2 }
            metrics { log-every = 1, prometheus-port = -1 }
            """;

    @TempDir
    static Path shared;
    static Path shards;
    static Path uninterrupted;
    static Trainer.Result uninterruptedResult;

    @BeforeAll
    static void trainOnce() throws IOException {
        shards = TestShards.write(shared.resolve("shards"), 16, 64, 3, 12, 8, 11);
        uninterrupted = shared.resolve("uninterrupted");
        uninterruptedResult = train(CONFIG, uninterrupted, 0);
    }

    public static TrainConfig config(String hocon) {
        return TrainConfig.from(Settings.of(ConfigFactory.parseString(hocon).resolve(), "lmforge.train", ""));
    }

    static Trainer.Result train(String hocon, Path out, long stopAt) throws IOException {
        return train(hocon, out, stopAt, true);
    }

    static Trainer.Result train(String hocon, Path out, long stopAt, boolean resume) throws IOException {
        ShardManifest manifest = ShardManifest.load(shards.toString(), new Configuration());
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return new Trainer(config(hocon), manifest, out, GradientSync.singleProcess(),
                new Trainer.Options(stopAt, resume, quiet)).run();
    }

    @Test
    void trainsValidatesLogsAndKeepsTheNewestCheckpoints() throws IOException {
        assertEquals(8, uninterruptedResult.step());
        assertEquals(8L * 2 * 4 * 16, uninterruptedResult.tokensSeen());
        List<JsonObject> log = log(uninterrupted);
        List<JsonObject> steps = log.stream().filter(o -> o.get("type").getAsString().equals("train")).toList();
        assertEquals(8, steps.size());
        double first = steps.get(0).get("loss").getAsDouble();
        double last = steps.get(7).get("loss").getAsDouble();
        assertTrue(last < first - 0.3, "loss should fall: " + first + " -> " + last);
        assertTrue(steps.get(0).get("balance_loss").getAsDouble() > 0, "MoE balance loss is part of the objective");
        double imbalance = steps.get(7).get("expert_load_max_over_mean").getAsDouble();
        assertTrue(imbalance >= 1 && imbalance <= 4.0 / 2, "between balance and collapse onto one of 4 experts: " + imbalance);

        JsonObject unigram = log.stream().filter(o -> o.has("event") && o.get("event").getAsString().equals("unigram_entropy"))
                .findFirst().orElseThrow();
        assertTrue(unigram.get("nats").getAsDouble() > 1 && unigram.get("nats").getAsDouble() < Math.log(64));
        assertEquals(3 * 12 * 17, unigram.get("tokens").getAsLong(), "every token of the 36 training windows");

        List<JsonObject> evals = log.stream().filter(o -> o.get("type").getAsString().equals("eval")).toList();
        assertEquals(2, evals.size(), "eval at step 4 and 8");
        JsonObject domains = evals.get(1).getAsJsonObject("domains");
        assertTrue(domains.has("web") && domains.has("code"), domains.toString());
        double ppl = evals.get(1).get("val_perplexity").getAsDouble();
        assertEquals(Math.exp(evals.get(1).get("val_loss").getAsDouble()), ppl, 1e-6 * ppl);
        assertTrue(evals.get(1).get("val_loss").getAsDouble() < Math.log(64), "better than uniform over the vocabulary");

        List<Path> kept = new Checkpoints(uninterrupted).list();
        assertEquals(List.of("step-00000006", "step-00000008"), kept.stream().map(p -> p.getFileName().toString()).toList(),
                "checkpoint.keep = 2");
    }

    @Test
    void aStoppedAndResumedRunEndsWithTheSameParameters() throws IOException {
        Path out = shared.resolve("resumed");
        Trainer.Result stopped = train(CONFIG, out, 5);
        assertEquals(5, stopped.step());
        assertEquals(List.of(4L, 5L), evaluatedSteps(out), "report.html as the stopped run left it");
        Trainer.Result resumed = train(CONFIG, out, 0);
        assertEquals(5, resumed.resumedFrom());
        assertEquals(8, resumed.step());
        assertEquals(uninterruptedResult.tokensSeen(), resumed.tokensSeen());
        assertSameTensors(uninterrupted, out, 8);
        // The log reads as one run: one line per step.
        assertEquals(8, log(out).stream().filter(o -> o.get("type").getAsString().equals("train")).count());
        assertEquals(List.of(4L, 5L, 8L), evaluatedSteps(out), "the resumed run's report shows the whole run");
    }

    /** RUN/report.html, written at each evaluation, in a browser: every chart drawn, no script error. */
    @Test
    void theReportDrawsLossLearningRateGradientNormAndThroughput() throws Exception {
        Path report = uninterrupted.resolve("report.html");
        assertEquals(List.of(4L, 8L), evaluatedSteps(uninterrupted));
        List<JsonObject> warnings = log(uninterrupted).stream().filter(o -> o.has("event")
                && o.get("event").getAsString().equals("warning") && o.get("message").getAsString().contains("report")).toList();
        assertEquals(List.of(), warnings);

        HeadlessChromium.Page page = HeadlessChromium.open(report);
        assertEquals(List.of(), page.scriptErrors());
        for (String chart : List.of("loss", "val-loss-by-domain", "learning-rate", "grad-norm", "tokens-per-second")) {
            assertTrue(page.figure(chart).orElseThrow().drawn(), chart + " drawn");
        }
        assertTrue(page.figure("rank-tokens-per-second").isEmpty(), "one process: no per-rank charts");
        String byDomain = page.figure("val-loss-by-domain").orElseThrow().svg();
        assertTrue(byDomain.contains(">web<") && byDomain.contains(">code<"), "a line per validation domain");
        assertTrue(page.figure("loss").orElseThrow().svg().contains(">validation loss<"));
    }

    /** The steps of the evaluations table of {@code RUN/report.html}. */
    public static List<Long> evaluatedSteps(Path run) throws IOException {
        String html = Files.readString(run.resolve("report.html"));
        Matcher section = Pattern.compile("(?s)<section id=\"evaluations\">.*?</section>").matcher(html);
        List<Long> steps = new ArrayList<>();
        if (section.find()) {
            Matcher row = Pattern.compile("<tr><td class=\"num\">([0-9,]+)</td>").matcher(section.group());
            while (row.find()) {
                steps.add(Long.parseLong(row.group(1).replace(",", "")));
            }
        }
        return steps;
    }

    @Test
    void aFreshRunForgetsTheCheckpointsAndLogOfTheLastOne() throws IOException {
        Path out = shared.resolve("fresh");
        train(CONFIG, out, 4);
        Trainer.Result again = train(CONFIG, out, 2, false);
        assertEquals(-1, again.resumedFrom());
        assertEquals(List.of("step-00000002"),
                new Checkpoints(out).list().stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(2, log(out).stream().filter(o -> o.get("type").getAsString().equals("train")).count());
    }

    @Test
    void resumingWithADifferentModelIsRefused() throws IOException {
        Path out = shared.resolve("other-model");
        train(CONFIG, out, 2);
        String wider = CONFIG.replace("hidden-size = 32", "hidden-size = 48");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> train(wider, out, 0));
        assertTrue(e.getMessage().contains("holds a different model"), e.getMessage());
    }

    @Test
    void earlyStoppingEndsTheRunAndCheckpointsIt() throws IOException {
        Path out = shared.resolve("early");
        String hocon = CONFIG.replace("eval { every = 4, max-sequences = 16 }",
                "eval { every = 1, max-sequences = 8, patience = 2, min-delta = 100 }");
        Trainer.Result r = train(hocon, out, 0);
        assertTrue(r.stoppedEarly());
        assertEquals(3, r.step(), "best at step 1 (anything beats infinity), then 2 evaluations without a 100-nat gain");
        assertTrue(Files.isDirectory(out.resolve("checkpoints/step-00000003")));
        assertTrue(log(out).stream().anyMatch(o -> o.has("event") && o.get("event").getAsString().equals("early_stop")));
    }

    public static List<JsonObject> log(Path run) throws IOException {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    /** The final checkpoints of two runs hold bit-identical parameters and optimizer moments. */
    public static void assertSameTensors(Path a, Path b, long step) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Checkpoints.Loaded x = new Checkpoints(a).load(a.resolve(String.format("checkpoints/step-%08d", step)), m);
            Checkpoints.Loaded y = new Checkpoints(b).load(b.resolve(String.format("checkpoints/step-%08d", step)), m);
            assertEquals(x.state().optimizerStep(), y.state().optimizerStep());
            assertEquals(x.state().dataPositions(), y.state().dataPositions());
            Map<String, float[]> xs = tensors(x.model(), x.optimizer());
            Map<String, float[]> ys = tensors(y.model(), y.optimizer());
            assertEquals(xs.keySet(), ys.keySet());
            for (String name : xs.keySet()) {
                assertArrayEquals(xs.get(name), ys.get(name), 0f, name + " differs");
            }
        }
    }

    public static Map<String, float[]> tensors(NDList... lists) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (NDList l : lists) {
            for (NDArray a : l) {
                out.put(a.getName(), a.toFloatArray());
            }
        }
        return out;
    }
}
