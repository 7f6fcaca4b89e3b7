package io.lmforge.cli.quantize;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lmforge.cli.CheckpointArgs;
import io.lmforge.cli.LmForge;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.checkpoint.RandomCheckpoint;
import io.lmforge.model.quantize.Quantization;
import io.lmforge.serving.OpenAiServer;
import io.lmforge.serving.ServeOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lmforge quantize}, and {@code --quantize int8} of generate, eval and serve, end to end. */
class QuantizeCommandTest {
    /** 2 layers, hidden 32, MoE of 4 experts: seconds to load and decode. */
    static final ModelConfig CONFIG = new ModelConfig("mini", RandomCheckpoint.TOKENIZER_VOCAB, 32, 2, 2, 64, 128,
            10_000, 1e-5, 0.2, false, new ModelConfig.Moe(4, 2, 1, 16, 1, 0.01, true));

    @TempDir
    static Path dir;
    static Path fp32;
    static Path int8;

    record Outcome(int code, String out, String err) {
    }

    static Outcome lmforge(String... args) {
        CommandLine cli = LmForge.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Outcome(cli.execute(args), out.toString(), err.toString());
    }

    @BeforeAll
    static void quantize() throws IOException {
        fp32 = RandomCheckpoint.write(dir.resolve("fp32"), CONFIG, 7);
        int8 = dir.resolve("int8");
        Outcome o = lmforge("quantize", "--checkpoint", fp32.toString(), "--out", int8.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("quantized " + fp32), o.err());
    }

    @Test
    void theQuantizedCheckpointIsSelfContained() throws IOException {
        for (String f : new String[]{"model.safetensors", "config.json", "tokenizer.json", "state.json"}) {
            assertTrue(Files.exists(int8.resolve(f)), f);
        }
        assertEquals(Quantization.INT8, JsonParser.parseString(Files.readString(int8.resolve("config.json")))
                .getAsJsonObject().getAsJsonObject("quantization").get("method").getAsString());
        assertEquals(CheckpointFiles.sha256(fp32.resolve("tokenizer.json")), CheckpointFiles.sha256(int8.resolve("tokenizer.json")));
    }

    @Test
    void generateFromTheSavedCheckpointEqualsQuantizeOnLoad() {
        String[] common = {"--prompt", "The kernel", "--max-new-tokens", "12", "--temperature", "0"};
        Outcome saved = lmforge(concat(new String[]{"generate", "--checkpoint", int8.toString()}, common));
        Outcome onLoad = lmforge(concat(new String[]{"generate", "--checkpoint", fp32.toString(), "--quantize", "int8"}, common));
        assertEquals(0, saved.code(), saved.err());
        assertEquals(0, onLoad.code(), onLoad.err());
        assertEquals(onLoad.out(), saved.out());
        assertFalse(saved.out().isBlank(), "generated text expected");
    }

    @Test
    void evalScoresTheSavedAndTheOnLoadQuantizationAlike() throws IOException {
        Path text = dir.resolve("docs.jsonl");
        Files.writeString(text, "{\"text\": \"Debian is a free operating system, developed by volunteers.\"}\n"
                + "{\"text\": \"The kernel schedules processes and manages memory.\"}\n");
        Outcome saved = lmforge("eval", "--checkpoint", int8.toString(), "--text", text.toString(), "--json");
        Outcome onLoad = lmforge("eval", "--checkpoint", fp32.toString(), "--quantize", "int8", "--text", text.toString(), "--json");
        Outcome reference = lmforge("eval", "--checkpoint", fp32.toString(), "--text", text.toString(), "--json");
        assertEquals(0, saved.code(), saved.err());
        assertEquals(0, onLoad.code(), onLoad.err());
        double a = loss(saved);
        assertEquals(a, loss(onLoad), 0);
        double ref = loss(reference);
        assertTrue(a != ref && Math.abs(a - ref) < 0.05 * ref, "int8 loss " + a + " against float32 " + ref);
    }

    private static double loss(Outcome o) {
        JsonObject json = JsonParser.parseString(o.out()).getAsJsonObject();
        return json.get("loss").getAsDouble();
    }

    @Test
    void theServerAnswersFromTheQuantizedCheckpoint() throws Exception {
        try (CheckpointModel model = CheckpointArgs.load(int8, null);
             OpenAiServer server = OpenAiServer.start(model, ServeOptions.defaults("q").withPort(0))) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Hi\", \"max_tokens\": 5, \"temperature\": 0}"))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(5, JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("usage")
                    .get("completion_tokens").getAsInt(), r.body());
        }
        Outcome twice = lmforge("serve", "--checkpoint", int8.toString(), "--quantize", "int8", "--port", "0");
        assertEquals(2, twice.code(), twice.err());
        assertTrue(twice.err().contains(int8 + " is already quantized"), twice.err());
    }

    @Test
    void badInputIsOneClearLine() throws IOException {
        Outcome twice = lmforge("generate", "--checkpoint", int8.toString(), "--quantize", "int8");
        assertEquals(2, twice.code(), twice.err());
        assertTrue(twice.err().contains("already quantized"), twice.err());

        Outcome export = lmforge("export", "--checkpoint", int8.toString(), "--out", dir.resolve("hf").toString());
        assertEquals(2, export.code(), export.err());
        assertTrue(export.err().contains(int8 + " is quantized") && export.err().contains("quantized_from"), export.err());

        Outcome unknown = lmforge("generate", "--checkpoint", fp32.toString(), "--quantize", "int4");
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("int4"), unknown.err());

        Outcome notEmpty = lmforge("quantize", "--checkpoint", fp32.toString(), "--out", int8.toString());
        assertEquals(2, notEmpty.code(), notEmpty.err());
        assertTrue(notEmpty.err().contains(int8 + " is not empty"), notEmpty.err());

        Path damaged = dir.resolve("damaged");
        lmforge("quantize", "--checkpoint", fp32.toString(), "--out", damaged.toString());
        Path weights = damaged.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length - 100));
        Outcome truncated = lmforge("generate", "--checkpoint", damaged.toString());
        assertEquals(2, truncated.code(), truncated.err());
        assertTrue(truncated.err().contains(weights.toString()), truncated.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
