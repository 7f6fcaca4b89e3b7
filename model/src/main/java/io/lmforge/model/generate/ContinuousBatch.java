package io.lmforge.model.generate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.lmforge.model.nn.CachedPart;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.model.nn.KvCache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Iteration-level (continuous) batching over the key/value cache: sequences join the running
 * batch between steps and leave as soon as they finish, so one forward pass serves every running
 * sequence whatever its age. Each step is one decode pass over all running rows:
 *
 * <pre>
 *   add(joiners):  prefill the joiners together (left-padded) straight into free rows of the
 *                  cache, ending at the slot the running rows have reached; sample their first token
 *   step():        one forward pass of every row's pending token; sample; finished rows leave
 * </pre>
 *
 * One cache buffer serves the batch, written in place ({@link KvCache#view}): row r holds the
 * r-th running sequence and rows stay dense (a leaving row takes the last row's sequence, a copy
 * of that one row). Row r's tokens occupy slots [start[r], length): the slots before are another
 * row's past, padding or zeros and are masked out, positions count from start[r], so a sequence
 * produces exactly what {@link Generator} produces for it alone. A step attends to the window of
 * slots the running rows use, from the oldest row's start. The buffer is copied only when it
 * grows (rows, or slots: twice the window or {@value #GROW} more, up to the capacity) or when
 * the window reaches its end (it moves to the front); it is freed when the batch is empty. A
 * sequence needs at most prompt + max new tokens − 1 slots, which must fit the capacity.
 *
 * <p>Not thread-safe: one thread (a server's scheduler) adds and steps; {@link Sequence#cancel()}
 * may be called from any thread and takes effect at the next step.
 */
public final class ContinuousBatch implements AutoCloseable {
    private final DeepSeekModel model;
    private final NDManager manager;
    private final ParameterStore parameters;
    private final int capacity;
    private final int maxRows;
    private final int eos;
    private final int pad;
    private final DataType dataType;
    /** Row r of the cache holds running.get(r). */
    private final List<Sequence> running = new ArrayList<>();
    /** Slots the cache grows by at least: it holds the window in use plus room, never more than the capacity. */
    static final int GROW = 64;
    /** The batch's buffer, null while nothing runs. */
    private KvCache cache;
    /** Slots filled: the next step writes slot {@code length} of every row. */
    private int length;
    private long steps;

    /** What a sequence reports: each new token (return false to end it, the token kept) and its end. */
    public interface Listener {
        boolean onToken(int token);

        void onFinish(Generator.Output output);
    }

    /** One request's decoding state. */
    public static final class Sequence {
        private final int[] prompt;
        private final int maxNewTokens;
        private final Sampler sampler;
        private final Listener listener;
        private final int[] context;
        private int contextLength;
        private final int[] out;
        private int produced;
        private int pending;
        private int start;
        private Generator.Finish finish;
        private volatile boolean cancelled;

        /** @param prompt at least one token (bos first); {@code seed} seeds its sampler */
        public Sequence(int[] prompt, int maxNewTokens, Sampling sampling, long seed, Listener listener) {
            if (prompt.length == 0) {
                throw new IllegalArgumentException("a prompt needs at least one token (bos)");
            }
            if (maxNewTokens < 0) {
                throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
            }
            this.prompt = prompt.clone();
            this.maxNewTokens = maxNewTokens;
            this.sampler = new Sampler(sampling, seed);
            this.listener = listener;
            this.context = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
            this.contextLength = prompt.length;
            this.out = new int[maxNewTokens];
        }

        /** Ends the sequence at the next step (finish STOP) and frees its row; safe from any thread. */
        public void cancel() {
            cancelled = true;
        }

        public int promptLength() {
            return prompt.length;
        }

        /** Cache slots it needs at most: every prompt token and every new token but the last. */
        public int slotsNeeded() {
            return prompt.length + Math.max(0, maxNewTokens - 1);
        }
    }

    /**
     * @param capacity cache slots per row (bounds the KV memory: rows × capacity × layers × 2 × hidden)
     * @param eos      the end-of-sequence id (-1: none)
     * @param pad      the id fed in padding slots
     */
    public ContinuousBatch(DeepSeekModel model, NDManager manager, int capacity, int eos, int pad) {
        this(model, manager, capacity, Integer.MAX_VALUE, eos, pad);
    }

    /** @param maxRows rows the buffer grows to at most (the most sequences that will run together) */
    public ContinuousBatch(DeepSeekModel model, NDManager manager, int capacity, int maxRows, int eos, int pad) {
        this.model = model;
        this.manager = manager;
        this.parameters = new ParameterStore(manager, false);
        this.capacity = capacity;
        this.maxRows = maxRows;
        this.eos = eos;
        this.pad = pad < 0 ? 0 : pad;
        this.dataType = model.activationType();
    }

    /** Sequences decoding now. */
    public int size() {
        return running.size();
    }

    public int capacity() {
        return capacity;
    }

    /** Decode steps run so far (prefills not counted). */
    public long steps() {
        return steps;
    }

    /**
     * Prefills the joiners in one forward pass and samples their first tokens; those not finished
     * by it decode from the next {@link #step()} on.
     *
     * @throws IllegalArgumentException when a sequence cannot fit the capacity
     */
    public void add(List<Sequence> joiners) {
        JniUtils.setGradMode(false);
        List<Sequence> live = admit(joiners);
        if (live.isEmpty()) {
            return;
        }
        int k = live.size();
        Prompts p = Prompts.of(live, pad);
        int n = running.size();
        makeRoom(n + k, p.slots());
        float[][] logits;
        try (KvCache rows = cache.view(n, n + k, length - p.slots(), length - p.slots())) {
            logits = forward(rows, p.tokens(), p.positions(), p.padding());
        }
        for (Sequence s : live) {
            s.start = length - s.prompt.length;
            running.add(s);
        }
        for (int i = 0; i < k; i++) {
            sample(live.get(i), logits[i]);
        }
        removeFinished();
    }

    /** The joiners that need a row; ends the cancelled ones and those that want no token. */
    private List<Sequence> admit(List<Sequence> joiners) {
        List<Sequence> live = new ArrayList<>();
        for (Sequence s : joiners) {
            if (s.slotsNeeded() > capacity) {
                throw new IllegalArgumentException("a sequence of " + s.prompt.length + " prompt tokens and "
                        + s.maxNewTokens + " new tokens does not fit " + capacity + " cache slots");
            }
        }
        for (Sequence s : joiners) {
            if (s.cancelled) {
                end(s, Generator.Finish.STOP);
            } else if (s.maxNewTokens == 0) {
                end(s, Generator.Finish.LENGTH);
            } else {
                live.add(s);
            }
        }
        return live;
    }

    /** Joiners' prompts left-padded to the longest, {@code slots}: tokens, positions and padding per row. */
    private record Prompts(int slots, int[][] tokens, int[][] positions, int[] padding) {
        static Prompts of(List<Sequence> joiners, int pad) {
            int k = joiners.size();
            int slots = 0;
            for (Sequence s : joiners) {
                slots = Math.max(slots, s.prompt.length);
            }
            int[][] tokens = new int[k][slots];
            int[][] positions = new int[k][slots];
            int[] padding = new int[k];
            for (int i = 0; i < k; i++) {
                int[] p = joiners.get(i).prompt;
                padding[i] = slots - p.length;
                Arrays.fill(tokens[i], 0, padding[i], pad);
                System.arraycopy(p, 0, tokens[i], padding[i], p.length);
                for (int t = 0; t < slots; t++) {
                    positions[i][t] = Math.max(0, t - padding[i]);
                }
            }
            return new Prompts(slots, tokens, positions, padding);
        }
    }

    /**
     * Makes the buffer hold {@code rows} rows, with the running window ending at a slot of at least
     * {@code slots} (where joiners' prompts of up to that many slots end), moving it when needed.
     */
    private void makeRoom(int rows, int slots) {
        if (cache == null) {
            length = slots;
            cache = KvCache.allocate(manager, model.config(), rows, slotsFor(slots), dataType);
            return;
        }
        if (rows <= cache.rows() && slots <= length) {
            return;
        }
        int from = windowStart();
        int window = length - from;
        int at = Math.max(0, slots - window);
        int newRows = rows <= cache.rows() ? cache.rows() : Math.max(rows, Math.min(maxRows, 2 * cache.rows()));
        moveWindow(cache.copy(manager, newRows, Math.max(cache.capacity(), slotsFor(at + window)), running.size(), from,
                length, at), at - from);
    }

    /** Slots for a window of {@code used}: twice that or {@value #GROW} more, within the capacity. */
    private int slotsFor(int used) {
        return Math.min(capacity, Math.max(used + GROW, 2 * used));
    }

    /** The oldest running row's first slot: no row attends to anything before it. */
    private int windowStart() {
        int from = length;
        for (Sequence s : running) {
            from = Math.min(from, s.start);
        }
        return from;
    }

    private void moveWindow(KvCache moved, int shift) {
        replace(moved);
        length += shift;
        for (Sequence s : running) {
            s.start += shift;
        }
    }

    /** One decode step of every running sequence; the finished ones (and cancelled ones) leave. */
    public void step() {
        step(List.of());
    }

    /**
     * One decode step of every running sequence with the joiners' prompts prefilled in the same
     * forward pass ({@link DeepSeekModel#forwardCached(ParameterStore, List)}): the weights are read
     * once for both, where {@link #add} then {@link #step()} reads them twice. The joiners' prompts
     * end at the slot the running rows reach with this step; their first tokens are sampled with
     * the running rows' next ones. With nothing running it is {@link #add} then {@link #step()}.
     *
     * @throws IllegalArgumentException when a joiner cannot fit the capacity (nothing is run)
     */
    public void step(List<Sequence> joiners) {
        JniUtils.setGradMode(false);
        List<Sequence> live = admit(joiners);
        removeFinished();
        if (running.isEmpty()) {
            add(live);
            if (running.isEmpty()) {
                return;
            }
            live = List.of();
        }
        int from = windowStart();
        if (length == cache.capacity()) {
            int window = length - from;
            if (window >= capacity) {
                // cannot happen when every sequence fits the capacity (checked in add)
                throw new IllegalStateException("KV cache full and every slot in use");
            }
            int slots = 2 * window <= cache.capacity() ? cache.capacity() : slotsFor(window + 1);
            moveWindow(cache.copy(manager, cache.rows(), slots, running.size(), from, length, 0), -from);
        }
        int n = running.size();
        int k = live.size();
        Prompts prompts = k == 0 ? null : Prompts.of(live, pad);
        if (k > 0) {
            // The joiners' prompts end at slot length + 1, with the running rows' next slot.
            makeRoom(n + k, prompts.slots() - 1);
        }
        from = windowStart();
        int[][] tokens = new int[n][1];
        int[][] positions = new int[n][1];
        int[] padding = new int[n];
        for (int r = 0; r < n; r++) {
            Sequence s = running.get(r);
            tokens[r][0] = s.pending;
            positions[r][0] = length - s.start;
            padding[r] = s.start - from;
        }
        float[][] logits;
        try (NDScope scope = new NDScope();
             KvCache rows = cache.view(0, n, from, length);
             KvCache joined = k == 0 ? null : cache.view(n, n + k, length + 1 - prompts.slots(), length + 1 - prompts.slots())) {
            List<CachedPart> parts = new ArrayList<>();
            parts.add(Generator.part(model, manager, rows, tokens, positions, padding, dataType));
            if (k > 0) {
                parts.add(Generator.part(model, manager, joined, prompts.tokens(), prompts.positions(), prompts.padding(),
                        dataType));
            }
            logits = Generator.logits(model, parameters, parts);
        }
        length++;
        steps++;
        for (Sequence s : live) {
            s.start = length - s.prompt.length;
            running.add(s);
        }
        for (int r = 0; r < n + k; r++) {
            sample(running.get(r), logits[r]);
        }
        removeFinished();
    }

    /** Samples s's next token from its logits; false when that ends it. */
    private boolean sample(Sequence s, float[] logits) {
        if (s.cancelled) {
            s.finish = Generator.Finish.STOP;
        } else {
            int token = s.sampler.next(logits, s.context, s.contextLength);
            if (token == eos) {
                s.finish = Generator.Finish.EOS;
            } else {
                s.out[s.produced++] = token;
                s.context[s.contextLength++] = token;
                s.pending = token;
                boolean more;
                try {
                    more = s.listener == null || s.listener.onToken(token);
                } catch (RuntimeException e) {
                    more = false;
                }
                if (!more) {
                    s.finish = Generator.Finish.STOP;
                } else if (s.produced == s.maxNewTokens) {
                    s.finish = Generator.Finish.LENGTH;
                }
            }
        }
        return s.finish == null;
    }

    /** Finished (and cancelled) rows leave; the last row moves into each freed one, so rows stay dense. */
    private void removeFinished() {
        List<Sequence> ended = new ArrayList<>();
        for (int r = running.size() - 1; r >= 0; r--) {
            Sequence s = running.get(r);
            if (s.finish == null && s.cancelled) {
                s.finish = Generator.Finish.STOP;
            }
            if (s.finish != null) {
                int last = running.size() - 1;
                if (r != last) {
                    Sequence moved = running.get(last);
                    cache.moveRow(last, r, moved.start, length);
                    running.set(r, moved);
                }
                running.remove(last);
                ended.add(0, s);
            }
        }
        if (running.isEmpty()) {
            replace(null);
            length = 0;
        }
        for (Sequence s : ended) {
            end(s, s.finish);
        }
    }

    private void replace(KvCache next) {
        if (cache != null) {
            cache.close();
        }
        cache = next;
    }

    private static void end(Sequence s, Generator.Finish finish) {
        s.finish = finish;
        if (s.listener != null) {
            s.listener.onFinish(new Generator.Output(Arrays.copyOf(s.out, s.produced), finish));
        }
    }

    /** One forward pass over the given slots; each row's next-token logits, on the host. */
    private float[][] forward(KvCache kv, int[][] tokens, int[][] positions, int[] padding) {
        return Generator.cachedStep(model, manager, parameters, kv, tokens, positions, padding, dataType);
    }

    /** Ends every running sequence (finish STOP) and frees the cache. */
    @Override
    public void close() {
        for (Sequence s : running) {
            if (s.finish == null) {
                s.finish = Generator.Finish.STOP;
            }
            end(s, s.finish);
        }
        running.clear();
        replace(null);
        length = 0;
    }
}
