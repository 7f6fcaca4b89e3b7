package io.lmforge.serving;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.generate.Sampling;
import io.lmforge.model.generate.TextGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP API through the JDK's HttpClient, on a real (small, random-weight) checkpoint. */
class OpenAiServerTest {
    @TempDir
    static Path dir;
    static CheckpointModel model;
    static OpenAiServer server;
    static HttpClient client;
    static int port;

    @BeforeAll
    static void start() throws IOException {
        model = TestServer.checkpoint(dir);
        server = OpenAiServer.start(model, TestServer.options());
        port = server.port();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        server.stop();
        model.close();
    }

    private static TestServer.Reply completions(String body) throws IOException {
        return TestServer.post(client, port, "/v1/completions", body);
    }

    private static TestServer.Reply chat(String body) throws IOException {
        return TestServer.post(client, port, "/v1/chat/completions", body);
    }

    @Test
    void aGreedyCompletionIsWhatTheLibraryGenerates() throws IOException {
        Engine.Work before = server.engine().work();
        TestServer.Reply r = completions("{\"model\": \"lmforge-test\", \"prompt\": \"hello world\", \"max_tokens\": 12, "
                + "\"temperature\": 0}");
        assertEquals(200, r.status(), r.body());
        JsonObject json = r.json();
        assertEquals("text_completion", json.get("object").getAsString());
        assertEquals("lmforge-test", json.get("model").getAsString());
        JsonObject choice = json.getAsJsonArray("choices").get(0).getAsJsonObject();
        TextGenerator.Completion expected = model.textGenerator().generate(List.of("hello world"), 12, Sampling.GREEDY, 0,
                List.of(), null).completions().get(0);
        assertEquals(expected.text(), choice.get("text").getAsString());
        JsonObject usage = json.getAsJsonObject("usage");
        assertEquals(12, usage.get("prompt_tokens").getAsInt());         // <bos> + 11 bytes
        assertEquals(expected.tokens().length, usage.get("completion_tokens").getAsInt());
        assertEquals(12 + expected.tokens().length, usage.get("total_tokens").getAsInt());
        // The scheduler's own account (what bench serve reads): this request's tokens, one row a step.
        Engine.Work work = server.engine().work().minus(before);
        assertEquals(expected.tokens().length, work.tokens());
        assertTrue(work.steps() >= 1, "steps: " + work.steps());
        assertEquals(work.steps(), work.rows(), "one request alone is one row a step");
        assertTrue(work.cpuNanos() > 0, "scheduler CPU: " + work.cpuNanos());
        assertEquals(expected.finish() == io.lmforge.model.generate.Generator.Finish.LENGTH ? "length" : "stop",
                choice.get("finish_reason").getAsString());
    }

    @Test
    void aStreamedChatIsTheSameTextAsThePlainOneWithTheSameSeed() throws IOException, InterruptedException {
        String request = "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", "
                + "\"content\": \"What is Python?\"}], \"max_tokens\": 20, \"temperature\": 0.8, \"top_p\": 0.9, "
                + "\"seed\": 42, \"repetition_penalty\": 1.2%s}";
        TestServer.Reply plain = chat(String.format(request, ""));
        assertEquals(200, plain.status(), plain.body());
        JsonObject json = plain.json();
        assertEquals("chat.completion", json.get("object").getAsString());
        JsonObject message = json.getAsJsonArray("choices").get(0).getAsJsonObject().getAsJsonObject("message");
        assertEquals("assistant", message.get("role").getAsString());
        // The template: system, user, each followed by a blank line.
        assertEquals(1 + "Be brief.\n\nWhat is Python?\n\n".length(), json.getAsJsonObject("usage").get("prompt_tokens").getAsInt());

        HttpResponse<java.util.stream.Stream<String>> stream = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(String.format(request,
                        ", \"stream\": true, \"stream_options\": {\"include_usage\": true}"))).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, stream.statusCode());
        assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> data = stream.body().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertEquals("[DONE]", data.get(data.size() - 1));
        StringBuilder text = new StringBuilder();
        String finish = null;
        JsonObject usage = null;
        for (String d : data.subList(0, data.size() - 1)) {
            JsonObject chunk = JsonParser.parseString(d).getAsJsonObject();
            assertEquals("chat.completion.chunk", chunk.get("object").getAsString());
            if (chunk.getAsJsonArray("choices").isEmpty()) {
                usage = chunk.getAsJsonObject("usage");
                continue;
            }
            JsonObject c = chunk.getAsJsonArray("choices").get(0).getAsJsonObject();
            JsonObject delta = c.getAsJsonObject("delta");
            if (delta.has("content")) {
                text.append(delta.get("content").getAsString());
            }
            if (!c.get("finish_reason").isJsonNull()) {
                finish = c.get("finish_reason").getAsString();
            }
        }
        assertEquals(message.get("content").getAsString(), text.toString());
        assertEquals(json.getAsJsonArray("choices").get(0).getAsJsonObject().get("finish_reason").getAsString(), finish);
        assertEquals(json.getAsJsonObject("usage"), usage);
    }

    @Test
    void aStopStringEndsTheCompletionBeforeIt() throws IOException {
        TestServer.Reply free = completions("{\"prompt\": \"abc\", \"max_tokens\": 30, \"temperature\": 0}");
        String text = free.json().getAsJsonArray("choices").get(0).getAsJsonObject().get("text").getAsString();
        if (text.length() < 4) {
            return;     // nothing to cut
        }
        String stop = text.substring(2, 4);
        TestServer.Reply cut = completions("{\"prompt\": \"abc\", \"max_tokens\": 30, \"temperature\": 0, \"stop\": ["
                + new com.google.gson.Gson().toJson(stop) + "]}");
        JsonObject choice = cut.json().getAsJsonArray("choices").get(0).getAsJsonObject();
        assertEquals(text.substring(0, text.indexOf(stop)), choice.get("text").getAsString());
        assertEquals("stop", choice.get("finish_reason").getAsString());
    }

    @Test
    void modelsHealthReadyAndMetrics() throws IOException {
        TestServer.Reply models = TestServer.get(client, port, "/v1/models");
        assertEquals(200, models.status());
        assertEquals("lmforge-test", models.json().getAsJsonArray("data").get(0).getAsJsonObject().get("id").getAsString());
        assertEquals(200, TestServer.get(client, port, "/health").status());
        assertEquals(200, TestServer.get(client, port, "/ready").status());
        completions("{\"prompt\": \"x\", \"max_tokens\": 2}");
        TestServer.Reply metrics = TestServer.get(client, port, "/metrics");
        assertEquals(200, metrics.status());
        for (String name : List.of("lmforge_serving_requests_total{endpoint=\"/v1/completions\",status=\"200\"}",
                "lmforge_serving_queue_depth", "lmforge_serving_running_batch_size",
                "lmforge_serving_time_to_first_token_seconds_bucket", "lmforge_serving_request_duration_seconds_bucket",
                "lmforge_serving_generated_tokens_total")) {
            assertTrue(metrics.body().contains(name), name + " in\n" + metrics.body());
        }
        assertEquals(404, TestServer.get(client, port, "/v2/nothing").status());
        assertEquals(405, TestServer.get(client, port, "/v1/completions").status());
    }

    @Test
    void badInputIsA400NamingTheProblemAndTheServerCarriesOn() throws IOException {
        String longPrompt = "x".repeat(600);        // 601 tokens > the context of 512
        Object[][] cases = {
                {"/v1/chat/completions", "{\"messages\": [", "malformed JSON"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]} trailing", "malformed JSON"},
                {"/v1/chat/completions", "[1, 2]", "must be a JSON object"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"frobnicate\": 1}",
                        "unknown field 'frobnicate'"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": \"ten\"}",
                        "max_tokens must be an integer, got a string"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": true}",
                        "temperature must be a number, got a boolean"},
                {"/v1/chat/completions", "{\"messages\": \"hi\"}", "messages must be a non-empty array"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}", ".role must be"},
                {"/v1/chat/completions", "{\"max_tokens\": 5}", "'messages' is required"},
                {"/v1/completions", "{\"max_tokens\": 5}", "'prompt' is required"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": -3}", "max_tokens must be in [1, "},
                {"/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 0}", "max_tokens must be in [1, "},
                {"/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 1000000}", "maximum context length is 512"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 99999999999999}", "max_tokens must be in [1, "},
                {"/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 2.5}", "max_tokens must be an integer"},
                {"/v1/completions", "{\"prompt\": \"" + longPrompt + "\"}", "maximum context length is 512"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"temperature\": -0.1}", "temperature must be in [0, 2]"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"top_p\": 0}", "top_p must be in (0, 1]"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"top_p\": 1.5}", "top_p must be in (0, 1]"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"repetition_penalty\": 0}", "repetition_penalty must be in"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"stop\": [1]}", "stop must be a string or an array"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"n\": 2}", "only n = 1"},
                {"/v1/completions", "{\"prompt\": [\"a\", \"b\"]}", "array of one string"},
                {"/v1/completions", "{\"prompt\": \"hi\", \"stream\": \"yes\"}", "stream must be a boolean"},
        };
        for (Object[] c : cases) {
            TestServer.Reply r = TestServer.post(client, port, (String) c[0], (String) c[1]);
            assertEquals(400, r.status(), c[1] + " -> " + r.body());
            JsonObject error = r.json().getAsJsonObject("error");
            assertEquals("invalid_request_error", error.get("type").getAsString());
            assertTrue(error.get("message").getAsString().contains((String) c[2]), c[1] + " -> " + r.body());
        }
        TestServer.Reply ctx = completions("{\"prompt\": \"" + longPrompt + "\"}");
        assertEquals("context_length_exceeded", ctx.json().getAsJsonObject("error").get("code").getAsString());
        // Over the body limit (8 KiB here): 413 before the body is read.
        TestServer.Reply big = completions("{\"prompt\": \"" + "y".repeat(10_000) + "\"}");
        assertEquals(413, big.status(), big.body());
        assertTrue(big.errorMessage().contains("larger than 8192 bytes"));
        assertEquals(200, completions("{\"prompt\": \"still here\", \"max_tokens\": 3}").status());
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsSlot() throws Exception {
        double before = server.metrics().disconnects.get();
        String body = "{\"prompt\": \"go\", \"max_tokens\": 500, \"temperature\": 0, \"stream\": true}";
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(in.readLine().contains("200"));
            String line;
            while ((line = in.readLine()) != null && !line.contains("data: ")) {
                // headers and chunk sizes
            }
            assertTrue(line != null && line.contains("data: "));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline && (server.engine().running() > 0 || server.metrics().disconnects.get() == before)) {
            Thread.sleep(20);
        }
        assertEquals(0, server.engine().running());
        assertEquals(before + 1, server.metrics().disconnects.get());
        assertEquals(200, completions("{\"prompt\": \"next\", \"max_tokens\": 3}").status());
    }

    @Test
    void aFullQueueIs429WithRetryAfter() throws Exception {
        // Batch 4 and queue 4: of 16 long requests at once, the first and the 4 queued behind it (at least) are
        // taken, and those that find the queue full are refused.
        List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            replies.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"p" + i + "\", \"max_tokens\": 400, "
                            + "\"temperature\": 0}")).build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> done = replies.stream().map(CompletableFuture::join).toList();
        List<Integer> statuses = done.stream().map(HttpResponse::statusCode).collect(Collectors.toList());
        assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 429), statuses.toString());
        assertTrue(statuses.contains(429), statuses.toString());
        assertTrue(statuses.stream().filter(s -> s == 200).count() >= 5, statuses.toString());
        HttpResponse<String> refused = done.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        assertTrue(refused.body().contains("queue is full"));
    }

    @Test
    void anApiKeyIsRequiredWhenSet() throws IOException {
        try (OpenAiServer secured = OpenAiServer.start(model, TestServer.options().withApiKey("s3cret"))) {
            int p = secured.port();
            String body = "{\"prompt\": \"hi\", \"max_tokens\": 2}";
            TestServer.Reply none = TestServer.post(client, p, "/v1/completions", body);
            assertEquals(401, none.status());
            assertFalse(none.body().contains("s3cret"));
            TestServer.Reply wrong = TestServer.post(client, p, "/v1/completions", body, "Authorization", "Bearer nope");
            assertEquals(401, wrong.status());
            assertFalse(wrong.body().contains("s3cret") || wrong.body().contains("nope"));
            assertEquals(401, TestServer.get(client, p, "/v1/models").status());
            assertEquals(200, TestServer.post(client, p, "/v1/completions", body, "Authorization", "Bearer s3cret").status());
            assertEquals(200, TestServer.get(client, p, "/health").status());
            assertFalse(secured.toString().contains("s3cret"));
            assertFalse(TestServer.options().withApiKey("s3cret").toString().contains("s3cret"));
        }
    }

    @Test
    void shutdownFinishesRunningRequestsAndRefusesNewOnes() throws Exception {
        OpenAiServer s = OpenAiServer.start(model, TestServer.options());
        int p = s.port();
        CompletableFuture<HttpResponse<String>> running = client.sendAsync(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + p + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"long\", \"max_tokens\": 300, \"temperature\": 0}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (s.engine().running() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread stopper = new Thread(s::stop);
        stopper.start();
        Thread.sleep(50);
        TestServer.Reply ready = TestServer.get(client, p, "/ready");
        assertEquals(503, ready.status());
        assertEquals(503, TestServer.post(client, p, "/v1/completions", "{\"prompt\": \"late\"}").status());
        HttpResponse<String> r = running.join();
        assertEquals(200, r.statusCode(), r.body());
        JsonObject json = JsonParser.parseString(r.body()).getAsJsonObject();
        int tokens = json.getAsJsonObject("usage").get("completion_tokens").getAsInt();
        String finish = json.getAsJsonArray("choices").get(0).getAsJsonObject().get("finish_reason").getAsString();
        assertTrue(finish.equals("length") ? tokens == 300 : tokens < 300, finish + " " + tokens);
        stopper.join();
    }
}
