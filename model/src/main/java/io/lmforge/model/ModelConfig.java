package io.lmforge.model;

import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The shape of a DeepSeek-style decoder: a LLaMA-like trunk (RMSNorm, RoPE, SwiGLU) whose
 * feed-forward layers, after the first {@code moe.firstDenseLayers}, are DeepSeekMoE layers.
 *
 * <p>Immutable; build one from a preset and change fields with the {@code with*} methods, or read
 * it from a HOCON {@code model { preset = tiny, ... }} section where every key overrides the preset.
 *
 * @param name              preset name, or "custom"
 * @param vocabSize         rows of the embedding (the trainer raises it to the shards' vocabulary)
 * @param hiddenSize        model width d
 * @param layers            decoder layers L
 * @param heads             attention heads; {@code hiddenSize / heads} is the head width
 * @param intermediateSize  width of the dense SwiGLU layers
 * @param maxPositions      longest sequence the model is meant for (RoPE has no table limit)
 * @param ropeBase          RoPE's theta
 * @param normEps           RMSNorm epsilon
 * @param initStd           standard deviation of every weight matrix at initialisation
 * @param tieEmbeddings     whether the output head reuses the token embedding
 * @param moe               the mixture-of-experts layers; {@link Moe#none()} for a dense model
 */
public record ModelConfig(String name, int vocabSize, int hiddenSize, int layers, int heads,
                          int intermediateSize, int maxPositions, double ropeBase, double normEps,
                          double initStd, boolean tieEmbeddings, Moe moe) implements java.io.Serializable {

    /**
     * DeepSeekMoE: {@code sharedExperts} always-active experts plus {@code routedExperts} of which
     * each token uses the {@code topK} with the highest router affinity; all experts are SwiGLU
     * blocks of width {@code expertIntermediateSize}. The first {@code firstDenseLayers} layers stay
     * dense, as in DeepSeek's models, because routing is unstable on raw embeddings.
     *
     * @param auxLossWeight   alpha of the expert-level balance loss
     * @param normalizeTopK   renormalise the top-k gate values to sum to 1 (DeepSeek-V2 style);
     *                        DeepSeekMoE's paper uses the raw softmax values (false)
     */
    public record Moe(int routedExperts, int topK, int sharedExperts, int expertIntermediateSize,
                      int firstDenseLayers, double auxLossWeight, boolean normalizeTopK) implements java.io.Serializable {
        public static Moe none() {
            return new Moe(0, 0, 0, 0, 0, 0.0, false);
        }

        public boolean enabled() {
            return routedExperts > 0;
        }
    }

    public static final List<String> PRESETS = List.of("tiny", "small", "7b", "7b-moe");

    public ModelConfig {
        require(vocabSize > 0, "vocab-size", vocabSize, "must be positive");
        require(hiddenSize > 0, "hidden-size", hiddenSize, "must be positive");
        require(layers > 0, "layers", layers, "must be positive");
        require(heads > 0 && hiddenSize % heads == 0, "heads", heads, "must divide hidden-size " + hiddenSize);
        require((hiddenSize / heads) % 2 == 0, "heads", heads,
                "must leave an even head width for RoPE (hidden-size / heads = " + hiddenSize / heads + ")");
        require(intermediateSize > 0, "intermediate-size", intermediateSize, "must be positive");
        require(maxPositions > 0, "max-positions", maxPositions, "must be positive");
        require(ropeBase > 1, "rope-base", ropeBase, "must be > 1");
        require(normEps > 0, "norm-eps", normEps, "must be positive");
        require(initStd > 0, "init-std", initStd, "must be positive");
        if (moe.enabled()) {
            require(moe.topK() >= 1 && moe.topK() <= moe.routedExperts(), "moe.top-k", moe.topK(),
                    "must be between 1 and moe.routed-experts (" + moe.routedExperts() + ")");
            require(moe.expertIntermediateSize() > 0, "moe.expert-intermediate-size",
                    moe.expertIntermediateSize(), "must be positive");
            require(moe.sharedExperts() >= 0, "moe.shared-experts", moe.sharedExperts(), "must be >= 0");
            require(moe.firstDenseLayers() >= 0 && moe.firstDenseLayers() <= layers, "moe.first-dense-layers",
                    moe.firstDenseLayers(), "must be between 0 and layers (" + layers + ")");
            require(moe.auxLossWeight() >= 0, "moe.aux-loss-weight", moe.auxLossWeight(), "must be >= 0");
        }
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    /** Whether layer {@code i} (0-based) uses a DeepSeekMoE feed-forward. */
    public boolean isMoeLayer(int i) {
        return moe.enabled() && i >= moe.firstDenseLayers();
    }

    public int moeLayers() {
        int n = 0;
        for (int i = 0; i < layers; i++) {
            n += isMoeLayer(i) ? 1 : 0;
        }
        return n;
    }

    public ModelConfig withVocabSize(int v) {
        return new ModelConfig(name, v, hiddenSize, layers, heads, intermediateSize, maxPositions, ropeBase,
                normEps, initStd, tieEmbeddings, moe);
    }

    public ModelConfig withMaxPositions(int p) {
        return new ModelConfig(name, vocabSize, hiddenSize, layers, heads, intermediateSize, p, ropeBase,
                normEps, initStd, tieEmbeddings, moe);
    }

    public ModelConfig withMoe(Moe m) {
        return new ModelConfig(name, vocabSize, hiddenSize, layers, heads, intermediateSize, maxPositions, ropeBase,
                normEps, initStd, tieEmbeddings, m);
    }

    /** The named preset; see README "Model" for the table. */
    public static ModelConfig preset(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny":
                // A few million parameters: trains on a laptop CPU in minutes. Experts are a quarter
                // of the dense width (DeepSeekMoE's fine-grained segmentation), so a token's
                // active FFN compute (1 shared + top-2 of 16) is 3/4 of a dense layer's.
                return new ModelConfig("tiny", 8192, 256, 4, 4, 704, 1024, 10_000, 1e-5, 0.02, true,
                        new Moe(16, 2, 1, 176, 1, 0.01, false));
            case "small":
                // About 100M parameters with the documents' 52,000-token vocabulary.
                return new ModelConfig("small", 52_000, 512, 8, 8, 1408, 2048, 10_000, 1e-5, 0.02, true,
                        new Moe(16, 2, 1, 352, 1, 0.01, false));
            case "7b":
                // The source documents' 7B trunk; dense, because 16 experts of width 11,008 would be
                // ~70B parameters. "7b-moe" is its DeepSeekMoE counterpart.
                return new ModelConfig("7b", 52_000, 4096, 32, 32, 11_008, 2048, 10_000, 1e-5, 0.02, false,
                        Moe.none());
            case "7b-moe":
                // Same trunk; 2 shared + top-2 of 16 routed experts of width 11,008/4 keep a token's
                // active FFN compute equal to the dense 7B's, as DeepSeekMoE compares them.
                return new ModelConfig("7b-moe", 52_000, 4096, 32, 32, 11_008, 2048, 10_000, 1e-5, 0.02, false,
                        new Moe(16, 2, 2, 2752, 1, 0.001, false));
            default:
                throw new InvalidConfigException("unknown model preset '" + name + "' (known: "
                        + String.join(", ", PRESETS) + ")");
        }
    }

    /**
     * Reads {@code model { preset = tiny, hidden-size = ..., moe { ... } }}: the preset gives every
     * value, each key present overrides it. Unknown keys fail with their full name.
     */
    public static ModelConfig fromSettings(Settings s) {
        ModelConfig p = preset(s.string("preset"));
        Settings m = s.section("moe");
        boolean moeGiven = s.has("moe");
        Moe pm = p.moe();
        Moe moe = new Moe(
                m.integer("routed-experts", pm.routedExperts()),
                m.integer("top-k", pm.topK()),
                m.integer("shared-experts", pm.sharedExperts()),
                m.integer("expert-intermediate-size", pm.expertIntermediateSize()),
                m.integer("first-dense-layers", pm.firstDenseLayers()),
                m.decimal("aux-loss-weight", pm.auxLossWeight()),
                m.bool("normalize-top-k", pm.normalizeTopK()));
        m.requireNoUnknownKeys();
        ModelConfig c;
        try {
            c = new ModelConfig(
                    changed(s, p.name()),
                    s.integer("vocab-size", p.vocabSize()),
                    s.integer("hidden-size", p.hiddenSize()),
                    s.integer("layers", p.layers()),
                    s.integer("heads", p.heads()),
                    s.integer("intermediate-size", p.intermediateSize()),
                    s.integer("max-positions", p.maxPositions()),
                    s.decimal("rope-base", p.ropeBase()),
                    s.decimal("norm-eps", p.normEps()),
                    s.decimal("init-std", p.initStd()),
                    s.bool("tie-embeddings", p.tieEmbeddings()),
                    moeGiven || moe.enabled() ? moe : Moe.none());
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException((s.path().isEmpty() ? "" : s.path() + ".") + e.getMessage(), e);
        }
        s.requireNoUnknownKeys();
        return c;
    }

    /** The config as flat HOCON-style key/values, for manifests and checkpoints. */
    public Map<String, Object> toMap() {
        Map<String, Object> out = new TreeMap<>();
        out.put("name", name);
        out.put("vocab-size", vocabSize);
        out.put("hidden-size", hiddenSize);
        out.put("layers", layers);
        out.put("heads", heads);
        out.put("intermediate-size", intermediateSize);
        out.put("max-positions", maxPositions);
        out.put("rope-base", ropeBase);
        out.put("norm-eps", normEps);
        out.put("init-std", initStd);
        out.put("tie-embeddings", tieEmbeddings);
        Map<String, Object> m = new TreeMap<>();
        m.put("routed-experts", moe.routedExperts());
        m.put("top-k", moe.topK());
        m.put("shared-experts", moe.sharedExperts());
        m.put("expert-intermediate-size", moe.expertIntermediateSize());
        m.put("first-dense-layers", moe.firstDenseLayers());
        m.put("aux-loss-weight", moe.auxLossWeight());
        m.put("normalize-top-k", moe.normalizeTopK());
        out.put("moe", m);
        return out;
    }

    /** The inverse of {@link #toMap()} (numbers may come back from JSON as doubles). */
    public static ModelConfig fromMap(Map<String, ?> m) {
        Map<?, ?> e = (Map<?, ?>) m.get("moe");
        Moe moe = new Moe(num(e, "routed-experts").intValue(), num(e, "top-k").intValue(),
                num(e, "shared-experts").intValue(), num(e, "expert-intermediate-size").intValue(),
                num(e, "first-dense-layers").intValue(), num(e, "aux-loss-weight").doubleValue(),
                Boolean.parseBoolean(String.valueOf(e.get("normalize-top-k"))));
        return new ModelConfig(String.valueOf(m.get("name")), num(m, "vocab-size").intValue(),
                num(m, "hidden-size").intValue(), num(m, "layers").intValue(), num(m, "heads").intValue(),
                num(m, "intermediate-size").intValue(), num(m, "max-positions").intValue(),
                num(m, "rope-base").doubleValue(), num(m, "norm-eps").doubleValue(), num(m, "init-std").doubleValue(),
                Boolean.parseBoolean(String.valueOf(m.get("tie-embeddings"))), moe);
    }

    private static Number num(Map<?, ?> m, String key) {
        Object v = m == null ? null : m.get(key);
        if (v instanceof Number n) {
            return n;
        }
        throw new InvalidConfigException("model config: " + key + " is missing or not a number (" + v + ")");
    }

    private static String changed(Settings s, String preset) {
        for (String key : Set.of("hidden-size", "layers", "heads", "intermediate-size", "moe")) {
            if (s.raw().hasPath(key)) {
                return preset + "+custom";
            }
        }
        return preset;
    }

    private static void require(boolean ok, String key, Object value, String why) {
        if (!ok) {
            throw new InvalidConfigException(key + " = " + value + " " + why);
        }
    }
}
