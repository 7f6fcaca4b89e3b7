package io.lmforge.serving;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.checkpoint.RandomCheckpoint;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

/** A real checkpoint (small, seeded random weights, byte-level tokenizer) and HTTP helpers. */
final class TestServer {
    /** 2 layers, hidden 32, MoE of 4 experts, context 512. */
    static final ModelConfig CONFIG = new ModelConfig("mini", RandomCheckpoint.TOKENIZER_VOCAB, 32, 2, 2, 64, 512,
            10_000, 1e-5, 0.2, false, new ModelConfig.Moe(4, 2, 1, 16, 1, 0.01, true));

    private TestServer() {
    }

    static CheckpointModel checkpoint(Path dir) throws IOException {
        return CheckpointModel.load(RandomCheckpoint.write(dir.resolve("ckpt"), CONFIG, 3));
    }

    static ServeOptions options() {
        return ServeOptions.defaults("lmforge-test").withPort(0).withBatch(4, 4)
                .withLimits(8192, java.time.Duration.ofSeconds(60), 64);
    }

    record Reply(int status, String body, HttpResponse<String> response) {
        JsonObject json() {
            return JsonParser.parseString(body).getAsJsonObject();
        }

        String errorMessage() {
            return json().getAsJsonObject("error").get("message").getAsString();
        }
    }

    static Reply post(HttpClient client, int port, String path, String body, String... headers) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(client, b.build());
    }

    static Reply get(HttpClient client, int port, String path, String... headers) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(client, b.build());
    }

    private static Reply send(HttpClient client, HttpRequest request) throws IOException {
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), r);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
