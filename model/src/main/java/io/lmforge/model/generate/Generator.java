package io.lmforge.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.nn.AttentionMask;
import io.lmforge.model.nn.CachedPart;
import io.lmforge.model.nn.DeepSeekModel;
import io.lmforge.model.nn.KvCache;
import io.lmforge.model.nn.RotaryEmbedding;

import java.util.Arrays;
import java.util.List;

/**
 * Token-level generation for a batch of prompts with a key/value cache:
 *
 * <pre>
 *   left-pad the prompts to the longest (P slots); allocate the cache for P + max new tokens
 *   prefill:  one forward pass over all P slots      → each sequence's next-token logits
 *   repeat:   pick a token per sequence (Sampler), one forward pass over that one slot
 * </pre>
 *
 * Positions are each sequence's own (its first real token is position 0, RoPE at the absolute
 * position), padding slots are masked out of every query, so a batch produces what each prompt
 * would alone. A sequence stops at {@code eos}, at its token budget, or when the listener says so
 * (a stop string); the batch stops when all have.
 */
public final class Generator {
    private final DeepSeekModel model;
    private final NDManager manager;
    private final ParameterStore parameters;

    /** What to do with each new token: return false to finish that sequence (the token is kept). */
    @FunctionalInterface
    public interface Listener {
        boolean onToken(int sequence, int token);
    }

    /** How a sequence ended. */
    public enum Finish { EOS, LENGTH, STOP }

    /**
     * One sequence's output.
     *
     * @param tokens the new tokens (the eos token not included)
     */
    public record Output(int[] tokens, Finish finish) {
    }

    /** The whole batch's outputs, with timings: prefill (the prompts) and decode (one token per step). */
    public record Result(Output[] outputs, long prefillNanos, long decodeNanos, int decodeSteps) {
        public long newTokens() {
            long n = 0;
            for (Output o : outputs) {
                n += o.tokens().length;
            }
            return n;
        }
    }

    public Generator(DeepSeekModel model, NDManager manager) {
        this.model = model;
        this.manager = manager;
        this.parameters = new ParameterStore(manager, false);
    }

    /**
     * The model's context (max positions). Not enforced here, where the decode benchmark measures
     * past it; {@link TextGenerator} keeps a prompt and its new tokens within it.
     */
    public int context() {
        return model.config().maxPositions();
    }

    /**
     * @param prompts   token ids per sequence, each at least one token (start with bos)
     * @param seed      sequence i draws from {@code new Random(seed + i)}
     * @param eos       the end-of-sequence id (-1: none)
     * @param pad       the id placed in padding slots (never seen by a real token)
     */
    public Result generate(int[][] prompts, int maxNewTokens, Sampling sampling, long seed, int eos, int pad,
                           Listener listener) {
        JniUtils.setGradMode(false);        // per thread in libtorch
        ModelConfig config = model.config();
        int batch = prompts.length;
        int promptSlots = 0;
        for (int[] p : prompts) {
            if (p.length == 0) {
                throw new IllegalArgumentException("a prompt needs at least one token (bos)");
            }
            promptSlots = Math.max(promptSlots, p.length);
        }
        int[] padding = new int[batch];
        int[][] context = new int[batch][];
        int[] contextLength = new int[batch];
        Sampler[] samplers = new Sampler[batch];
        int[][] out = new int[batch][maxNewTokens];
        int[] produced = new int[batch];
        Finish[] finish = new Finish[batch];
        int[][] slotTokens = new int[batch][promptSlots];
        int[][] positions = new int[batch][promptSlots];
        for (int b = 0; b < batch; b++) {
            padding[b] = promptSlots - prompts[b].length;
            Arrays.fill(slotTokens[b], 0, padding[b], pad < 0 ? 0 : pad);
            System.arraycopy(prompts[b], 0, slotTokens[b], padding[b], prompts[b].length);
            for (int s = 0; s < promptSlots; s++) {
                positions[b][s] = Math.max(0, s - padding[b]);
            }
            context[b] = Arrays.copyOf(prompts[b], prompts[b].length + maxNewTokens);
            contextLength[b] = prompts[b].length;
            samplers[b] = new Sampler(sampling, seed + b);
        }
        if (maxNewTokens <= 0) {
            return result(out, produced, finishAll(finish, Finish.LENGTH), 0, 0, 0);
        }

        DataType dataType = model.activationType();
        long started = System.nanoTime();
        long prefill = 0;
        int steps = 0;
        try (KvCache cache = KvCache.allocate(manager, config, batch, promptSlots + maxNewTokens, dataType)) {
            float[][] logits = step(cache, slotTokens, positions, padding, dataType);
            prefill = System.nanoTime() - started;
            while (true) {
                int[][] next = new int[batch][1];
                int[][] nextPositions = new int[batch][1];
                boolean anyActive = false;
                for (int b = 0; b < batch; b++) {
                    nextPositions[b][0] = cache.length() - padding[b];
                    if (finish[b] != null) {
                        next[b][0] = pad < 0 ? 0 : pad;
                        continue;
                    }
                    int token = samplers[b].next(logits[b], context[b], contextLength[b]);
                    next[b][0] = token;
                    if (token == eos) {
                        finish[b] = Finish.EOS;
                        continue;
                    }
                    out[b][produced[b]++] = token;
                    context[b][contextLength[b]++] = token;
                    boolean more = listener == null || listener.onToken(b, token);
                    if (!more) {
                        finish[b] = Finish.STOP;
                    } else if (produced[b] == maxNewTokens) {
                        finish[b] = Finish.LENGTH;
                    } else {
                        anyActive = true;
                    }
                }
                if (!anyActive) {
                    break;
                }
                logits = step(cache, next, nextPositions, padding, dataType);
                steps++;
            }
        }
        return result(out, produced, finish, prefill, System.nanoTime() - started - prefill, steps);
    }

    /** One forward pass over the given slots; the next-token logits of each sequence, on the host. */
    private float[][] step(KvCache cache, int[][] tokens, int[][] positions, int[] padding, DataType dataType) {
        return cachedStep(model, manager, parameters, cache, tokens, positions, padding, dataType);
    }

    /**
     * One cached forward pass of {@code model}: {@code tokens} (one row per slot, all of one
     * length) at {@code positions}, the first {@code padding} slots of each row's window (from
     * {@link KvCache#from()} on) masked; each row's next-token logits on the host. What both the
     * batch generator and the continuous batch step with.
     */
    static float[][] cachedStep(DeepSeekModel model, NDManager manager, ParameterStore parameters, KvCache cache,
                                int[][] tokens, int[][] positions, int[] padding, DataType dataType) {
        try (NDScope scope = new NDScope()) {
            return logits(model, parameters, List.of(part(model, manager, cache, tokens, positions, padding, dataType)));
        }
    }

    /** The inputs of one part of a cached pass: see {@link #cachedStep}. Call inside an {@link NDScope}. */
    static CachedPart part(DeepSeekModel model, NDManager manager, KvCache cache, int[][] tokens, int[][] positions,
                           int[] padding, DataType dataType) {
        int batch = tokens.length;
        int length = tokens[0].length;
        int[] flat = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(tokens[b], 0, flat, b * length, length);
        }
        NDArray input = manager.create(flat, new Shape(batch, length));
        RotaryEmbedding rope = RotaryEmbedding.at(manager, positions, model.config().headDim(),
                model.config().ropeBase(), dataType);
        NDArray mask = AttentionMask.cachedStep(manager, padding, cache.length() - cache.from(), length, dataType);
        return new CachedPart(input, rope, mask, cache);
    }

    /** One forward pass over the parts; every row's next-token logits on the host, the parts' rows in order. */
    static float[][] logits(DeepSeekModel model, ParameterStore parameters, List<CachedPart> parts) {
        NDArray all = model.forwardCached(parameters, parts);
        int rows = (int) all.getShape().get(0);
        float[] flat = all.toType(DataType.FLOAT32, false).toFloatArray();
        int vocab = flat.length / rows;
        float[][] logits = new float[rows][];
        for (int b = 0; b < rows; b++) {
            logits[b] = Arrays.copyOfRange(flat, b * vocab, (b + 1) * vocab);
        }
        return logits;
    }

    /**
     * The next-token logits of {@code tokens} the way training computes them: one forward pass
     * over the whole sequence, no cache. The reference incremental decoding is checked against,
     * and what {@code bench decode} compares it with.
     */
    public float[] logitsWithoutCache(int[] tokens) {
        JniUtils.setGradMode(false);
        try (NDScope scope = new NDScope()) {
            NDArray input = manager.create(tokens, new Shape(1, tokens.length));
            NDArray logits = model.forward(parameters, input, null, false).get(0);
            return logits.get(new ai.djl.ndarray.index.NDIndex("0, -1, :")).toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    private static Finish[] finishAll(Finish[] finish, Finish f) {
        Arrays.fill(finish, f);
        return finish;
    }

    private static Result result(int[][] out, int[] produced, Finish[] finish, long prefill, long decode, int steps) {
        Output[] outputs = new Output[out.length];
        for (int b = 0; b < out.length; b++) {
            outputs[b] = new Output(Arrays.copyOf(out[b], produced[b]), finish[b]);
        }
        return new Result(outputs, prefill, decode, steps);
    }
}
