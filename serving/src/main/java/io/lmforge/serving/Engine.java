package io.lmforge.serving;

import ai.djl.ndarray.NDManager;
import io.lmforge.model.generate.ContinuousBatch;
import io.lmforge.model.generate.Generator;
import io.lmforge.model.generate.Sampling;
import io.lmforge.model.generate.TextStream;
import io.lmforge.model.generate.TextTokenizer;
import io.lmforge.model.nn.DeepSeekModel;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The scheduler: each of its lanes is a thread that owns a {@link ContinuousBatch} over the shared
 * model weights. Between two decode steps a lane moves waiting jobs (one bounded queue for all
 * lanes) into its batch, up to its share of {@code maxBatch} sequences; a finished or cancelled
 * sequence leaves at the step it ends. Jobs report through a {@link Sink}, called on the lane's
 * thread (it must not block: the HTTP handler hands the events to its own thread).
 *
 * <p>Why lanes: a decode step's cost is mostly per engine call, not per row (a step of 8 rows
 * costs about as much as one of 16 on the tiny preset), and one libtorch thread per step leaves
 * the other cores idle, while more intra-op threads on small matrices wait at their barriers.
 * Lanes step independently (no barrier between them), as vLLM's data-parallel replicas do, but
 * share one copy of the weights.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Engine.class.getName());
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /**
     * While sequences run, waiting jobs join at most every this many steps (or at once when
     * enough wait to fill the batch): the joiners are prefilled together as one part of a decode
     * pass ({@link ContinuousBatch#step(List)}), and a part has a fixed cost of its own whatever the
     * number of joiners, so joining a few at a time buys throughput for a few steps of latency.
     */
    static final int ADMIT_EVERY = 4;

    private final DeepSeekModel model;
    private final NDManager manager;
    private final TextTokenizer tokenizer;
    private final int bos;
    private final int eos;
    private final int pad;
    private final int context;
    private final BlockingQueue<Job> queue;
    private final ServingMetrics metrics;
    private final List<Lane> lanes = new ArrayList<>();
    private volatile boolean accepting = true;
    private volatile boolean stopped;

    /** What a job reports, on the scheduler thread. */
    public interface Sink {
        void onText(String text);

        /** @param finishReason OpenAI's: "stop" (eos or a stop string) or "length" */
        void onDone(String finishReason, int completionTokens);

        void onError(String message);
    }

    /** The queue is full or the server is shutting down. */
    public static final class Rejected extends Exception {
        public final boolean shuttingDown;

        Rejected(boolean shuttingDown) {
            super(shuttingDown ? "the server is shutting down" : "the request queue is full", null, false, false);
            this.shuttingDown = shuttingDown;
        }
    }

    /** One request's generation. */
    public static final class Job {
        final int[] prompt;
        final int maxTokens;
        final Sampling sampling;
        final long seed;
        final List<String> stops;
        final Sink sink;
        final long arrived;
        private volatile boolean cancelled;
        private volatile ContinuousBatch.Sequence sequence;

        /** @param arrived System.nanoTime() when the request came in (time to first token counts from it) */
        public Job(int[] prompt, int maxTokens, Sampling sampling, long seed, List<String> stops, Sink sink, long arrived) {
            this.prompt = prompt;
            this.maxTokens = maxTokens;
            this.sampling = sampling;
            this.seed = seed;
            this.stops = stops;
            this.sink = sink;
            this.arrived = arrived;
        }

        /** Frees the job's place (queue or batch) at the next step; its sink hears nothing more. */
        public void cancel() {
            cancelled = true;
            ContinuousBatch.Sequence s = sequence;
            if (s != null) {
                s.cancel();
            }
        }

        boolean cancelled() {
            return cancelled;
        }
    }

    /**
     * @param maxBatch sequences decoding at once in all lanes together
     * @param lanes    scheduler threads, each with a batch of its share of {@code maxBatch} (at most
     *                 maxBatch lanes: each has at least one row)
     */
    public Engine(DeepSeekModel model, NDManager manager, TextTokenizer tokenizer, int bos, int eos, int pad,
                  int maxBatch, int maxQueue, int lanes, ServingMetrics metrics) {
        if (lanes < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("lanes and max batch must be >= 1, got " + lanes + " and " + maxBatch);
        }
        this.model = model;
        this.manager = manager;
        this.tokenizer = tokenizer;
        this.eos = eos;
        this.pad = pad;
        this.context = model.config().maxPositions();
        this.queue = new ArrayBlockingQueue<>(Math.max(1, maxQueue));
        this.metrics = metrics;
        this.bos = bos;
        int count = Math.min(lanes, maxBatch);
        for (int i = 0; i < count; i++) {
            // Rows split as evenly as they go: 16 in 3 lanes are 6, 5, 5.
            int rows = maxBatch / count + (i < maxBatch % count ? 1 : 0);
            this.lanes.add(new Lane(rows, count == 1 ? "lmforge-scheduler" : "lmforge-scheduler-" + i));
        }
        this.lanes.forEach(l -> l.thread.start());
    }

    /** The model's context: prompt tokens + max new tokens must fit it. */
    public int context() {
        return context;
    }

    /** {@code <bos>} + the text's tokens. */
    public int[] promptTokens(String text) {
        int[] ids = tokenizer.encode(text);
        int[] out = new int[ids.length + 1];
        out[0] = bos;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /** @throws Rejected when the queue is full or the engine no longer accepts work */
    public void submit(Job job) throws Rejected {
        if (!accepting) {
            throw new Rejected(true);
        }
        if (!queue.offer(job)) {
            throw new Rejected(false);
        }
        metrics.queueDepth.set(queue.size());
    }

    /** Sequences decoding now. */
    public int running() {
        int sum = 0;
        for (Lane l : lanes) {
            sum += l.running;
        }
        return sum;
    }

    /** The scheduler threads. */
    public int lanes() {
        return lanes.size();
    }

    /** Rows each lane has decoded so far (joiners included), in lane order. */
    public long[] rowsPerLane() {
        return lanes.stream().mapToLong(l -> l.rowsStepped).toArray();
    }

    /** After a lane's batch changed size: the gauge shows all lanes' sequences. */
    private void publishRunning() {
        metrics.runningBatch.set(running());
    }

    /**
     * What the scheduler has done so far: decode passes, rows in them (joiners included), tokens
     * generated, and the CPU time of its threads (the engine's work, without HTTP), all lanes
     * together; a benchmark takes two and subtracts.
     */
    public Work work() {
        long cpu = THREADS.isThreadCpuTimeSupported() ? 0 : -1;
        long rows = 0;
        for (Lane l : lanes) {
            rows += l.rowsStepped;
            if (cpu >= 0) {
                cpu += THREADS.getThreadCpuTime(l.thread.getId());
            }
        }
        return new Work(metrics.decodeSteps.getLongValue(), rows, metrics.generatedTokens.getLongValue(), cpu);
    }

    /** See {@link #work()}; cpuNanos is -1 where the JVM cannot tell a thread's CPU time. */
    public record Work(long steps, long rows, long tokens, long cpuNanos) {
        public Work minus(Work before) {
            return new Work(steps - before.steps, rows - before.rows, tokens - before.tokens,
                    cpuNanos < 0 || before.cpuNanos < 0 ? -1 : cpuNanos - before.cpuNanos);
        }
    }

    public int queued() {
        return queue.size();
    }

    public boolean accepting() {
        return accepting;
    }

    /**
     * Graceful: refuses new jobs, lets queued and running ones finish for up to {@code grace},
     * then cancels what is left and stops the scheduler.
     */
    public void shutdown(Duration grace) {
        accepting = false;
        long deadline = System.nanoTime() + grace.toNanos();
        while ((running() > 0 || !queue.isEmpty()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stopped = true;
        try {
            for (Lane l : lanes) {
                l.thread.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    /** A scheduler thread and its batch of at most {@code maxRows} sequences. */
    private final class Lane {
        private final int maxRows;
        private final Thread thread;
        private volatile int running;
        private volatile String failing;
        // Written by this lane's thread only (so += is safe), read by anyone through work().
        private volatile long rowsStepped;

        Lane(int maxRows, String name) {
            this.maxRows = maxRows;
            this.thread = new Thread(this::loop, name);
            thread.setDaemon(true);
        }

        /**
         * How many more waiting jobs this lane may take, holding {@code mine}: up to an even share of
         * all sequences (running in every lane, and waiting), so that a lane that looks first does
         * not take the whole queue while another lane idles.
         */
        private int fairShare(int mine) {
            int others = running() - running;
            int all = others + mine + queue.size();
            return Math.max(0, (all + lanes.size() - 1) / lanes.size() - mine);
        }

        private void loop() {
            ContinuousBatch batch = new ContinuousBatch(model, manager, context, maxRows, eos, pad);
            List<Job> joiners = new ArrayList<>();
            int sinceAdmit = 0;
            try {
                while (!stopped) {
                    joiners.clear();
                    if (batch.size() == 0) {
                        Job first = queue.poll(50, TimeUnit.MILLISECONDS);
                        if (first == null) {
                            continue;
                        }
                        joiners.add(first);
                    }
                    int free = maxRows - batch.size() - joiners.size();
                    if (batch.size() == 0 || sinceAdmit >= ADMIT_EVERY || queue.size() >= free) {
                        queue.drainTo(joiners, Math.min(free, fairShare(batch.size() + joiners.size())));
                    }
                    sinceAdmit = joiners.isEmpty() ? sinceAdmit + 1 : 0;
                    metrics.queueDepth.set(queue.size());
                    List<ContinuousBatch.Sequence> sequences = new ArrayList<>();
                    List<Listener> listeners = new ArrayList<>();
                    for (Job j : joiners) {
                        if (!j.cancelled()) {
                            Listener l = new Listener(j, this);
                            listeners.add(l);
                            ContinuousBatch.Sequence s = new ContinuousBatch.Sequence(j.prompt, j.maxTokens, j.sampling,
                                    j.seed, l);
                            j.sequence = s;
                            if (j.cancelled()) {
                                s.cancel();
                            }
                            sequences.add(s);
                            metrics.promptTokens.inc(j.prompt.length);
                        }
                    }
                    try {
                        running = batch.size() + sequences.size();
                        publishRunning();
                        if (running > 0) {
                            // The joiners are prefilled in the running rows' decode pass.
                            batch.step(sequences);
                            metrics.decodeSteps.inc();
                            rowsStepped += running;
                        }
                    } catch (RuntimeException e) {
                        // A failed forward pass fails the sequences in it, never the server.
                        LOG.log(Level.SEVERE, "generation step failed; ending the running requests", e);
                        failing = e.getMessage() == null ? e.toString() : e.getMessage();
                        batch.close();
                        for (Listener l : listeners) {
                            if (!l.reported) {
                                l.onFinish(new Generator.Output(new int[0], Generator.Finish.STOP));
                            }
                        }
                        failing = null;
                        batch = new ContinuousBatch(model, manager, context, maxRows, eos, pad);
                    }
                    running = batch.size();
                    publishRunning();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                batch.close();
                Job j;
                while ((j = queue.poll()) != null) {
                    j.sink.onError("the server is shutting down");
                }
                running = 0;
                publishRunning();
                metrics.queueDepth.set(queue.size());
            }
        }
    }

    /** Streams one job's tokens as text, ending at a stop string; reports the end. */
    private final class Listener implements ContinuousBatch.Listener {
        private final Job job;
        private final Lane lane;
        private final TextStream text;
        private int tokens;
        private boolean reported;

        Listener(Job job, Lane lane) {
            this.job = job;
            this.lane = lane;
            this.text = new TextStream(tokenizer, job.stops);
        }

        @Override
        public boolean onToken(int token) {
            if (tokens++ == 0) {
                metrics.timeToFirstToken.observe((System.nanoTime() - job.arrived) / 1e9);
            }
            metrics.generatedTokens.inc();
            String piece = text.push(token);
            if (!piece.isEmpty() && !job.cancelled()) {
                job.sink.onText(piece);
            }
            return !text.stopped() && !job.cancelled();
        }

        @Override
        public void onFinish(Generator.Output output) {
            reported = true;
            if (job.cancelled()) {
                return;
            }
            if (lane.failing != null) {
                job.sink.onError("generation failed: " + lane.failing);
                return;
            }
            if (stopped && output.finish() == Generator.Finish.STOP && !text.stopped()) {
                job.sink.onError("the server is shutting down");
                return;
            }
            String rest = text.finish();
            if (!rest.isEmpty()) {
                job.sink.onText(rest);
            }
            job.sink.onDone(output.finish() == Generator.Finish.LENGTH ? "length" : "stop", output.tokens().length);
        }
    }
}
