package io.lmforge.serving;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.lmforge.model.generate.Sampling;
import io.lmforge.serving.grpc.ChatMessage;
import io.lmforge.serving.grpc.GenerateChunk;
import io.lmforge.serving.grpc.GenerateRequest;
import io.lmforge.serving.grpc.GenerateResponse;
import io.lmforge.serving.grpc.GenerationGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gRPC service, unary and server-streaming, through a grpc-java client over a real port. */
class GrpcEndpointTest {
    @TempDir
    static Path dir;
    static CheckpointModel model;
    static OpenAiServer http;
    static GrpcEndpoint grpc;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws IOException {
        model = TestServer.checkpoint(dir);
        http = OpenAiServer.start(model, TestServer.options());
        grpc = GrpcEndpoint.start(http, TestServer.options(), "127.0.0.1", 0);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        grpc.close();
        http.stop();
        model.close();
    }

    @Test
    void unaryAndStreamingGiveTheLibrarysText() {
        GenerateRequest request = GenerateRequest.newBuilder().setPrompt("hello").setMaxTokens(10).setTemperature(0).build();
        GenerateResponse r = GenerationGrpc.newBlockingStub(channel).generate(request);
        String expected = model.textGenerator().generate(List.of("hello"), 10, Sampling.GREEDY, 0, List.of(), null)
                .completions().get(0).text();
        assertEquals(expected, r.getText());
        assertEquals(6, r.getUsage().getPromptTokens());
        StringBuilder streamed = new StringBuilder();
        Iterator<GenerateChunk> chunks = GenerationGrpc.newBlockingStub(channel).generateStream(request);
        GenerateChunk last = null;
        while (chunks.hasNext()) {
            last = chunks.next();
            streamed.append(last.getText());
        }
        assertEquals(expected, streamed.toString());
        assertEquals(r.getFinishReason(), last.getFinishReason());
        assertEquals(r.getUsage(), last.getUsage());

        GenerateResponse chat = GenerationGrpc.newBlockingStub(channel).generate(GenerateRequest.newBuilder()
                .addMessages(ChatMessage.newBuilder().setRole("user").setContent("hi")).setMaxTokens(4).build());
        assertEquals(1 + "hi\n\n".length(), chat.getUsage().getPromptTokens());
    }

    @Test
    void badInputIsInvalidArgument() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> GenerationGrpc.newBlockingStub(channel)
                .generate(GenerateRequest.newBuilder().setPrompt("x").setTopP(1.5).build()));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("top_p"));
        e = assertThrows(StatusRuntimeException.class, () -> GenerationGrpc.newBlockingStub(channel)
                .generate(GenerateRequest.newBuilder().setPrompt("x").setMaxTokens(100_000).build()));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertThrows(StatusRuntimeException.class, () -> GenerationGrpc.newBlockingStub(channel)
                .generate(GenerateRequest.newBuilder().setMaxTokens(3).build()));
    }

    @Test
    void withAnApiKeyEveryCallNeedsTheBearerMetadata() throws IOException {
        String key = "sk-test-4f9a";
        try (GrpcEndpoint guarded = GrpcEndpoint.start(http, TestServer.options().withApiKey(key), "127.0.0.1", 0)) {
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", guarded.port()).usePlaintext().build();
            try {
                GenerateRequest request = GenerateRequest.newBuilder().setPrompt("hello").setMaxTokens(3)
                        .setTemperature(0).build();
                StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
                        () -> GenerationGrpc.newBlockingStub(ch).generate(request));
                assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, missing.getStatus().getCode());
                assertTrue(missing.getStatus().getDescription().contains("authorization: Bearer"));

                StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class,
                        () -> GenerationGrpc.newBlockingStub(ch).withInterceptors(bearer("sk-test-4f9b")).generate(request));
                assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
                assertFalse(wrong.getStatus().getDescription().contains(key));
                StatusRuntimeException streamed = assertThrows(StatusRuntimeException.class,
                        () -> GenerationGrpc.newBlockingStub(ch).withInterceptors(bearer("sk-test-4f9b"))
                                .generateStream(request).hasNext());
                assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, streamed.getStatus().getCode());

                GenerateResponse r = GenerationGrpc.newBlockingStub(ch).withInterceptors(bearer(key)).generate(request);
                assertEquals(model.textGenerator().generate(List.of("hello"), 3, Sampling.GREEDY, 0, List.of(), null)
                        .completions().get(0).text(), r.getText());
                Iterator<GenerateChunk> chunks = GenerationGrpc.newBlockingStub(ch).withInterceptors(bearer(key))
                        .generateStream(request);
                StringBuilder text = new StringBuilder();
                chunks.forEachRemaining(c -> text.append(c.getText()));
                assertEquals(r.getText(), text.toString());
            } finally {
                ch.shutdownNow();
            }
        }
        // the unguarded endpoint of the same server still needs none
        assertEquals(2, GenerationGrpc.newBlockingStub(channel).generate(GenerateRequest.newBuilder().setPrompt("x")
                .setMaxTokens(2).setTemperature(0).build()).getUsage().getPromptTokens());
    }

    private static io.grpc.ClientInterceptor bearer(String key) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }
}
