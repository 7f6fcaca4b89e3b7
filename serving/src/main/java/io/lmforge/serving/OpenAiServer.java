package io.lmforge.serving;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lmforge.model.checkpoint.CheckpointModel;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The HTTP server: OpenAI's {@code POST /v1/completions}, {@code POST /v1/chat/completions}
 * (plain JSON or server-sent events) and {@code GET /v1/models}, plus {@code /health},
 * {@code /ready} and {@code /metrics}. Built on the JDK's {@code com.sun.net.httpserver}
 * (see docs/dependencies.md); each request is handled on its own thread, which waits for the
 * {@link Engine}'s events and writes them out. The server listens before the model is loaded, so
 * liveness probes pass while {@code /ready} says 503 until {@link #attach} is called.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OpenAiServer.class.getName());
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    private static final List<String> ENDPOINTS = List.of("/v1/completions", "/v1/chat/completions", "/v1/models",
            "/health", "/ready", "/metrics");

    private final ServeOptions options;
    private final ServingMetrics metrics = new ServingMetrics();
    private final HttpServer server;
    private final ExecutorService executor;
    private final Semaphore connections;
    private final MetricsHandler metricsHandler;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final long created = System.currentTimeMillis() / 1000;
    private volatile Engine engine;
    private volatile boolean draining;

    /** Binds and starts listening; generation answers 503 until {@link #attach}. */
    public OpenAiServer(ServeOptions options) throws IOException {
        this.options = options;
        this.connections = new Semaphore(options.maxConnections());
        this.metricsHandler = new MetricsHandler(metrics.registry());
        this.server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lmforge-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts the server and serves {@code model} at once. */
    public static OpenAiServer start(CheckpointModel model, ServeOptions options) throws IOException {
        OpenAiServer s = new OpenAiServer(options);
        s.attach(model);
        return s;
    }

    /** Serves the model from now on (ready). */
    public void attach(CheckpointModel model) {
        Map<String, Integer> special = model.specialTokens();
        engine = new Engine(model.model(), model.manager(), model.tokenizer(), special.getOrDefault("bos", 0),
                special.getOrDefault("eos", 1), special.getOrDefault("pad", 2), options.maxBatch(), options.maxQueue(),
                options.lanes(), metrics);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public ServingMetrics metrics() {
        return metrics;
    }

    /** Shutting down: no new generation. */
    boolean draining() {
        return draining;
    }

    /** Null until a model is attached. */
    public Engine engine() {
        return engine;
    }

    /**
     * Graceful shutdown: not ready and no new generation (503), running and queued requests
     * finish (up to the drain timeout), then the listener closes.
     */
    public void stop() {
        draining = true;
        Engine e = engine;
        if (e != null) {
            e.shutdown(options.drainTimeout());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public void close() {
        stop();
    }

    private void handle(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        String endpoint = ENDPOINTS.contains(path) ? path : "other";
        int status = 500;
        if (!connections.tryAcquire()) {
            status = send(ex, error(503, "server_busy", null, "too many connections; retry later"), Map.of("Retry-After", "1"));
            count(endpoint, status);
            return;
        }
        inFlight.incrementAndGet();
        try {
            status = route(ex, path);
        } catch (ApiError e) {
            status = send(ex, e, Map.of());
        } catch (IOException e) {
            status = 499;       // the client went away
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "request " + path + " failed", e);
            status = send(ex, new ApiError(500, "server_error", null, "internal error: " + e), Map.of());
        } finally {
            inFlight.decrementAndGet();
            connections.release();
            ex.close();
        }
        count(endpoint, status);
    }

    private void count(String endpoint, int status) {
        metrics.requests.labelValues(endpoint, Integer.toString(status)).inc();
    }

    private int route(HttpExchange ex, String path) throws IOException {
        String method = ex.getRequestMethod();
        switch (path) {
            case "/health":
                requireMethod(ex, "GET");
                return json(ex, 200, Map.of("status", "ok"));
            case "/ready":
                requireMethod(ex, "GET");
                boolean ready = engine != null && !draining;
                return json(ex, ready ? 200 : 503, Map.of("status", ready ? "ready" : draining ? "draining" : "loading"));
            case "/metrics":
                requireMethod(ex, "GET");
                metricsHandler.handle(ex);
                return 200;
            case "/v1/models":
                authenticate(ex);
                requireMethod(ex, "GET");
                return models(ex);
            case "/v1/completions":
            case "/v1/chat/completions":
                authenticate(ex);
                requireMethod(ex, "POST");
                return generate(ex, path.equals("/v1/chat/completions"));
            default:
                throw new ApiError(404, "not_found", null, "no such endpoint: " + method + " " + path);
        }
    }

    private static void requireMethod(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equals(method)) {
            ex.getResponseHeaders().set("Allow", method);
            throw new ApiError(405, "invalid_request_error", null, ex.getRequestURI().getPath() + " takes " + method
                    + ", not " + ex.getRequestMethod());
        }
    }

    /** {@code Authorization: Bearer KEY}, compared in constant time; the key is never logged or echoed. */
    private void authenticate(HttpExchange ex) {
        if (!options.authenticated()) {
            return;
        }
        String why = ApiKey.reject(options.apiKey(), ex.getRequestHeaders().getFirst("Authorization"),
                "'Authorization: Bearer <key>'");
        if (why != null) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new ApiError(401, "invalid_api_key", null, why);
        }
    }

    private int models(HttpExchange ex) throws IOException {
        JsonObject model = new JsonObject();
        model.addProperty("id", options.modelName());
        model.addProperty("object", "model");
        model.addProperty("created", created);
        model.addProperty("owned_by", "lmforge");
        JsonArray data = new JsonArray();
        data.add(model);
        JsonObject out = new JsonObject();
        out.addProperty("object", "list");
        out.add("data", data);
        return json(ex, 200, out);
    }

    private int generate(HttpExchange ex, boolean chat) throws IOException {
        long arrived = System.nanoTime();
        GenerationRequest req = GenerationRequest.parse(body(ex), chat);
        Submission sub;
        try {
            sub = Submission.submit(engine, draining, options, req, arrived);
        } catch (ApiError e) {
            return send(ex, e, e.status() == 429 || e.status() == 503 ? Map.of("Retry-After", "1") : Map.of());
        }
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        String endpoint = chat ? "/v1/chat/completions" : "/v1/completions";
        try {
            int status = req.stream() ? stream(ex, sub, chat, id, created, req.includeUsage())
                    : collect(ex, sub, chat, id, created);
            metrics.latency.labelValues(endpoint).observe((System.nanoTime() - arrived) / 1e9);
            return status;
        } finally {
            sub.cancel();       // a no-op when it finished; frees its place when the client went away or time ran out
        }
    }

    private int collect(HttpExchange ex, Submission sub, boolean chat, String id, long created) throws IOException {
        StringBuilder text = new StringBuilder();
        while (true) {
            Object event = sub.next();
            if (event instanceof Submission.TimedOut) {
                sub.cancel();
                throw new ApiError(504, "timeout", null, "the request took longer than " + options.requestTimeout().toSeconds()
                        + " s (queueing included)");
            } else if (event instanceof Submission.Text t) {
                text.append(t.text());
            } else if (event instanceof Submission.Failed f) {
                throw new ApiError(503, "server_error", null, f.message());
            } else if (event instanceof Submission.Done d) {
                JsonObject choice = new JsonObject();
                choice.addProperty("index", 0);
                if (chat) {
                    JsonObject message = new JsonObject();
                    message.addProperty("role", "assistant");
                    message.addProperty("content", text.toString());
                    choice.add("message", message);
                } else {
                    choice.addProperty("text", text.toString());
                }
                choice.add("logprobs", JsonNull.INSTANCE);
                choice.addProperty("finish_reason", d.finishReason());
                JsonObject out = envelope(id, chat ? "chat.completion" : "text_completion", created, choice);
                out.add("usage", usage(sub.promptTokens, d.completionTokens()));
                return json(ex, 200, out);
            }
        }
    }

    private int stream(HttpExchange ex, Submission sub, boolean chat, String id, long created, boolean includeUsage)
            throws IOException {
        String object = chat ? "chat.completion.chunk" : "text_completion";
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", "text/event-stream; charset=utf-8");
        h.set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            if (chat) {
                JsonObject delta = new JsonObject();
                delta.addProperty("role", "assistant");
                delta.addProperty("content", "");
                event(out, envelope(id, object, created, chunkChoice(true, delta, null)));
            }
            while (true) {
                Object event = sub.next();
                boolean timedOut = event instanceof Submission.TimedOut;
                if (timedOut || event instanceof Submission.Failed) {
                    sub.cancel();
                    String message = timedOut ? "the request took longer than " + options.requestTimeout().toSeconds()
                            + " s" : ((Submission.Failed) event).message();
                    JsonObject err = new JsonObject();
                    err.add("error", errorBody(new ApiError(timedOut ? 504 : 503, timedOut ? "timeout" : "server_error",
                            null, message)));
                    event(out, err);
                    done(out);
                    return 200;
                } else if (event instanceof Submission.Text t) {
                    event(out, envelope(id, object, created, chat ? chunkChoice(true, content(t.text()), null)
                            : chunkChoice(false, t.text(), null)));
                } else if (event instanceof Submission.Done d) {
                    event(out, envelope(id, object, created, chat ? chunkChoice(true, new JsonObject(), d.finishReason())
                            : chunkChoice(false, "", d.finishReason())));
                    if (includeUsage) {
                        JsonObject u = new JsonObject();
                        u.addProperty("id", id);
                        u.addProperty("object", object);
                        u.addProperty("created", created);
                        u.addProperty("model", options.modelName());
                        u.add("choices", new JsonArray());
                        u.add("usage", usage(sub.promptTokens, d.completionTokens()));
                        event(out, u);
                    }
                    done(out);
                    return 200;
                }
            }
        } catch (IOException e) {
            sub.cancel();
            metrics.disconnects.inc();
            throw e;
        }
    }

    private static JsonObject content(String text) {
        JsonObject delta = new JsonObject();
        delta.addProperty("content", text);
        return delta;
    }

    private static JsonObject chunkChoice(boolean chat, Object payload, String finishReason) {
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        if (chat) {
            choice.add("delta", (JsonObject) payload);
        } else {
            choice.addProperty("text", (String) payload);
        }
        choice.add("logprobs", JsonNull.INSTANCE);
        choice.addProperty("finish_reason", finishReason);
        return choice;
    }

    private JsonObject envelope(String id, String object, long created, JsonObject choice) {
        JsonObject out = new JsonObject();
        out.addProperty("id", id);
        out.addProperty("object", object);
        out.addProperty("created", created);
        out.addProperty("model", options.modelName());
        JsonArray choices = new JsonArray();
        choices.add(choice);
        out.add("choices", choices);
        return out;
    }

    private static JsonObject usage(int prompt, int completion) {
        JsonObject u = new JsonObject();
        u.addProperty("prompt_tokens", prompt);
        u.addProperty("completion_tokens", completion);
        u.addProperty("total_tokens", prompt + completion);
        return u;
    }

    private static void event(OutputStream out, JsonObject json) throws IOException {
        out.write(("data: " + GSON.toJson(json) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void done(OutputStream out) throws IOException {
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The body as UTF-8, at most maxBodyBytes (else 413, read no further). */
    private String body(HttpExchange ex) throws IOException {
        long limit = options.maxBodyBytes();
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > limit) {
                    throw tooLarge(limit);
                }
            } catch (NumberFormatException e) {
                throw ApiError.invalid(null, "bad Content-Length");
            }
        }
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        }
        if (bytes.length > limit) {
            throw tooLarge(limit);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.invalid(null, "the body is not UTF-8");
        }
    }

    private static ApiError tooLarge(long limit) {
        return new ApiError(413, "invalid_request_error", null, "the request body is larger than " + limit + " bytes");
    }

    private static ApiError error(int status, String type, String param, String message) {
        return new ApiError(status, type, param, message);
    }

    private static JsonObject errorBody(ApiError e) {
        JsonObject err = new JsonObject();
        err.addProperty("message", e.getMessage());
        err.addProperty("type", e.type());
        err.addProperty("param", e.param());
        err.addProperty("code", e.status() == 400 && e.getMessage().contains("maximum context length")
                ? "context_length_exceeded" : e.type());
        return err;
    }

    private static int send(HttpExchange ex, ApiError e, Map<String, String> headers) {
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        JsonObject out = new JsonObject();
        out.add("error", errorBody(e));
        try {
            return json(ex, e.status(), out);
        } catch (IOException io) {
            return 499;
        }
    }

    private static int json(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
        return status;
    }
}
