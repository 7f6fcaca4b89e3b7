package io.lmforge.serving;

import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.generate.Sampling;
import io.lmforge.model.generate.TextGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two scheduler lanes over one model: the same completions as one lane, every lane used, gauges summed. */
class EngineLanesTest {
    @TempDir
    static Path dir;
    static CheckpointModel model;
    static HttpClient client;

    @BeforeAll
    static void load() throws IOException {
        model = TestServer.checkpoint(dir);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void concurrentRequestsOnTwoLanesGetWhatTheLibraryGeneratesAndBothLanesWork() throws Exception {
        try (OpenAiServer server = OpenAiServer.start(model, TestServer.options().withBatch(4, 16).withLanes(2))) {
            assertEquals(2, server.engine().lanes());
            List<String> prompts = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String prompt = "prompt number " + i + " " + "x".repeat(i);
                prompts.add(prompt);
                replies.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                                + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"" + prompt
                                + "\", \"max_tokens\": " + (20 + 3 * i) + ", \"temperature\": 0}")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < prompts.size(); i++) {
                HttpResponse<String> r = replies.get(i).join();
                assertEquals(200, r.statusCode(), r.body());
                TextGenerator.Completion expected = model.textGenerator().generate(List.of(prompts.get(i)), 20 + 3 * i,
                        Sampling.GREEDY, 0, List.of(), null).completions().get(0);
                String text = new TestServer.Reply(200, r.body(), r).json().getAsJsonArray("choices").get(0)
                        .getAsJsonObject().get("text").getAsString();
                assertEquals(expected.text(), text, "request " + i);
            }
            long[] rows = server.engine().rowsPerLane();
            assertEquals(2, rows.length);
            assertTrue(rows[0] > 0 && rows[1] > 0, "rows per lane: " + rows[0] + ", " + rows[1]);
            assertEquals(0, server.engine().running());
            assertEquals(0.0, server.metrics().runningBatch.get());
            Engine.Work work = server.engine().work();
            assertEquals(rows[0] + rows[1], work.rows());
        }
    }

    @Test
    void noMoreLanesThanRows() throws IOException {
        try (OpenAiServer server = OpenAiServer.start(model, TestServer.options().withBatch(1, 4).withLanes(2))) {
            assertEquals(1, server.engine().lanes());
            assertEquals(200, TestServer.post(client, server.port(), "/v1/completions",
                    "{\"prompt\": \"one\", \"max_tokens\": 3}").status());
        }
    }
}
