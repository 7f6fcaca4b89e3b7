package io.lmforge.model.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lmforge.model.ModelConfig;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.model.checkpoint.CheckpointModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint as a Hugging Face model directory (see docs/export.md):
 *
 * <ul>
 *   <li>dense models: {@code LlamaForCausalLM} ({@code model_type: llama});</li>
 *   <li>MoE models: {@code DeepseekForCausalLM} ({@code model_type: deepseek}, DeepSeekMoE 16B's
 *       layout: Llama attention, {@code mlp.gate}, {@code mlp.experts.N}, {@code mlp.shared_experts}
 *       — the MoE tensor names DeepSeek-V2/V3 keep; their multi-head latent attention cannot hold
 *       lmforge's plain multi-head attention, so V2/V3 configs would not be the same model).</li>
 * </ul>
 *
 * The fused projections are split: {@code wqkv} into {@code q_proj, k_proj, v_proj} (rows
 * [0, d), [d, 2d), [2d, 3d)), {@code w13} into {@code gate_proj, up_proj}. RoPE needs no
 * permutation: lmforge rotates halves, as Hugging Face's Llama does.
 */
public final class HuggingFaceExport {
    public static final String WEIGHTS = "model.safetensors";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private HuggingFaceExport() {
    }

    /** Writes config.json, model.safetensors, tokenizer.json, tokenizer_config.json and generation_config.json into {@code out}. */
    public static void export(CheckpointModel checkpoint, Path out) throws IOException {
        if (checkpoint.quantization() != null) {
            throw new IllegalArgumentException(checkpoint.directory() + " is quantized (" + checkpoint.quantization()
                    + "); export the float32 checkpoint it was made from (its state.json names it as quantized_from)");
        }
        Files.createDirectories(out);
        ModelConfig c = checkpoint.config();
        Map<String, Parameter> params = checkpoint.model().namedParameters();
        List<SafeTensors.Tensor> tensors = tensors(c, params);
        SafeTensors.write(out.resolve(WEIGHTS), tensors, Map.of("format", "pt",
                "lmforge_checkpoint", checkpoint.directory().toString()));
        Map<String, Integer> special = checkpoint.specialTokens();
        Files.writeString(out.resolve("config.json"), GSON.toJson(config(c, special)) + "\n");
        byte[] tokenizer = Files.readAllBytes(checkpoint.directory().resolve(CheckpointFiles.TOKENIZER));
        Files.write(out.resolve(CheckpointFiles.TOKENIZER), tokenizer);
        Files.writeString(out.resolve(CheckpointFiles.TOKENIZER_CONFIG),
                GSON.toJson(tokenizerConfig(checkpoint.directory(), tokenizer, special, c)) + "\n");
        Map<String, Object> generation = new LinkedHashMap<>();
        generation.put("bos_token_id", special.getOrDefault("bos", 0));
        generation.put("eos_token_id", special.getOrDefault("eos", 1));
        generation.put("pad_token_id", special.getOrDefault("pad", 2));
        generation.put("do_sample", true);
        generation.put("temperature", 0.7);
        generation.put("top_p", 0.92);
        generation.put("repetition_penalty", 1.2);
        Files.writeString(out.resolve("generation_config.json"), GSON.toJson(generation) + "\n");
    }

    /** The Hugging Face tensors, in layer order; every lmforge parameter goes into exactly one or is split. */
    static List<SafeTensors.Tensor> tensors(ModelConfig c, Map<String, Parameter> params) {
        List<SafeTensors.Tensor> out = new ArrayList<>();
        Set<String> used = new HashSet<>();
        int d = c.hiddenSize();
        out.add(t("model.embed_tokens.weight", take(params, "embed.weight", used)));
        for (int i = 0; i < c.layers(); i++) {
            String l = "layers." + i + ".";
            String h = "model.layers." + i + ".";
            out.add(t(h + "input_layernorm.weight", take(params, l + "attn_norm.weight", used)));
            NDArray qkv = take(params, l + "attn.wqkv.weight", used);
            out.add(t(h + "self_attn.q_proj.weight", rows(qkv, 0, d)));
            out.add(t(h + "self_attn.k_proj.weight", rows(qkv, d, 2 * d)));
            out.add(t(h + "self_attn.v_proj.weight", rows(qkv, 2 * d, 3 * d)));
            out.add(t(h + "self_attn.o_proj.weight", take(params, l + "attn.wo.weight", used)));
            out.add(t(h + "post_attention_layernorm.weight", take(params, l + "ffn_norm.weight", used)));
            if (c.isMoeLayer(i)) {
                out.add(t(h + "mlp.gate.weight", take(params, l + "moe.router.weight", used)));
                for (int e = 0; e < c.moe().routedExperts(); e++) {
                    swiGlu(out, params, used, l + "moe.experts." + e + ".", h + "mlp.experts." + e + ".");
                }
                if (c.moe().sharedExperts() > 0) {
                    swiGlu(out, params, used, l + "moe.shared.", h + "mlp.shared_experts.");
                }
            } else {
                swiGlu(out, params, used, l + "ffn.", h + "mlp.");
            }
        }
        out.add(t("model.norm.weight", take(params, "norm.weight", used)));
        if (!c.tieEmbeddings()) {
            out.add(t("lm_head.weight", take(params, "head.weight", used)));
        }
        Set<String> left = new HashSet<>(params.keySet());
        left.removeAll(used);
        if (!left.isEmpty()) {
            throw new IllegalStateException("parameters without a Hugging Face name: " + left);
        }
        return out;
    }

    private static void swiGlu(List<SafeTensors.Tensor> out, Map<String, Parameter> params, Set<String> used, String from,
                               String to) {
        NDArray w13 = take(params, from + "w13.weight", used);
        long inter = w13.getShape().get(0) / 2;
        out.add(t(to + "gate_proj.weight", rows(w13, 0, inter)));
        out.add(t(to + "up_proj.weight", rows(w13, inter, 2 * inter)));
        out.add(t(to + "down_proj.weight", take(params, from + "w2.weight", used)));
    }

    private static NDArray take(Map<String, Parameter> params, String name, Set<String> used) {
        Parameter p = params.get(name);
        if (p == null) {
            throw new IllegalStateException("the model has no parameter " + name);
        }
        used.add(name);
        return p.getArray();
    }

    private static NDArray rows(NDArray a, long from, long to) {
        return a.get(new NDIndex("{}:{}, :", from, to));
    }

    private static SafeTensors.Tensor t(String name, NDArray a) {
        return new SafeTensors.Tensor(name, a);
    }

    static Map<String, Object> config(ModelConfig c, Map<String, Integer> special) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean moe = c.moe().enabled();
        m.put("architectures", List.of(moe ? "DeepseekForCausalLM" : "LlamaForCausalLM"));
        m.put("model_type", moe ? "deepseek" : "llama");
        m.put("vocab_size", c.vocabSize());
        m.put("hidden_size", c.hiddenSize());
        m.put("intermediate_size", c.intermediateSize());
        m.put("num_hidden_layers", c.layers());
        m.put("num_attention_heads", c.heads());
        m.put("num_key_value_heads", c.heads());
        m.put("head_dim", c.headDim());
        m.put("hidden_act", "silu");
        m.put("max_position_embeddings", c.maxPositions());
        m.put("rope_theta", c.ropeBase());
        m.put("rope_scaling", null);
        m.put("rms_norm_eps", c.normEps());
        m.put("initializer_range", c.initStd());
        m.put("tie_word_embeddings", c.tieEmbeddings());
        m.put("attention_bias", false);
        m.put("attention_dropout", 0.0);
        m.put("mlp_bias", false);
        m.put("bos_token_id", special.getOrDefault("bos", 0));
        m.put("eos_token_id", special.getOrDefault("eos", 1));
        m.put("pad_token_id", special.getOrDefault("pad", 2));
        m.put("torch_dtype", "float32");
        m.put("use_cache", true);
        if (moe) {
            ModelConfig.Moe e = c.moe();
            m.put("n_routed_experts", e.routedExperts());
            m.put("n_shared_experts", e.sharedExperts() > 0 ? e.sharedExperts() : null);
            m.put("num_experts_per_tok", e.topK());
            m.put("moe_intermediate_size", e.expertIntermediateSize());
            m.put("first_k_dense_replace", e.firstDenseLayers());
            m.put("moe_layer_freq", 1);
            m.put("norm_topk_prob", e.normalizeTopK());
            m.put("scoring_func", "softmax");
            m.put("aux_loss_alpha", e.auxLossWeight());
            m.put("seq_aux", false);
        }
        m.put("lmforge_model", c.toMap());
        return m;
    }

    /** The checkpoint's tokenizer_config.json if any, with the special tokens' strings and the context length. */
    private static Map<String, Object> tokenizerConfig(Path checkpoint, byte[] tokenizerJson, Map<String, Integer> special,
                                                       ModelConfig c) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        Path existing = checkpoint.resolve(CheckpointFiles.TOKENIZER_CONFIG);
        if (Files.exists(existing)) {
            JsonElement e = JsonParser.parseString(Files.readString(existing));
            if (e.isJsonObject()) {
                for (Map.Entry<String, JsonElement> kv : e.getAsJsonObject().entrySet()) {
                    m.put(kv.getKey(), kv.getValue());
                }
            }
        }
        Map<Integer, String> byId = new LinkedHashMap<>();
        JsonObject tok = JsonParser.parseString(new String(tokenizerJson, java.nio.charset.StandardCharsets.UTF_8))
                .getAsJsonObject();
        if (tok.has("added_tokens") && tok.get("added_tokens").isJsonArray()) {
            for (JsonElement a : tok.getAsJsonArray("added_tokens")) {
                JsonObject o = a.getAsJsonObject();
                byId.put(o.get("id").getAsInt(), o.get("content").getAsString());
            }
        }
        for (String role : List.of("bos", "eos", "pad", "unk")) {
            Integer id = special.get(role);
            if (id != null && byId.containsKey(id)) {
                m.put(role + "_token", byId.get(id));
            }
        }
        m.putIfAbsent("tokenizer_class", "PreTrainedTokenizerFast");
        m.put("model_max_length", c.maxPositions());
        m.putIfAbsent("clean_up_tokenization_spaces", false);
        return m;
    }
}
