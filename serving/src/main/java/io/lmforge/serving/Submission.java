package io.lmforge.serving;

import io.lmforge.model.generate.ContextFit;
import io.lmforge.model.generate.Sampling;

import java.security.SecureRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One generation request checked against the model (prompt and max tokens within the context),
 * queued in the {@link Engine}, and the events it produces, read by the thread that answers the
 * client (HTTP or gRPC). Call {@link #cancel()} when done: it frees the request's place if the
 * client went away or time ran out, and does nothing after a normal end.
 */
final class Submission {
    private static final SecureRandom SEEDS = new SecureRandom();

    /** Events, in order: text pieces, then one Done or Failed. */
    record Text(String text) {
    }

    record Done(String finishReason, int completionTokens) {
    }

    record Failed(String message) {
    }

    /** Poll timed out. */
    record TimedOut() {
    }

    final Engine.Job job;
    final int promptTokens;
    final long arrived;
    final long deadline;
    private final BlockingQueue<Object> events;

    private Submission(Engine.Job job, BlockingQueue<Object> events, int promptTokens, long arrived, long deadline) {
        this.job = job;
        this.events = events;
        this.promptTokens = promptTokens;
        this.arrived = arrived;
        this.deadline = deadline;
    }

    /**
     * @throws ApiError 400 when it does not fit the context, 429 when the queue is full, 503 when
     *                  the model is not loaded or the server is shutting down
     */
    static Submission submit(Engine engine, boolean draining, ServeOptions options, GenerationRequest req, long arrived) {
        if (engine == null || draining) {
            throw new ApiError(503, "server_unavailable", null, engine == null ? "the model is still loading"
                    : "the server is shutting down");
        }
        int[] prompt = engine.promptTokens(req.prompt());
        int context = engine.context();
        String promptParam = req.chat() ? "messages" : "prompt";
        if (ContextFit.of(prompt.length, 0, context) == ContextFit.PROMPT_TOO_LONG) {
            throw new ApiError(400, "invalid_request_error", promptParam, "This model's maximum context length is "
                    + context + " tokens, but the " + promptParam + " has " + prompt.length + " tokens (<bos> included)");
        }
        int maxTokens = req.maxTokens() != null ? req.maxTokens()
                : Math.min(options.defaultMaxTokens(), context - prompt.length);
        if (ContextFit.of(prompt.length, maxTokens, context) != ContextFit.FITS) {
            throw new ApiError(400, "invalid_request_error", "max_tokens", "This model's maximum context length is "
                    + context + " tokens, but " + ((long) prompt.length + maxTokens) + " were requested (" + prompt.length
                    + " in the " + promptParam + ", " + maxTokens + " for the completion); lower max_tokens");
        }
        Sampling sampling = new Sampling(req.temperature(), 0, req.topP(), req.repetitionPenalty());
        long seed = req.seed() != null ? req.seed() : SEEDS.nextLong();
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        Engine.Job job = new Engine.Job(prompt, maxTokens, sampling, seed, req.stop(), new Engine.Sink() {
            @Override
            public void onText(String text) {
                events.add(new Text(text));
            }

            @Override
            public void onDone(String finishReason, int completionTokens) {
                events.add(new Done(finishReason, completionTokens));
            }

            @Override
            public void onError(String message) {
                events.add(new Failed(message));
            }
        }, arrived);
        try {
            engine.submit(job);
        } catch (Engine.Rejected r) {
            throw r.shuttingDown ? new ApiError(503, "server_unavailable", null, r.getMessage())
                    : new ApiError(429, "rate_limit_exceeded", null, "the request queue is full (" + options.maxQueue()
                    + " waiting, " + options.maxBatch() + " running); retry later");
        }
        return new Submission(job, events, prompt.length, arrived, arrived + options.requestTimeout().toNanos());
    }

    /** The next event, or TimedOut at the deadline. */
    Object next() {
        try {
            long left = deadline - System.nanoTime();
            Object e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            return e == null ? new TimedOut() : e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Failed("interrupted");
        }
    }

    void cancel() {
        job.cancel();
    }
}
