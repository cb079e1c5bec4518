"""Fit the signal classifiers (``analysis/signals/model.py``) on the **dev** splits of the real
labelled sets and write ``analysis/data/signals_classifier.json``.

    python -m evals.train_signals            # fit and write (reads no test row)
    python -m evals.train_signals --check    # refit and compare with the committed file

Data: every ``evals/data/real/<set>/labels.tsv`` row with ``split == dev`` and a 0/1 label for
the signal. One addition, for training only: ``ai_distrust`` and ``ai_trust`` are taken as 0 on
the sets whose guideline says their texts hold no AI (``AI_FREE``; the columns are left empty
there because there is nothing to judge), so the classifiers also see workplace text without AI.
The test splits are never read here.

Features: ``analysis.signals.model.features`` — the unit mean of the comment's sentence
embeddings, its static word-piece vector (``embeddings.static_vectors``: the mean of the model's
input vectors of its word pieces) times ``STATIC_SCALE``, and its rule hits times
``RULE_SCALE`` — computed by the same functions the app uses,
each answer's rules read with its question's AI context (``signals.about_ai``) as ``tag_texts``
reads them (until 2026-12-05 without it: the model met rule hits at run time it never saw).

Fitting: ``analysis.assignment.fit`` (two classes, L2 penalty ``C``, balanced class weights):
a fixed number of accelerated gradient steps on exact integer grids, so the weights are the same
bits on every processor. Per signal, ``C``, the pooling (``POOLING``: the comment's probability,
or the highest of it and each sentence's alone, ``analysis.signals.model.pooled``) and the
threshold are chosen by 5-fold cross-validation on dev, folds grouped by interview (turns of one
interview stay together; for the survey sets each answer is its own group): the (C, pooling,
threshold) with the highest out-of-fold F1; for ``displacement_fear`` only thresholds whose
out-of-fold false-alarm rate on the dev rows of ``FALSE_ALARM_SET`` (workplace text with no fear
in it) is at most 1% are eligible. The model is then refitted on all dev rows with that C. The
out-of-fold counts per set are stored (``cv_by_set``) for the dev rows of ``make eval``
(``evals/real_signals.py``).

Embeddings are cached between runs in ``$CHANGERADAR_SIGNAL_CACHE`` (default
``/tmp/changeradar_signal_embeddings.npz``; sentence SHA-1 -> vector), never committed.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import assignment, embeddings
from analysis.comment_vectors import text_vectors
from analysis.signals import about_ai, config, rules, split_sentences
from analysis.signals import model as M

ROOT = Path(__file__).resolve().parents[1]
REAL_DIR = ROOT / "evals" / "data" / "real"
AI_FREE = ("workplace_feedback", "rse_skills_training")
FALSE_ALARM_SET = "workplace_feedback"
FALSE_ALARM_GOAL = 0.01
RULE_SCALE = 0.5
#: The static word-piece vector beside the encoder's (2026-12-05): which words a comment uses,
#: as well as what its sentences mean. Dev out-of-fold F1 at weights 0 / 0.5 / 1 / 2: training
#: request 0.667 / 0.701 / 0.715 / 0.714, leadership communication 0.580 / 0.584 / 0.597 / 0.613,
#: trust in AI output 0.559 / 0.568 / 0.577 / 0.582; fear, distrust and fatigue within 0.01.
STATIC_SCALE = 1.0
GRID_C = (2.0, 8.0)
POOLING = ("comment", "max")
FOLDS = 5
THRESHOLDS = tuple(round(0.05 + 0.01 * i, 2) for i in range(91))  # 0.05 .. 0.95
CACHE = Path(os.environ.get("CHANGERADAR_SIGNAL_CACHE", "/tmp/changeradar_signal_embeddings.npz"))


def load_dev() -> pd.DataFrame:
    """Dev rows of every real set, with a ``set`` column (test rows are dropped on read)."""
    frames = []
    for path in sorted(REAL_DIR.glob("*/labels.tsv")):
        df = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
        df = df[df["split"] == "dev"].copy()
        df["set"] = path.parent.name
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _key(s: str) -> str:
    return hashlib.sha1(s.encode("utf-8")).hexdigest()


def _cache_key(s: str) -> str:
    """The cache key of a text's vector under this encoder (see ``embeddings.encoder_id``)."""
    return _key(embeddings.encoder_id() + "\0" + s)


def encode_cached(sentences: list[str]) -> np.ndarray:
    """Embeddings of ``sentences`` (exact, so a cached vector equals a fresh one)."""
    cache: dict[str, np.ndarray] = {}
    if CACHE.exists():
        z = np.load(CACHE)
        cache = dict(zip(z["keys"].tolist(), z["X"], strict=True))
    todo = list(dict.fromkeys(s for s in sentences if _cache_key(s) not in cache))
    for start in range(0, len(todo), 512):
        chunk = todo[start : start + 512]
        for s, v in zip(chunk, embeddings.encode(chunk), strict=True):
            cache[_cache_key(s)] = v
        print(f"embedded {start + len(chunk)}/{len(todo)}", file=sys.stderr)
    if todo:
        np.savez(CACHE, keys=np.array(list(cache)), X=np.stack(list(cache.values())))
    return np.stack([cache[_cache_key(s)] for s in sentences]) if sentences else np.zeros((0, 0))


def comment_features(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(unit mean sentence embedding, rule features) per text, by the functions the app uses
    (the sentiment layer's vectors: no static part)."""
    V, R, _ = all_features(texts, static=False)
    return V, R


def all_features(
    texts: list[str], questions: list[str] | None = None, *, static: bool = True
) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(text features, rule features, (sentence features, owner row)) as the app computes them:
    each answer's rules read with its question's AI context (``signals.about_ai``), as
    ``tag_texts`` reads them. Text features are the unit mean sentence embedding followed, when
    ``static`` and ``STATIC_SCALE`` is not 0, by ``STATIC_SCALE`` times the text's static vector
    (so ``M.features(V, R, RULE_SCALE)`` on them is the model's input)."""
    cfg, memo = config(), {}
    in_view = about_ai(questions) if questions is not None else [False] * len(texts)
    sentences = [split_sentences(t) or [t] for t in texts]
    flat = [s for ss in sentences for s in ss]
    E = encode_cached(flat)
    V, start = [], 0
    for ss in sentences:
        V.append(E[start : start + len(ss)])
        start += len(ss)
    hits = [
        rules.tag_text(t, cfg, memo, ai_context=ai) for t, ai in zip(texts, in_view, strict=True)
    ]
    R = np.vstack([M.rule_features(h) for h in hits])
    SR = np.vstack([M._sentence_rules(h, len(ss)) for h, ss in zip(hits, sentences, strict=True)])
    owner = np.repeat(np.arange(len(texts)), [len(ss) for ss in sentences])
    T = text_vectors(V)
    S = M.features(E, SR, RULE_SCALE)
    if static and STATIC_SCALE:
        T = np.hstack([T, STATIC_SCALE * embeddings.static_vectors(texts).astype(np.float64)])
        pieces = embeddings.static_vectors(flat).astype(np.float64)
        S = M.features(E, SR, RULE_SCALE, pieces, STATIC_SCALE)
    return T, R, (S, owner)


def labels(dev: pd.DataFrame, signal: str) -> pd.Series:
    """1.0 / 0.0 / NaN (not labelled) per dev row; AI-free sets count as 0 for AI signals."""
    y = dev[signal].map({"1": 1.0, "0": 0.0})
    if signal in ("ai_distrust", "ai_trust"):
        y[dev["set"].isin(AI_FREE) & y.isna()] = 0.0
    return y


def folds(ids: pd.Series) -> np.ndarray:
    """Fold per row: interview turns ("<interview>-u<n>") share their interview's fold, and one
    respondent's answers to several questions ("datakind2019-r<n>-<question>") theirs."""
    groups = ids.str.replace(r"-u\d+$", "", regex=True)
    groups = groups.str.replace(r"^(datakind2019-r\d+)-\w+$", r"\1", regex=True)
    return np.array([int(_key(g), 16) % FOLDS for g in groups])


def fit(X: np.ndarray, y: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    """(weights on the 2**-20 grid as floats, bias) of a class-balanced logistic model."""
    pos = y.sum()
    w = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * (len(y) - pos)))
    m = assignment.fit(X, y.astype(int), 2, sample_weight=w, C=C)
    # softmax over two classes = logistic of the difference; linear_logistic renormalises x
    # and reads the weights on its own 2**-20 grid, equal to the fitter's _W_GRID
    weights = (m.coef[1] - m.coef[0]) / 2.0**20
    return weights, float(m.intercept[1] - m.intercept[0])


def predict(X: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    from analysis import exact

    return exact.linear_logistic(X, weights[:, None], np.array([bias]))[:, 0]


def f1_at(y: np.ndarray, p: np.ndarray, t: float) -> tuple[float, float, float]:
    on = p >= t
    tp = float((on & (y == 1)).sum())
    fp = float((on & (y == 0)).sum())
    fn = float((~on & (y == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return f1, precision, recall


def choose(signal: str, X: np.ndarray, y: np.ndarray, fold: np.ndarray, fa_rows: np.ndarray,
           sent: tuple[np.ndarray, np.ndarray]):  # fmt: skip
    """(C, pooling, threshold, cv figures, out-of-fold probabilities) with the best out-of-fold
    F1 (see the module docstring). ``sent`` = (sentence features, row of X they belong to)."""
    S, owner = sent
    best, best_oof = None, None
    for C in GRID_C:
        oof = {"comment": np.zeros(len(y)), "max": np.zeros(len(y))}
        for k in range(FOLDS):
            tr, te = fold != k, fold == k
            w, b = fit(X[tr], y[tr], C)
            rows = np.flatnonzero(te)
            oof["comment"][te] = predict(X[te], w, b)
            mine = np.isin(owner, rows)
            top = np.full(len(y), -np.inf)
            np.maximum.at(top, owner[mine], predict(S[mine], w, b))
            oof["max"][te] = np.maximum(oof["comment"][te], top[te])
        for pool in POOLING:
            for t in THRESHOLDS:
                fa = float((oof[pool][fa_rows] >= t).mean()) if fa_rows.any() else 0.0
                if signal == "displacement_fear" and fa > FALSE_ALARM_GOAL:
                    continue
                f1, p, r = f1_at(y, oof[pool], t)
                if best is None or f1 > best[3]["f1"]:
                    best = (C, pool, t, {"f1": f1, "precision": p, "recall": r, "false_alarms": fa})
                    best_oof = oof[pool].copy()
        print(f"{signal} C={C}: best so far {best}", file=sys.stderr)
    return (*best, best_oof)


def by_set(sets: np.ndarray, y: np.ndarray, on: np.ndarray) -> dict:
    """Out-of-fold counts per labelled set, for ``make eval``'s dev rows (evals/real_signals)."""
    out = {}
    for name in sorted(set(sets.tolist())):
        m = sets == name
        tp = int((on[m] & (y[m] == 1)).sum())
        fp = int((on[m] & (y[m] == 0)).sum())
        fn = int((~on[m] & (y[m] == 1)).sum())
        out[name] = {"n": int(m.sum()), "positives": int(y[m].sum()), "tp": tp, "fp": fp, "fn": fn}
    return out


def train() -> dict:
    dev = load_dev()
    V, R, (S, owner) = all_features(dev["text"].tolist(), dev["question"].tolist())
    X = M.features(V, R, RULE_SCALE)
    doc: dict = {
        "encoder": embeddings.MODEL_NAME,
        "encoder_sha256": embeddings.CHECKSUMS["model.safetensors"],
        "encoders": [embeddings.encoder_id()],
        "features": (
            "unit mean of the comment's sentence embeddings (analysis.embeddings.encode), then "
            "static_scale x its static word-piece vector (analysis.embeddings.static_vectors), "
            "then rule_scale x 0/1 rule hits (rule_features); the row is renormalised. Pooling "
            "'max': the signal's probability is the highest of the comment's and each "
            "sentence's alone (its embedding and its own rule hits)"
        ),
        "classifier": (
            "two-class logistic regression, L2, balanced class weights, fitted by "
            "analysis.assignment.fit (exact, processor-independent)"
        ),
        "selection": (
            f"{FOLDS}-fold CV on dev grouped by interview; C in {list(GRID_C)}, pooling in "
            f"{list(POOLING)}; threshold with the best out-of-fold F1 (displacement_fear: "
            "out-of-fold false alarms on "
            f"{FALSE_ALARM_SET} dev <= {FALSE_ALARM_GOAL:.0%})"
        ),
        "trained_on": {
            str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(REAL_DIR.glob("*/labels.tsv"))
        },
        "split_used": "dev only (the test split of every set is held out)",
        "ai_free_sets_as_negatives": list(AI_FREE),
        "rule_features": list(M.RULE_FEATURES),
        "rule_scale": RULE_SCALE,
        "static_scale": STATIC_SCALE,
        "signals": {},
        "cv_by_set": {},
    }
    fold_all = folds(dev["id"])
    for signal in M.MODEL_SIGNALS:
        y_all = labels(dev, signal)
        rows = y_all.notna().to_numpy()
        y = y_all[rows].to_numpy()
        fa_rows = (dev["set"][rows] == FALSE_ALARM_SET).to_numpy() & (y == 0)
        keep = rows[owner]  # sentences of the labelled rows, owner renumbered to X[rows]
        renum = np.cumsum(rows) - 1
        sent = (S[keep], renum[owner[keep]])
        C, pool, t, cv, oof = choose(signal, X[rows], y, fold_all[rows], fa_rows, sent)
        doc["cv_by_set"][signal] = by_set(dev["set"][rows].to_numpy(), y, oof >= t)
        w, b = fit(X[rows], y, C)
        doc["signals"][signal] = {
            "C": C,
            "pooling": pool,
            "threshold": t,
            "n_dev": len(y),
            "n_positive": int(y.sum()),
            "cv": {k: round(v, 3) for k, v in cv.items()},
            "bias": b,
            "weights": [int(v) for v in np.rint(w * 2**20)],
        }
    doc["weights_sha256"] = M.weights_digest(doc)
    return doc


def main(argv: list[str]) -> int:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # small products; threads only contend (and change nothing)
        doc = train()
    text = json.dumps(doc, indent=1) + "\n"
    if argv == ["--check"]:
        same = M.MODEL_FILE.read_text(encoding="utf-8") == text
        print("identical" if same else "DIFFERENT from the committed file")
        return 0 if same else 1
    M.MODEL_FILE.write_text(text, encoding="utf-8")
    for signal, m in doc["signals"].items():
        print(signal, {k: v for k, v in m.items() if k != "weights"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
