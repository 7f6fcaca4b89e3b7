package io.lmforge.cli.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.export.HuggingFaceImport;
import io.lmforge.model.checkpoint.AdapterFiles;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.TestTokenizer;
import io.lmforge.trainer.Trainer;
import io.lmforge.trainer.TrainerTest;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The LoRA commands end to end: {@code train --init-from BASE --lora-rank R}, then the adapter run
 * given to {@code generate}, {@code export --format hf} (merged; checked by scripts/verify/hf_logits.py)
 * and {@code merge-adapter}.
 */
class LoraCommandTest {
    static final String MODEL = """
            model { preset = tiny, hidden-size = 32, layers = 3, heads = 2, intermediate-size = 64, max-positions = 64
                    moe { routed-experts = 4, top-k = 2, shared-experts = 1, expert-intermediate-size = 16 } }
            """;
    static final String RUN = """
            train { max-steps = 2, micro-batch = 2, threads = 1 }
            optimizer { lr = 3e-2, warmup-steps = 0 }
            eval { every = 2, max-sequences = 2 }
            checkpoint { every = 2 }
            metrics { prometheus-port = -1 }
            """;

    @TempDir
    static Path dir;
    static Path shards;
    static Path base;
    static Path config;
    static Path adapter;

    @BeforeAll
    static void train() throws IOException {
        shards = TestTokenizer.writeCorpus(dir.resolve("corpus"), 16);
        base = dir.resolve("base");
        new Trainer(TrainerTest.config(MODEL + RUN), ShardManifest.load(shards.toString(), new Configuration()), base,
                GradientSync.singleProcess(), new Trainer.Options(0, true, new PrintStream(new ByteArrayOutputStream()))).run();
        // The model section is the base's whatever the config says: this one names only the run.
        config = Files.writeString(dir.resolve("lora.conf"), RUN);
        adapter = dir.resolve("adapter");
        EvalCommandTest.Outcome o = EvalCommandTest.lmforge("train", "--config", config.toString(), "--data",
                shards.toString(), "--out", adapter.toString(), "--init-from", base.toString(), "--lora-rank", "2",
                "--lora-alpha", "8", "--lora-targets", "q,v,o,down");
        assertEquals(0, o.code(), o.err());
    }

    @Test
    void anAdapterRunGeneratesExportsMergedAndMergesIntoACheckpoint() throws Exception {
        assertTrue(AdapterFiles.isAdapter(CheckpointFiles.resolve(adapter)));
        EvalCommandTest.Outcome g = EvalCommandTest.lmforge("generate", "--checkpoint", adapter.toString(), "--prompt",
                "Debian", "--max-new-tokens", "4", "--temperature", "0");
        assertEquals(0, g.code(), g.err());

        Path hf = dir.resolve("hf");
        EvalCommandTest.Outcome e = EvalCommandTest.lmforge("export", "--checkpoint", adapter.toString(), "--format", "hf",
                "--out", hf.toString());
        assertEquals(0, e.code(), e.err());

        Path merged = dir.resolve("merged");
        EvalCommandTest.Outcome m = EvalCommandTest.lmforge("merge-adapter", "--checkpoint", adapter.toString(),
                "--out", merged.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(Files.size(merged.resolve("model.safetensors"))
                > 10 * Files.size(CheckpointFiles.resolve(adapter).resolve("model.safetensors")));
        // The merged checkpoint exports to the same Hugging Face weights as the adapter run.
        Path hf2 = dir.resolve("hf-merged");
        assertEquals(0, EvalCommandTest.lmforge("export", "--checkpoint", merged.toString(), "--out", hf2.toString()).code());
        try (NDManager nd = NDManager.newBaseManager()) {
            Map<String, NDArray> a = HuggingFaceImport.readSafeTensors(hf.resolve("model.safetensors"), nd);
            Map<String, NDArray> b = HuggingFaceImport.readSafeTensors(hf2.resolve("model.safetensors"), nd);
            assertEquals(a.keySet(), b.keySet());
            a.forEach((name, t) -> assertArrayEquals(t.toFloatArray(), b.get(name).toFloatArray(), name));
        }
        ExportCommandTest.assertLogitsMatch(adapter, hf);          // last: skipped without python3-torch
    }

    @Test
    void badLoraOptionsAreOneLineErrors() {
        EvalCommandTest.Outcome unknown = EvalCommandTest.lmforge("train", "--config", config.toString(), "--data",
                shards.toString(), "--out", dir.resolve("bad1").toString(), "--init-from", base.toString(),
                "--lora-rank", "4", "--lora-targets", "q,query");
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("'query'"), unknown.err());
        EvalCommandTest.Outcome rank = EvalCommandTest.lmforge("train", "--config", config.toString(), "--data",
                shards.toString(), "--out", dir.resolve("bad2").toString(), "--init-from", base.toString(), "--lora-rank", "0");
        assertEquals(2, rank.code(), rank.err());
        assertTrue(rank.err().contains("--lora-rank 0"), rank.err());
        EvalCommandTest.Outcome full = EvalCommandTest.lmforge("merge-adapter", "--checkpoint", base.toString(), "--out",
                dir.resolve("bad3").toString());
        assertEquals(2, full.code(), full.err());
        assertTrue(full.err().contains("not a LoRA adapter"), full.err());
    }
}
