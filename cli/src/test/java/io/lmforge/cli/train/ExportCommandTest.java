package io.lmforge.cli.train;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.shards.ShardManifest;
import io.lmforge.testing.TestData;
import io.lmforge.trainer.TestTokenizer;
import io.lmforge.trainer.Trainer;
import io.lmforge.trainer.TrainerTest;
import io.lmforge.trainer.dist.GradientSync;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lmforge export --format hf}: the files, the tensor layout, and the logits of
 * scripts/verify/hf_logits.py (Llama / DeepSeekMoE in plain torch) against lmforge's.
 */
class ExportCommandTest {
    static final String PROMPT = "Debian is a free operating system.";

    @TempDir
    static Path dir;
    static Path dense;
    static Path moe;

    @BeforeAll
    static void train() throws IOException {
        Path shards = TestTokenizer.writeCorpus(dir.resolve("corpus"), 16);
        // The tiny preset's trunk, dense (Llama), and a small MoE model (DeepSeekMoE).
        dense = train(shards, "dense", "model { preset = tiny, max-positions = 64, moe { routed-experts = 0 } }");
        moe = train(shards, "moe", """
                model { preset = tiny, hidden-size = 32, layers = 3, heads = 2, intermediate-size = 64, max-positions = 64
                        moe { routed-experts = 4, top-k = 2, shared-experts = 1, expert-intermediate-size = 16 } }
                """);
    }

    private static Path train(Path shards, String name, String model) throws IOException {
        Path run = dir.resolve(name);
        new Trainer(TrainerTest.config(model + "\n" + """
                train { max-steps = 2, micro-batch = 2, threads = 1 }
                optimizer { lr = 3e-2, warmup-steps = 1 }
                eval { every = 2, max-sequences = 2 }
                checkpoint { every = 2 }
                metrics { prometheus-port = -1 }
                """), ShardManifest.load(shards.toString(), new Configuration()), run, GradientSync.singleProcess(),
                new Trainer.Options(0, true, new PrintStream(new ByteArrayOutputStream()))).run();
        return run;
    }

    private static Path export(Path run, String name) {
        Path out = dir.resolve(name);
        EvalCommandTest.Outcome o = EvalCommandTest.lmforge("export", "--checkpoint", run.toString(), "--format", "hf",
                "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        return out;
    }

    @Test
    void aDenseModelBecomesALlamaDirectory() throws IOException {
        Path out = export(dense, "dense-hf");
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "generation_config.json")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        JsonObject config = json(out.resolve("config.json"));
        assertEquals("llama", config.get("model_type").getAsString());
        assertEquals("LlamaForCausalLM", config.getAsJsonArray("architectures").get(0).getAsString());
        assertEquals(256, config.get("hidden_size").getAsInt());
        assertEquals(TestTokenizer.VOCAB, config.get("vocab_size").getAsInt());
        assertTrue(config.get("tie_word_embeddings").getAsBoolean());
        JsonObject generation = json(out.resolve("generation_config.json"));
        assertEquals(0.7, generation.get("temperature").getAsDouble());
        assertEquals(0.92, generation.get("top_p").getAsDouble());
        assertEquals(1.2, generation.get("repetition_penalty").getAsDouble());
        JsonObject tokenizerConfig = json(out.resolve("tokenizer_config.json"));
        assertEquals("<bos>", tokenizerConfig.get("bos_token").getAsString());
        assertEquals("<eos>", tokenizerConfig.get("eos_token").getAsString());
        assertArrayEquals(Files.readAllBytes(dense.resolve("checkpoints/step-00000002/tokenizer.json")),
                Files.readAllBytes(out.resolve("tokenizer.json")));

        JsonObject header = safetensorsHeader(out.resolve("model.safetensors"));
        assertEquals(2 + 4 * 9 + 1, header.size(), "metadata, embed, 4 layers of 9 tensors, norm: " + header.keySet());
        assertShape(header, "model.embed_tokens.weight", TestTokenizer.VOCAB, 256);
        assertShape(header, "model.layers.3.self_attn.k_proj.weight", 256, 256);
        assertShape(header, "model.layers.0.mlp.gate_proj.weight", 704, 256);
        assertShape(header, "model.layers.0.mlp.down_proj.weight", 256, 704);
        assertFalse(header.has("lm_head.weight"), "tied");

        EvalCommandTest.Outcome again = EvalCommandTest.lmforge("export", "--checkpoint", dense.toString(), "--out", out.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("is not empty"), again.err());
    }

    @Test
    void theLlamaForwardInPlainTorchGivesLmforgesLogits() throws Exception {
        Path out = export(dense, "dense-logits");
        assertLogitsMatch(dense, out);
    }

    @Test
    void aMoeModelBecomesADeepSeekMoeDirectoryWithTheSameLogits() throws Exception {
        Path out = export(moe, "moe-hf");
        JsonObject config = json(out.resolve("config.json"));
        assertEquals("deepseek", config.get("model_type").getAsString());
        assertEquals(4, config.get("n_routed_experts").getAsInt());
        assertEquals(1, config.get("first_k_dense_replace").getAsInt());
        JsonObject header = safetensorsHeader(out.resolve("model.safetensors"));
        assertShape(header, "model.layers.0.mlp.gate_proj.weight", 64, 32);
        assertShape(header, "model.layers.1.mlp.gate.weight", 4, 32);
        assertShape(header, "model.layers.2.mlp.experts.3.up_proj.weight", 16, 32);
        assertShape(header, "model.layers.1.mlp.shared_experts.down_proj.weight", 32, 16);
        assertLogitsMatch(moe, out);
    }

    @Test
    void anExportedDirectoryImportsToTheSameWeightsAndStartsARun() throws IOException {
        Path out = export(moe, "moe-roundtrip");
        try (CheckpointModel m = CheckpointModel.load(moe); ai.djl.ndarray.NDManager scratch = m.manager().newSubManager()) {
            ai.djl.ndarray.NDList imported = io.lmforge.model.export.HuggingFaceImport.read(out, scratch);
            java.util.Map<String, ai.djl.nn.Parameter> params = m.model().namedParameters();
            assertEquals(params.size(), imported.size(), "one tensor per parameter");
            for (NDArray a : imported) {
                assertArrayEquals(params.get(a.getName()).getArray().toFloatArray(), a.toFloatArray(), a.getName());
            }
        }
        // train --init-from: a new run starts from the exported weights; a model of another shape is refused.
        Path shards = dir.resolve("corpus/shards");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Path run = dir.resolve("from-export");
        new Trainer(TrainerTest.config("""
                model { preset = tiny, hidden-size = 32, layers = 3, heads = 2, intermediate-size = 64, max-positions = 64
                        moe { routed-experts = 4, top-k = 2, shared-experts = 1, expert-intermediate-size = 16 } }
                train { max-steps = 1, micro-batch = 2, threads = 1 }
                eval { every = 1, max-sequences = 2 }
                checkpoint { every = 1 }
                metrics { prometheus-port = -1 }
                """), ShardManifest.load(shards.toString(), new Configuration()), run, GradientSync.singleProcess(),
                new Trainer.Options(0, true, new PrintStream(console), 0, out.toString())).run();
        assertTrue(console.toString().contains("initialized from " + out), console.toString());

        EvalCommandTest.Outcome wrong = EvalCommandTest.lmforge("train", "--config", writeConfig("""
                model { preset = tiny, hidden-size = 64, layers = 3, heads = 2, intermediate-size = 64, max-positions = 64
                        moe { routed-experts = 4, top-k = 2, shared-experts = 1, expert-intermediate-size = 16 } }
                train { max-steps = 1, micro-batch = 2, threads = 1 }
                metrics { prometheus-port = -1 }
                """).toString(), "--data", shards.toString(), "--out", dir.resolve("wrong").toString(), "--init-from", out.toString());
        assertEquals(2, wrong.code(), wrong.err());
        assertTrue(wrong.err().contains("--init-from " + out + " does not fit the config's model")
                && wrong.err().contains("embed.weight"), wrong.err());
    }

    private static Path writeConfig(String hocon) throws IOException {
        Path f = dir.resolve("init-from.conf");
        Files.writeString(f, hocon);
        return f;
    }

    static void assertLogitsMatch(Path run, Path exported) throws Exception {
        String python = pythonWithTorch();
        Assumptions.assumeTrue(python != null, "skipped: no python3 with torch (\"python3 -c 'import torch'\" fails; "
                + "on Debian: apt-get install -y python3-torch)");
        byte[] bytes = PROMPT.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length + 1];
        List<String> text = new ArrayList<>();
        text.add("0");
        for (int i = 0; i < bytes.length; i++) {
            ids[i + 1] = 4 + (bytes[i] & 0xFF);
            text.add(String.valueOf(ids[i + 1]));
        }
        float[] expected;
        long vocab;
        try (CheckpointModel m = CheckpointModel.load(run)) {
            NDArray logits = m.model().forward(new ParameterStore(m.manager(), false),
                    m.manager().create(new int[][]{ids}), null, false).get(0);
            expected = logits.toFloatArray();
            vocab = logits.getShape().get(2);
        }
        Process p = new ProcessBuilder(python, TestData.repoRoot().resolve("scripts/verify/hf_logits.py").toString(),
                exported.toString(), String.join(",", text)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), stdout);
        JsonObject r = JsonParser.parseString(stdout).getAsJsonObject();
        assertEquals(ids.length, r.getAsJsonArray("shape").get(0).getAsInt());
        assertEquals(vocab, r.getAsJsonArray("shape").get(1).getAsLong());
        JsonArray rows = r.getAsJsonArray("logits");
        double maxDiff = 0;
        double maxAbs = 0;
        for (int t = 0; t < ids.length; t++) {
            JsonArray row = rows.get(t).getAsJsonArray();
            for (int v = 0; v < vocab; v++) {
                double e = expected[(int) (t * vocab + v)];
                maxDiff = Math.max(maxDiff, Math.abs(row.get(v).getAsDouble() - e));
                maxAbs = Math.max(maxAbs, Math.abs(e));
            }
        }
        System.out.printf("%s: max |hf - lmforge| = %.3g, max |logit| = %.3g, relative %.3g%n", exported.getFileName(),
                maxDiff, maxAbs, maxDiff / maxAbs);
        assertTrue(maxAbs > 0);
        assertTrue(maxDiff <= 1e-4 * maxAbs, "max |hf - lmforge| = " + maxDiff + " over max |logit| " + maxAbs);
    }

    /** python3, or Debian's /usr/bin/python3 (where python3-torch installs) when python3 is another one. */
    static String pythonWithTorch() {
        for (String python : List.of("python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return python;
                }
            } catch (IOException | InterruptedException e) {
                // not this one
            }
        }
        return null;
    }

    private static JsonObject json(Path f) throws IOException {
        return JsonParser.parseString(Files.readString(f)).getAsJsonObject();
    }

    static JsonObject safetensorsHeader(Path f) throws IOException {
        byte[] all = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded to 8");
        JsonObject header = JsonParser.parseString(new String(all, 8, (int) n, StandardCharsets.UTF_8)).getAsJsonObject();
        long end = 0;
        for (String k : header.keySet()) {
            if (!k.equals("__metadata__")) {
                end = Math.max(end, header.getAsJsonObject(k).getAsJsonArray("data_offsets").get(1).getAsLong());
            }
        }
        assertEquals(all.length, 8 + n + end, "data ends at the file's end");
        return header;
    }

    private static void assertShape(JsonObject header, String name, long... shape) {
        assertTrue(header.has(name), name + " in " + header.keySet());
        JsonArray s = header.getAsJsonObject(name).getAsJsonArray("shape");
        long[] actual = new long[s.size()];
        for (int i = 0; i < actual.length; i++) {
            actual[i] = s.get(i).getAsLong();
        }
        assertArrayEquals(shape, actual, name);
        assertEquals("F32", header.getAsJsonObject(name).get("dtype").getAsString());
    }
}
