package io.lmforge.serving;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.lmforge.model.checkpoint.CheckpointModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The official OpenAI Java client against the server: plain and streaming chat completions. */
class OpenAiClientTest {
    @TempDir
    static Path dir;
    static CheckpointModel model;
    static OpenAiServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws IOException {
        model = TestServer.checkpoint(dir);
        server = OpenAiServer.start(model, TestServer.options().withApiKey("test-key"));
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey("test-key")
                .maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.stop();
        model.close();
    }

    private static ChatCompletionCreateParams params() {
        return ChatCompletionCreateParams.builder().model("lmforge-test").addSystemMessage("Answer briefly.")
                .addUserMessage("What is the Python Software Foundation?").maxCompletionTokens(24).temperature(0.7)
                .seed(11).build();
    }

    @Test
    void plainAndStreamingChatCompletionsAgree() {
        ChatCompletion plain = client.chat().completions().create(params());
        assertEquals("lmforge-test", plain.model());
        ChatCompletion.Choice choice = plain.choices().get(0);
        String text = choice.message().content().orElse("");
        String finish = choice.finishReason().asString();
        assertTrue(finish.equals("stop") || finish.equals("length"), finish);
        long completion = plain.usage().orElseThrow().completionTokens();
        assertTrue(completion > 0 && completion <= 24, "completion tokens " + completion);
        assertEquals(1 + "Answer briefly.\n\nWhat is the Python Software Foundation?\n\n".length(),
                plain.usage().orElseThrow().promptTokens());

        StringBuilder streamed = new StringBuilder();
        List<String> finishes = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> {
                c.delta().content().ifPresent(streamed::append);
                c.finishReason().ifPresent(f -> finishes.add(f.asString()));
            }));
        }
        assertEquals(text, streamed.toString());
        assertEquals(List.of(finish), finishes);
    }

    @Test
    void errorsReachTheClientAsOpenAiErrors() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                params().toBuilder().temperature(-1.0).build()));
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
        OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1")
                .apiKey("wrong").maxRetries(0).build();
        try {
            assertThrows(UnauthorizedException.class, () -> wrong.chat().completions().create(params()));
        } finally {
            wrong.close();
        }
    }
}
