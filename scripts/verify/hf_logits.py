#!/usr/bin/env python3
"""Logits of an exported Hugging Face model directory, in plain torch (no transformers).

Usage: hf_logits.py DIR TOKEN_ID[,TOKEN_ID...]

Reads DIR/config.json and DIR/model.safetensors (parsed by hand: an 8-byte little-endian header
length, a JSON header, raw little-endian data) and runs the forward pass of the architecture
config.json names, written from the Hugging Face reference code:

  LlamaForCausalLM     (model_type llama): RMSNorm, rotate-half RoPE, SwiGLU MLP
  DeepseekForCausalLM  (model_type deepseek, DeepSeekMoE): Llama attention; after the first
                       first_k_dense_replace layers, MoE MLPs: softmax gate, top-k routed experts
                       (renormalised when norm_topk_prob), plus shared experts

Prints {"shape": [T, V], "logits": [[...], ...]} as JSON on stdout. lmforge's export test runs it
and compares with lmforge's own logits (docs/export.md).
"""
import json
import math
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[base + begin:base + end])
        t = torch.frombuffer(raw, dtype=DTYPES[entry["dtype"]]) if raw else torch.zeros(0, dtype=DTYPES[entry["dtype"]])
        tensors[name] = t.reshape(entry["shape"]).to(torch.float32)
    return tensors


def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def mlp(w, prefix, x):
    gate = x @ w[prefix + "gate_proj.weight"].T
    up = x @ w[prefix + "up_proj.weight"].T
    return (torch.nn.functional.silu(gate) * up) @ w[prefix + "down_proj.weight"].T


def moe(w, prefix, x, config):
    experts = config["n_routed_experts"]
    k = config["num_experts_per_tok"]
    scores = (x @ w[prefix + "gate.weight"].T).softmax(dim=-1)            # (T, E)
    top_w, top_i = torch.topk(scores, k, dim=-1, sorted=False)
    if k > 1 and config.get("norm_topk_prob"):
        top_w = top_w / top_w.sum(dim=-1, keepdim=True)
    gates = torch.zeros_like(scores).scatter(1, top_i, top_w)             # (T, E), zero off the top k
    y = torch.zeros_like(x)
    for e in range(experts):
        chosen = gates[:, e] != 0
        if chosen.any():
            y[chosen] += gates[chosen, e:e + 1] * mlp(w, prefix + "experts.%d." % e, x[chosen])
    if config.get("n_shared_experts"):
        y = y + mlp(w, prefix + "shared_experts.", x)
    return y


def forward(w, config, ids):
    d = config["hidden_size"]
    heads = config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads", heads)
    hd = config.get("head_dim") or d // heads
    eps = config["rms_norm_eps"]
    t = len(ids)
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]                 # (T, d)

    inv_freq = 1.0 / (config.get("rope_theta", 10000.0) ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    angles = torch.outer(torch.arange(t, dtype=torch.float64), inv_freq)
    emb = torch.cat((angles, angles), dim=-1)
    cos, sin = emb.cos().to(torch.float32), emb.sin().to(torch.float32)  # (T, hd)
    mask = torch.full((t, t), float("-inf")).triu(1)

    moe_model = config.get("model_type") == "deepseek"
    for i in range(config["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(t, heads, hd).transpose(0, 1)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(t, kv_heads, hd).transpose(0, 1)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(t, kv_heads, hd).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if kv_heads != heads:
            k = k.repeat_interleave(heads // kv_heads, dim=0)
            v = v.repeat_interleave(heads // kv_heads, dim=0)
        scores = q @ k.transpose(1, 2) / math.sqrt(hd) + mask
        a = (scores.softmax(dim=-1) @ v).transpose(0, 1).reshape(t, heads * hd)
        x = x + a @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        if moe_model and i >= config.get("first_k_dense_replace", 0):
            x = x + moe(w, p + "mlp.", h, config)
        else:
            x = x + mlp(w, p + "mlp.", h)
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if config.get("tie_word_embeddings") else w["lm_head.weight"]
    return x @ head.T


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    directory, ids = sys.argv[1], [int(i) for i in sys.argv[2].split(",")]
    with open(directory + "/config.json") as f:
        config = json.load(f)
    if config.get("model_type") not in ("llama", "deepseek"):
        sys.exit("hf_logits.py: model_type %r is not llama or deepseek" % config.get("model_type"))
    torch.set_grad_enabled(False)
    logits = forward(load_safetensors(directory + "/model.safetensors"), config, ids)
    json.dump({"shape": list(logits.shape), "logits": logits.tolist()}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
