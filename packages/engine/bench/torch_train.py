# Plain-PyTorch BERT sequence-classifier training step, the reference for train.bench.ts (prints one JSON line).
#
#   /usr/bin/python3 bench/torch_train.py [--steps N] [--warmup N] [--threads N] [--batch N] [--length N]
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

VOCAB, HIDDEN, LAYERS, HEADS, INTER, MAX_POS, TYPES, LABELS = 30522, 256, 4, 4, 1024, 512, 2, 2
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--length", type=int, default=128)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    model = BertClassifier().train().to(args.device)
    # Decay on matrices only, as the engine does (rank >= 2: linear weights and embedding tables).
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
        lr=2e-5,
        betas=(0.9, 0.999),
        eps=1e-8,
    )
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1, VOCAB, (args.batch, args.length), generator=g)
    mask = torch.ones(args.batch, args.length, dtype=torch.long)
    types = torch.zeros(args.batch, args.length, dtype=torch.long)
    labels = torch.randint(0, LABELS, (args.batch,), generator=g)
    ids, mask, types, labels = (t.to(args.device) for t in (ids, mask, types, labels))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids, mask, types), labels)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return float(loss), float(norm)

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
        "mode": "full",
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
