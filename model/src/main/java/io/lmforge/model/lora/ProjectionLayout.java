package io.lmforge.model.lora;

import java.util.List;
import java.util.Map;

/**
 * Which LoRA target names live in which of the model's projections. Two projections are fused
 * (see {@code CausalSelfAttention} and {@code SwiGlu}): {@code wqkv} holds q, k and v as three
 * equal row blocks, {@code w13} holds gate and up as two; an adapter on q alone adds its term to
 * q's rows only, exactly as an adapter on Hugging Face's separate {@code q_proj} would. Routed
 * and shared experts are SwiGLUs too, so gate/up/down adapt every expert (as PEFT's
 * {@code target_modules=["gate_proj", ...]} does on a DeepSeek model); the router, the embedding
 * and the head are never adapted.
 */
public final class ProjectionLayout {
    /** Every target name, in the order adapters are laid out. */
    public static final List<String> TARGETS = List.of("q", "k", "v", "o", "gate", "up", "down");

    /** A projection's last name part to the targets it holds, as equal row blocks in this order. */
    static final Map<String, List<String>> SEGMENTS = Map.of(
            "wqkv", List.of("q", "k", "v"),
            "wo", List.of("o"),
            "w13", List.of("gate", "up"),
            "w2", List.of("down"));

    private ProjectionLayout() {
    }
}
