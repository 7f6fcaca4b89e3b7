package io.lmforge.serving;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.lmforge.serving.grpc.ChatMessage;
import io.lmforge.serving.grpc.GenerateChunk;
import io.lmforge.serving.grpc.GenerateRequest;
import io.lmforge.serving.grpc.GenerateResponse;
import io.lmforge.serving.grpc.GenerationGrpc;
import io.lmforge.serving.grpc.Usage;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC {@code lmforge.serving.v1.Generation} service (src/main/proto/generation.proto) over the
 * HTTP server's {@link Engine}: the same validation, limits and batching as {@code /v1/completions}.
 * Errors map to INVALID_ARGUMENT (400), RESOURCE_EXHAUSTED (429), UNAVAILABLE (503),
 * DEADLINE_EXCEEDED (the request timeout); a cancelled call frees its place in the batch. When the
 * server has an API key, every call must carry the metadata {@code authorization: Bearer KEY}
 * (UNAUTHENTICATED otherwise), as HTTP's {@code Authorization} header.
 */
public final class GrpcEndpoint implements AutoCloseable {
    private final Server server;

    private GrpcEndpoint(Server server) {
        this.server = server;
    }

    /** Listens on host:port (0: a free port) and serves {@code http}'s engine. */
    public static GrpcEndpoint start(OpenAiServer http, ServeOptions options, String host, int port) throws IOException {
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .addService(ServerInterceptors.intercept(new Service(http, options), new Authentication(options))).build();
        return new GrpcEndpoint(s.start());
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }

    /** Refuses a call without the API key before it reaches the service (and the queue). */
    private static final class Authentication implements ServerInterceptor {
        private static final Metadata.Key<String> AUTHORIZATION =
                Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
        private final ServeOptions options;

        Authentication(ServeOptions options) {
            this.options = options;
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            if (options.authenticated()) {
                String why = ApiKey.reject(options.apiKey(), headers.get(AUTHORIZATION),
                        "the metadata 'authorization: Bearer <key>'");
                if (why != null) {
                    call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
            }
            return next.startCall(call, headers);
        }
    }

    private static final class Service extends GenerationGrpc.GenerationImplBase {
        private final OpenAiServer http;
        private final ServeOptions options;

        Service(OpenAiServer http, ServeOptions options) {
            this.http = http;
            this.options = options;
        }

        private Submission submit(GenerateRequest r) {
            boolean chat = r.getMessagesCount() > 0;
            if (chat == r.hasPrompt()) {
                throw ApiError.invalid("prompt", "give exactly one of prompt and messages");
            }
            String prompt;
            if (chat) {
                List<ChatTemplate.Message> messages = new ArrayList<>();
                for (ChatMessage m : r.getMessagesList()) {
                    if (!List.of("system", "user", "assistant").contains(m.getRole())) {
                        throw ApiError.invalid("messages.role", "role must be system, user or assistant");
                    }
                    messages.add(new ChatTemplate.Message(m.getRole(), m.getContent()));
                }
                prompt = ChatTemplate.render(messages);
            } else {
                prompt = r.getPrompt();
            }
            GenerationRequest req = new GenerationRequest(chat, prompt, r.hasMaxTokens() ? r.getMaxTokens() : null,
                    r.hasTemperature() ? r.getTemperature() : 1, r.hasTopP() ? r.getTopP() : 1,
                    r.hasRepetitionPenalty() ? r.getRepetitionPenalty() : 1, r.getStopList(),
                    r.hasSeed() ? r.getSeed() : null, !chat, false);
            return Submission.submit(http.engine(), http.draining(), options, req, System.nanoTime());
        }

        @Override
        public void generate(GenerateRequest request, StreamObserver<GenerateResponse> out) {
            Submission sub;
            try {
                sub = submit(request);
            } catch (ApiError e) {
                out.onError(status(e).asRuntimeException());
                return;
            }
            try {
                StringBuilder text = new StringBuilder();
                while (true) {
                    Object event = sub.next();
                    if (event instanceof Submission.Text t) {
                        text.append(t.text());
                    } else if (event instanceof Submission.Done d) {
                        out.onNext(GenerateResponse.newBuilder().setText(text.toString()).setFinishReason(d.finishReason())
                                .setUsage(usage(sub.promptTokens, d.completionTokens())).build());
                        out.onCompleted();
                        return;
                    } else {
                        out.onError(failure(event).asRuntimeException());
                        return;
                    }
                }
            } finally {
                sub.cancel();
            }
        }

        @Override
        public void generateStream(GenerateRequest request, StreamObserver<GenerateChunk> observer) {
            ServerCallStreamObserver<GenerateChunk> out = (ServerCallStreamObserver<GenerateChunk>) observer;
            Submission sub;
            try {
                sub = submit(request);
            } catch (ApiError e) {
                out.onError(status(e).asRuntimeException());
                return;
            }
            out.setOnCancelHandler(sub::cancel);
            try {
                while (!out.isCancelled()) {
                    Object event = sub.next();
                    if (event instanceof Submission.Text t) {
                        out.onNext(GenerateChunk.newBuilder().setText(t.text()).build());
                    } else if (event instanceof Submission.Done d) {
                        out.onNext(GenerateChunk.newBuilder().setFinishReason(d.finishReason())
                                .setUsage(usage(sub.promptTokens, d.completionTokens())).build());
                        out.onCompleted();
                        return;
                    } else {
                        out.onError(failure(event).asRuntimeException());
                        return;
                    }
                }
            } finally {
                sub.cancel();
            }
        }

        private Status failure(Object event) {
            return event instanceof Submission.TimedOut
                    ? Status.DEADLINE_EXCEEDED.withDescription("the request took longer than "
                    + options.requestTimeout().toSeconds() + " s")
                    : Status.UNAVAILABLE.withDescription(((Submission.Failed) event).message());
        }

        private static Status status(ApiError e) {
            Status s = switch (e.status()) {
                case 400 -> Status.INVALID_ARGUMENT;
                case 429 -> Status.RESOURCE_EXHAUSTED;
                case 503 -> Status.UNAVAILABLE;
                default -> Status.INTERNAL;
            };
            return s.withDescription(e.getMessage());
        }

        private static Usage usage(int prompt, int completion) {
            return Usage.newBuilder().setPromptTokens(prompt).setCompletionTokens(completion)
                    .setTotalTokens(prompt + completion).build();
        }
    }
}
