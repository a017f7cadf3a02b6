# Plain-PyTorch training step, the reference for train.bench.ts (prints one JSON line).
#
#   /usr/bin/python3 bench/torch_train.py [--steps N] [--warmup N] [--threads N] [--batch N] [--length N]
#                                         [--device cpu|cuda] [--model bert-small|bert-base|llama-1b]
#                                         [--strategy full|lora] [--precision fp32|fp16|bf16] [--tiny]
#
# --precision fp16 or bf16 trains with torch.amp (autocast; GradScaler for float16), float32 weights.
# --model llama-1b and --strategy lora are GPU issue 13's: see the block below the BERT model.
#
# An independent implementation of the architecture train.bench.ts builds (post-LN BERT, GELU erf,
# word + position + token-type embeddings with LayerNorm, tanh pooler, linear classifier, dropout 0.1,
# train mode), trained with torch.optim.AdamW and clip_grad_norm_ on random tokens and labels.

import argparse
import json
import math
import os
import resource
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

VOCAB, HIDDEN, LAYERS, HEADS, INTER, MAX_POS, TYPES, LABELS = 30522, 256, 4, 4, 1024, 512, 2, 2  # bert-small
DROPOUT, EPS, INIT_STD = 0.1, 1e-12, 0.02


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)
        self.attn_out = nn.Linear(HIDDEN, HIDDEN)
        self.attn_norm = nn.LayerNorm(HIDDEN, eps=EPS)
        self.inter = nn.Linear(HIDDEN, INTER)
        self.out = nn.Linear(INTER, HIDDEN)
        self.out_norm = nn.LayerNorm(HIDDEN, eps=EPS)

    def heads(self, x):
        b, t, _ = x.shape
        return x.view(b, t, HEADS, HIDDEN // HEADS).transpose(1, 2)  # (B, H, T, D)

    def forward(self, x, mask_bias):
        b, t, _ = x.shape
        q, k, v = self.heads(self.query(x)), self.heads(self.key(x)), self.heads(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(HIDDEN // HEADS) + mask_bias
        probs = F.dropout(scores.softmax(-1), DROPOUT, self.training)
        ctx = (probs @ v).transpose(1, 2).reshape(b, t, HIDDEN)
        attended = self.attn_norm(F.dropout(self.attn_out(ctx), DROPOUT, self.training) + x)
        inner = F.gelu(self.inter(attended))  # erf GELU
        return self.out_norm(F.dropout(self.out(inner), DROPOUT, self.training) + attended)


class BertClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.words = nn.Embedding(VOCAB, HIDDEN, padding_idx=0)
        self.positions = nn.Embedding(MAX_POS, HIDDEN)
        self.types = nn.Embedding(TYPES, HIDDEN)
        self.emb_norm = nn.LayerNorm(HIDDEN, eps=EPS)
        self.layers = nn.ModuleList([Layer() for _ in range(LAYERS)])
        self.pooler = nn.Linear(HIDDEN, HIDDEN)
        self.classifier = nn.Linear(HIDDEN, LABELS)
        for m in self.modules():  # transformers' _init_weights
            if isinstance(m, nn.Linear):
                m.weight.data.normal_(0.0, INIT_STD)
                m.bias.data.zero_()
            elif isinstance(m, nn.Embedding):
                m.weight.data.normal_(0.0, INIT_STD)
                if m.padding_idx is not None:
                    m.weight.data[m.padding_idx].zero_()
            elif isinstance(m, nn.LayerNorm):
                m.weight.data.fill_(1.0)
                m.bias.data.zero_()

    def forward(self, ids, mask, types):
        t = ids.shape[1]
        pos = torch.arange(t, device=ids.device).unsqueeze(0)
        h = self.emb_norm(self.words(ids) + self.positions(pos) + self.types(types))
        h = F.dropout(h, DROPOUT, self.training)
        mask_bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            h = layer(h, mask_bias)
        pooled = torch.tanh(self.pooler(h[:, 0]))
        return self.classifier(F.dropout(pooled, DROPOUT, self.training))


# --- GPU issue 13: bert-base, a Llama causal LM (Hugging Face's LlamaForCausalLM layout) and LoRA ---

BERT_SIZES = {"bert-small": (256, 4, 4, 1024), "bert-base": (768, 12, 12, 3072)}  # hidden, layers, heads, intermediate
LLAMA_1B = dict(vocab=32000, hidden=2048, inter=5632, layers=22, heads=32, kv_heads=4, eps=1e-5, theta=10000.0)
TINY = dict(vocab=512, hidden=64, inter=128, layers=2, heads=4)  # train-models.ts's --tiny


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(x.dtype)


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class LlamaLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden"] // c["heads"]
        self.c, self.d = c, d
        self.q_proj = nn.Linear(c["hidden"], c["heads"] * d, bias=False)
        self.k_proj = nn.Linear(c["hidden"], c["kv_heads"] * d, bias=False)
        self.v_proj = nn.Linear(c["hidden"], c["kv_heads"] * d, bias=False)
        self.o_proj = nn.Linear(c["heads"] * d, c["hidden"], bias=False)
        self.gate_proj = nn.Linear(c["hidden"], c["inter"], bias=False)
        self.up_proj = nn.Linear(c["hidden"], c["inter"], bias=False)
        self.down_proj = nn.Linear(c["inter"], c["hidden"], bias=False)
        self.input_layernorm = RMSNorm(c["hidden"], c["eps"])
        self.post_attention_layernorm = RMSNorm(c["hidden"], c["eps"])

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        c, d = self.c, self.d
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, t, c["heads"], d).transpose(1, 2)
        k = self.k_proj(h).view(b, t, c["kv_heads"], d).transpose(1, 2)
        v = self.v_proj(h).view(b, t, c["kv_heads"], d).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = c["heads"] // c["kv_heads"]
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # what transformers uses by default
        x = x + self.o_proj(att.transpose(1, 2).reshape(b, t, c["heads"] * d))
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class LlamaLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab"], c["hidden"])
        self.layers = nn.ModuleList([LlamaLayer(c) for _ in range(c["layers"])])
        self.norm = RMSNorm(c["hidden"], c["eps"])
        self.lm_head = nn.Linear(c["hidden"], c["vocab"], bias=False)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                m.weight.data.normal_(0.0, INIT_STD)

    def forward(self, ids, labels):
        t, d = ids.shape[1], self.c["hidden"] // self.c["heads"]
        inv = 1.0 / self.c["theta"] ** (torch.arange(0, d, 2, device=ids.device).float() / d)
        angles = torch.outer(torch.arange(t, device=ids.device).float(), inv)
        emb = torch.cat((angles, angles), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        h = self.embed_tokens(ids)
        for layer in self.layers:
            h = layer(h, cos.to(h.dtype), sin.to(h.dtype))
        logits = self.lm_head(self.norm(h))
        return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(), labels[:, 1:].reshape(-1))


class LoraLinear(nn.Module):
    """PEFT's LoRA: base(x) + (alpha / r) B A x, A ~ kaiming_uniform(a=sqrt(5)), B = 0, alpha = 2r."""

    def __init__(self, base, r):
        super().__init__()
        self.base = base
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.scale = 2.0

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.t() @ self.lora_B.t()) * self.scale


def apply_lora(model, r=16):
    """LoRA on every linear layer but the head; the base is frozen and a classifier head trains in full."""
    for p in model.parameters():
        p.requires_grad_(False)
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Linear) and name not in ("lm_head", "classifier"):
                setattr(parent, name, LoraLinear(child, r))
    if hasattr(model, "classifier"):
        for p in model.classifier.parameters():
            p.requires_grad_(True)


def build(args):
    """The model and a step's loss function for --model, sized by --tiny."""
    global VOCAB, HIDDEN, LAYERS, HEADS, INTER
    if args.model == "llama-1b":
        c = {**LLAMA_1B, **(dict(TINY, kv_heads=2) if args.tiny else {})}
        return LlamaLM(c), c["vocab"], "causal-lm"
    HIDDEN, LAYERS, HEADS, INTER = BERT_SIZES[args.model]
    if args.tiny:
        VOCAB, HIDDEN, LAYERS, HEADS, INTER = TINY["vocab"], TINY["hidden"], TINY["layers"], TINY["heads"], TINY["inter"]
    return BertClassifier(), VOCAB, "sequence-classification"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--length", type=int, default=128)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--model", choices=["bert-small", "bert-base", "llama-1b"], default="bert-small")
    ap.add_argument("--strategy", choices=["full", "lora"], default="full")
    ap.add_argument("--precision", choices=["fp32", "fp16", "bf16"], default="fp32")
    ap.add_argument("--tiny", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    model, vocab, task = build(args)
    if args.strategy == "lora":
        apply_lora(model)
    model = model.train().to(args.device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    # Decay on matrices only, as the engine does (rank >= 2: linear weights and embedding tables).
    decay = [p for p in trainable if p.dim() >= 2]
    rest = [p for p in trainable if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
        lr=2e-4 if args.strategy == "lora" else 2e-5,
        betas=(0.9, 0.999),
        eps=1e-8,
    )
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1, vocab, (args.batch, args.length), generator=g)
    mask = torch.ones(args.batch, args.length, dtype=torch.long)
    types = torch.zeros(args.batch, args.length, dtype=torch.long)
    labels = ids.roll(-1, 1) if task == "causal-lm" else torch.randint(0, LABELS, (args.batch,), generator=g)
    ids, mask, types, labels = (t.to(args.device) for t in (ids, mask, types, labels))
    half = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(args.precision)
    # GradScaler for float16 only, as torch.amp's recipe has it (bfloat16 has float32's range).
    scaler = torch.amp.GradScaler(args.device, enabled=args.precision == "fp16")

    def loss_of():
        if task == "causal-lm":
            return model(ids, labels)
        return F.cross_entropy(model(ids, mask, types).float(), labels)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(args.device, dtype=half or torch.float32, enabled=half is not None):
            loss = loss_of()
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        norm = torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        scaler.step(opt)
        scaler.update()
        return float(loss.detach()), float(norm)

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    step_s = statistics.median(times)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    line = {
        "impl": "torch",
        "mode": args.strategy,
        "model": args.model,
        "precision": "fp32" if half is None else f"amp-{args.precision}",
        "tokens_per_s": round(args.batch * args.length / step_s, 1),
        "step_s": round(step_s, 4),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }
    if args.device == "cuda":
        line["device"] = torch.cuda.get_device_name()
        line["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    print(json.dumps(line, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
