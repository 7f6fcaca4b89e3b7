package io.lmforge.model.generate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
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
 *   add(joiners):  prefill the joiners together (left-padded, their own cache), sample their first
 *                  token, stack their cache rows under the running ones, aligned at the last slot
 *   step():        one forward pass of every row's pending token; sample; finished rows leave
 * </pre>
 *
 * Row r's tokens occupy cache slots [start[r], length): the slots before are another row's past
 * or zeros and are masked out, positions count from start[r], so a sequence produces exactly what
 * {@link Generator} produces for it alone. When the cache is full (or its front is unused) the
 * slots no running row needs are dropped ({@link KvCache#select}); the cache holds the slots in use
 * plus room for {@value #GROW} more, and grows (a copy) when that is used up. A sequence needs at most
 * prompt + max new tokens − 1 slots, which must fit the capacity.
 *
 * <p>Not thread-safe: one thread (a server's scheduler) adds and steps; {@link Sequence#cancel()}
 * may be called from any thread and takes effect at the next step.
 */
public final class ContinuousBatch implements AutoCloseable {
    private final DeepSeekModel model;
    private final NDManager manager;
    private final ParameterStore parameters;
    private final int capacity;
    private final int grow;
    private final int eos;
    private final int pad;
    private final DataType dataType;
    private final List<Sequence> running = new ArrayList<>();
    /** Slots the cache grows by: it holds what the rows use plus up to this much room, never more than the capacity. */
    static final int GROW = 64;
    private KvCache cache;
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
        this.model = model;
        this.manager = manager;
        this.parameters = new ParameterStore(manager, false);
        this.capacity = capacity;
        this.grow = Math.min(capacity, GROW);
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
        List<Sequence> live = new ArrayList<>();
        for (Sequence s : joiners) {
            if (s.slotsNeeded() > capacity) {
                throw new IllegalArgumentException("a sequence of " + s.prompt.length + " prompt tokens and "
                        + s.maxNewTokens + " new tokens does not fit " + capacity + " cache slots");
            }
            if (s.cancelled) {
                end(s, Generator.Finish.STOP);
            } else if (s.maxNewTokens == 0) {
                end(s, Generator.Finish.LENGTH);
            } else {
                live.add(s);
            }
        }
        if (live.isEmpty()) {
            return;
        }
        int k = live.size();
        int slots = 0;
        for (Sequence s : live) {
            slots = Math.max(slots, s.prompt.length);
        }
        int[][] tokens = new int[k][slots];
        int[][] positions = new int[k][slots];
        int[] padding = new int[k];
        for (int i = 0; i < k; i++) {
            int[] p = live.get(i).prompt;
            padding[i] = slots - p.length;
            Arrays.fill(tokens[i], 0, padding[i], pad);
            System.arraycopy(p, 0, tokens[i], padding[i], p.length);
            for (int t = 0; t < slots; t++) {
                positions[i][t] = Math.max(0, t - padding[i]);
            }
        }
        KvCache prefill = KvCache.allocate(manager, model.config(), k, slots, dataType);
        try {
            float[][] logits = forward(prefill, tokens, positions, padding);
            List<Integer> kept = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                if (sample(live.get(i), logits[i])) {
                    kept.add(i);
                }
            }
            if (kept.isEmpty()) {
                return;
            }
            int[] rows = kept.stream().mapToInt(Integer::intValue).toArray();
            int length = Math.max(slots, cache == null ? 0 : cache.length());
            int size = Math.min(capacity, length + grow);
            int shift = cache == null ? 0 : length - cache.length();
            for (Sequence s : running) {
                s.start += shift;
            }
            for (int r : rows) {
                Sequence s = live.get(r);
                s.start = length - s.prompt.length;
                running.add(s);
            }
            try (KvCache joined = rows.length == k ? null : prefill.select(rows, 0)) {
                KvCache part = joined == null ? prefill : joined;
                replace(cache == null ? KvCache.stack(List.of(part), size) : KvCache.stack(List.of(cache, part), size));
            }
        } finally {
            prefill.close();
        }
    }

    /** One decode step of every running sequence; the finished ones (and cancelled ones) leave. */
    public void step() {
        JniUtils.setGradMode(false);
        removeFinished();
        if (running.isEmpty()) {
            return;
        }
        int minStart = Integer.MAX_VALUE;
        for (Sequence s : running) {
            minStart = Math.min(minStart, s.start);
        }
        if (cache.length() == cache.capacity() || minStart > cache.length() / 2) {
            compact(minStart);
        }
        int n = running.size();
        int[][] tokens = new int[n][1];
        int[][] positions = new int[n][1];
        int[] padding = new int[n];
        for (int r = 0; r < n; r++) {
            Sequence s = running.get(r);
            tokens[r][0] = s.pending;
            positions[r][0] = cache.length() - s.start;
            padding[r] = s.start;
        }
        float[][] logits = forward(cache, tokens, positions, padding);
        steps++;
        for (int r = 0; r < n; r++) {
            sample(running.get(r), logits[r]);
        }
        removeFinished();
    }

    /** Samples s's next token from its logits; false when that ends it (a joiner that ends is reported here). */
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
        if (s.finish != null && !running.contains(s)) {
            end(s, s.finish);
        }
        return s.finish == null;
    }

    private void removeFinished() {
        List<Integer> keep = new ArrayList<>();
        for (int r = 0; r < running.size(); r++) {
            Sequence s = running.get(r);
            if (s.finish == null && s.cancelled) {
                s.finish = Generator.Finish.STOP;
            }
            if (s.finish == null) {
                keep.add(r);
            }
        }
        if (keep.size() == running.size()) {
            return;
        }
        List<Sequence> before = new ArrayList<>(running);
        running.clear();
        for (int r : keep) {
            running.add(before.get(r));
        }
        if (keep.isEmpty()) {
            replace(null);
        } else {
            int drop = Integer.MAX_VALUE;
            for (Sequence s : running) {
                drop = Math.min(drop, s.start);
            }
            replace(cache.select(keep.stream().mapToInt(Integer::intValue).toArray(), drop,
                    Math.min(capacity, cache.length() - drop + grow)));
            for (Sequence s : running) {
                s.start -= drop;
            }
        }
        for (Sequence s : before) {
            if (s.finish != null) {
                end(s, s.finish);
            }
        }
    }

    /** Drops the slots no row uses and makes room to grow (up to the capacity). */
    private void compact(int drop) {
        int size = Math.min(capacity, cache.length() - drop + grow);
        if (size == cache.length() - drop && drop <= 0) {
            // cannot happen when every sequence fits the capacity (checked in add)
            throw new IllegalStateException("KV cache full and every slot in use");
        }
        int[] all = new int[running.size()];
        for (int r = 0; r < all.length; r++) {
            all[r] = r;
        }
        replace(cache.select(all, drop, size));
        for (Sequence s : running) {
            s.start -= drop;
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
    }
}
