package io.lmforge.cli;

import com.typesafe.config.ConfigFactory;
import io.lmforge.config.Settings;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.generate.Generator;
import io.lmforge.model.generate.Sampling;
import io.lmforge.model.generate.TextGenerator;
import io.lmforge.testing.CorpusRun;
import io.lmforge.testing.SparkTestSession;
import io.lmforge.testing.TestData;
import io.lmforge.trainer.dist.GradientSync;
import io.lmforge.trainer.TrainConfig;
import io.lmforge.trainer.Trainer;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.data.ShardSplit;
import io.lmforge.trainer.data.TokenWindow;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-off between the two halves of lmforge: shards written by the corpus job (Spark, the
 * real tokenizer and packing stages, on the bundled sample corpus's dialog and Chinese texts)
 * read by the trainer's parquet-mr reader exactly as Spark reads them, then trained on.
 */
class CorpusToTrainingIT {

    @Test
    void theTrainerReadsAndTrainsOnShardsFromTheCorpusJob(@TempDir Path dir) throws IOException {
        Path samples = TestData.repoRoot().resolve("samples");
        CorpusRun run = CorpusRun.run("sources = [\n"
                + "  { name = faq, format = jsonl, path = " + CorpusRun.quote(samples.resolve("dialog")) + " }\n"
                + "  { name = zh, format = text, path = " + CorpusRun.quote(samples.resolve("chinese")) + ", domain = chinese }\n"
                + "]\nstages = []\ntokenizer { vocab-size = 600 }\n"
                + "shards { seq-len = 64, seed = 3, val-fraction = 0.15 }\n", dir.resolve("corpus"));
        Path shards = run.out.resolve("shards");
        ShardManifest manifest = ShardManifest.load(shards.toString(), new Configuration());
        assertEquals(64, manifest.seqLen());
        assertEquals(600, manifest.vocabSize());

        // parquet-mr sees exactly what Spark sees.
        ShardSplit train = ShardSplit.open(manifest, "train", 64, new Configuration());
        List<TokenWindow> ours = new ArrayList<>();
        for (ShardSplit.Block b : train.blocks()) {
            ours.addAll(List.of(train.read(b)));
        }
        List<Row> spark = SparkTestSession.get().read().parquet(shards.resolve("train").toString())
                .select("input_ids", "domain", "doc_starts").collectAsList();
        assertEquals(manifest.split("train").sequences(), ours.size());
        assertEquals(spark.size(), ours.size());
        assertTrue(ours.size() > 20, "enough windows to train on: " + ours.size());
        Set<String> sparkRows = new HashSet<>();
        for (Row r : spark) {
            sparkRows.add(r.getList(0) + "|" + r.getString(1) + "|" + r.getList(2));
        }
        Set<String> ourRows = new HashSet<>();
        for (TokenWindow w : ours) {
            assertEquals(65, w.tokens().length);
            ourRows.add(list(w.tokens()) + "|" + w.domain() + "|" + list(w.docStarts()));
        }
        assertEquals(sparkRows, ourRows);

        TrainConfig config = TrainConfig.from(Settings.of(ConfigFactory.parseString("""
                model { preset = tiny, hidden-size = 32, layers = 2, heads = 2, intermediate-size = 64, max-positions = 64
                        moe { routed-experts = 4, top-k = 2, expert-intermediate-size = 16 } }
                train { max-steps = 12, micro-batch = 8, threads = 1 }   # 1: the test JVM shares the machine
                optimizer { lr = 5e-3, warmup-steps = 2 }
                eval { every = 6 }
                checkpoint { every = 6 }
                metrics { prometheus-port = -1, log-every = 1 }
                """), "lmforge.train", ""));
        Trainer.Result result = new Trainer(config, manifest, dir.resolve("run"), GradientSync.singleProcess(),
                new Trainer.Options(0, true, new PrintStream(new ByteArrayOutputStream()))).run();
        assertEquals(12, result.step());
        assertTrue(result.lastEval() != null && result.lastEval().domains().containsKey("chinese"), String.valueOf(result.lastEval()));
        assertTrue(result.lastEval().loss() < Math.log(600), "validation beats a uniform guess: " + result.lastEval().loss());
        assertTrue(Files.isDirectory(dir.resolve("run/checkpoints/step-00000012")));

        // The checkpoint carries the corpus run's tokenizer and generates from it with nothing else.
        try (CheckpointModel model = CheckpointModel.load(dir.resolve("run"))) {
            assertEquals(CheckpointFiles.sha256(run.out.resolve("tokenizer/tokenizer.json")),
                    CheckpointFiles.readConfig(model.directory()).tokenizerSha256());
            assertEquals(manifest.tokenizerSha256(), CheckpointFiles.readConfig(model.directory()).tokenizerSha256());
            TextGenerator.Result r = model.textGenerator().generate(List.of("你好", "How do I"), 8, Sampling.GREEDY, 1,
                    List.of(), null);
            for (TextGenerator.Completion c : r.completions()) {
                assertTrue(c.tokens().length > 0 || c.finish() == Generator.Finish.EOS, c.toString());
            }
            assertTrue(r.completions().get(0).promptTokens() > 1, "the prompt is <bos> and its tokens");
        }
    }

    private static String list(int[] values) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            s.append(i > 0 ? ", " : "").append(values[i]);
        }
        return s.append(']').toString();
    }
}
