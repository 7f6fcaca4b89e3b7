package io.lmforge.model.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.Scalars;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decoder-only language model:
 *
 * <pre>
 *   h₀     = Embed(tokens)
 *   h_l    = DecoderLayer_l(h_{l-1})          l = 1..L (RoPE positions, causal mask)
 *   logits = RMSNorm(h_L) Wᵀ                  W = Embed's matrix when tied, else a head
 * </pre>
 *
 * Inputs: {@code NDList(tokens (B, T))}, optionally followed by document ids (B, T) to keep
 * attention inside each packed document. Outputs: {@code NDList(logits (B, T, V), balance loss ())}.
 */
public final class DeepSeekModel extends ModelBlock {
    private final ModelConfig config;
    private final TokenEmbedding embedding;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final RmsNorm norm;
    private final Projection head;
    private volatile int[][] lastExpertCounts = new int[0][];

    public DeepSeekModel(ModelConfig config) {
        this.config = config;
        embedding = addChildBlock("embed", new TokenEmbedding(config.vocabSize(), config.hiddenSize(), config.initStd()));
        for (int i = 0; i < config.layers(); i++) {
            layers.add(addChildBlock("layers." + i, new DecoderLayer(config, i)));
        }
        norm = addChildBlock("norm", new RmsNorm(config.hiddenSize(), config.normEps()));
        head = config.tieEmbeddings() ? null
                : addChildBlock("head", new Projection(config.hiddenSize(), config.vocabSize(), config.initStd()));
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * Creates the parameters from the engine's generator seeded with {@code seed} (so a run is
     * reproducible) and gives every parameter a zero gradient. Materialising the gradients matters:
     * an expert that no token chose has no gradient tensor, and an all-reduce must be able to write
     * into every parameter's gradient in place.
     */
    public DeepSeekModel initialize(NDManager manager, DataType dataType, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        initialize(manager, dataType, new Shape(1, 1));
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray zero = null;
            for (Parameter p : getParameters().values()) {
                NDArray term = Scalars.times(p.getArray().sum(), 0);
                zero = zero == null ? term : zero.add(term);
            }
            collector.backward(zero);
        }
        return this;
    }

    public NDList forward(ParameterStore ps, NDArray tokens, NDArray documentIds, boolean training) {
        int length = (int) tokens.getShape().get(1);
        NDManager manager = tokens.getManager();
        NDArray h = embedding.forward(ps, tokens, training);
        RotaryEmbedding rope = RotaryEmbedding.of(manager, length, config.headDim(), config.ropeBase(), h.getDataType());
        NDArray mask = documentIds == null ? AttentionMask.causal(manager, length, h.getDataType())
                : AttentionMask.causalWithinDocuments(documentIds, h.getDataType());

        NDArray balanceLoss = manager.zeros(new Shape(), h.getDataType());
        int[][] counts = new int[config.layers()][];
        for (int i = 0; i < layers.size(); i++) {
            DecoderLayer.Output out = layers.get(i).forward(ps, h, rope, mask, training);
            h = out.hidden();
            if (out.balanceLoss() != null) {
                balanceLoss = balanceLoss.add(out.balanceLoss());
                counts[i] = out.expertCounts();
            }
        }
        h = norm.forward(ps, h, training);
        NDArray logits = head == null ? embedding.logits(ps, h, training) : head.forward(ps, h, training);
        lastExpertCounts = counts;
        return new NDList(logits, balanceLoss);
    }

    /**
     * Inference with a key/value cache, for one or several groups of rows ({@link CachedPart}s) in
     * one forward pass: each part's tokens (B_i, T_i) occupy its cache slots [cache.length(),
     * cache.length() + T_i); their keys and values are stored and the caches advanced. A prompt
     * goes through in one call (prefill), then one token per call. Every per-token computation
     * (projections, norms, feed-forward and experts) runs once over all the parts' tokens, so the
     * weights are read once; attention runs per part, on its own cache rows: how a continuous batch
     * prefills joining prompts in the pass that decodes its running rows. The same parameters as
     * {@link #forward}; no gradients. Returns the last slot's logits of every row, the parts' rows
     * in order, (ΣB_i, V).
     */
    public NDArray forwardCached(ParameterStore ps, List<CachedPart> parts) {
        long d = config.hiddenSize();
        NDList embedded = new NDList();
        long[] last = new long[parts.stream().mapToInt(p -> (int) p.tokens().getShape().get(0)).sum()];
        int row = 0;
        long offset = 0;
        for (CachedPart p : parts) {
            long b = p.tokens().getShape().get(0);
            long t = p.tokens().getShape().get(1);
            embedded.add(embedding.forward(ps, p.tokens(), false).reshape(b * t, d));
            for (int r = 0; r < b; r++) {
                last[row++] = offset + (r + 1) * t - 1;
            }
            offset += b * t;
        }
        NDArray h = embedded.size() == 1 ? embedded.singletonOrThrow() : NDArrays.concat(embedded, 0);   // (N, d)
        for (int i = 0; i < layers.size(); i++) {
            h = layers.get(i).forwardCached(ps, h, parts, i);
        }
        for (CachedPart p : parts) {
            p.cache().advance((int) p.tokens().getShape().get(1));
        }
        h = norm.forward(ps, h.get(h.getManager().create(last)), false);
        return head == null ? embedding.logits(ps, h, false) : head.forward(ps, h, false);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return forward(ps, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[]{inputShapes[0].add(config.vocabSize()), new Shape()};
    }

    /**
     * Before initialisation: every linear projection (attention, dense MLP, shared and routed
     * experts) and, unless {@code keepEmbeddings}, the embedding and the head keep int8 codes
     * with a float32 scale per output row; the routers and norm gains stay float32. For
     * inference: int8 parameters take no gradient. See {@link io.lmforge.model.quantize.Quantization}.
     */
    public DeepSeekModel storeInt8(boolean keepEmbeddings) {
        storeInt8(this, keepEmbeddings);
        return this;
    }

    private static void storeInt8(Block block, boolean keepEmbeddings) {
        for (Pair<String, Block> child : block.getChildren()) {
            String name = child.getKey().replaceFirst("^\\d+", "");
            Block b = child.getValue();
            if (b instanceof Projection p) {
                if (!name.equals("router") && !(keepEmbeddings && name.equals("head"))) {
                    p.storeInt8();
                }
            } else if (b instanceof TokenEmbedding e) {
                if (!keepEmbeddings) {
                    e.storeInt8();
                }
            } else {
                storeInt8(b, keepEmbeddings);
            }
        }
    }

    /**
     * The data type of activations and of the KV cache: the final norm's gain's, float even when
     * the matrices hold int8 codes.
     */
    public DataType activationType() {
        return norm.getParameters().valueAt(0).getArray().getDataType();
    }

    /** Tokens each routed expert received in the last forward, per layer (null for dense layers). */
    public int[][] lastExpertCounts() {
        return lastExpertCounts;
    }

    /**
     * Parameters under PyTorch-style dotted names ({@code layers.3.attn.wqkv.weight}), in a fixed
     * order. Checkpoints, the optimizer state and the safetensors export are keyed by these names.
     */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect(this, "", out);
        return Collections.unmodifiableMap(out);
    }

    private static void collect(Block block, String prefix, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            out.put(prefix + p.getKey(), p.getValue());
        }
        for (Pair<String, Block> child : block.getChildren()) {
            // AbstractBlock prefixes child names with their position ("01embed"); ours never start with a digit.
            String name = child.getKey().replaceFirst("^\\d+", "");
            collect(child.getValue(), prefix + name + ".", out);
        }
    }
}
