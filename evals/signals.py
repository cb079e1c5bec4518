"""Signal precision and recall on our own labelled sentences, one row per set, signal and metric.

Four sets, all written and labelled by the team (guide: tests/data/LABELLING.md), all in the same
TSV layout. They differ in what the rules have seen, which is what the figures mean:

* ``dev`` (tests/data/signals_labelled.tsv, 216): the rules were developed against all of it
  (its old ``holdout`` part included), so its figures are optimistic.
* ``blind`` (signals_blind.tsv, 185): written before the compositional rules. Checked once on
  the first version, then its errors were used for fixes: now seen.
* ``blind2`` (signals_blind2.tsv, 85): written before those fixes. Checked once, then its
  errors were used for the next fixes: now seen.
* ``blind3`` (signals_blind3.tsv, 81): written before the last change and checked once, on the
  final code. Never tuned on: the only unseen set, so the one that estimates held-out quality.

The goal (precision and recall >= 0.85 for displacement_fear and training_request) is checked on
every set, so ``make eval`` shows where it is missed. The single blind checks as they happened,
as precision/recall for displacement_fear; training_request:

* phrase lists, before: blind 0.83/0.39; 1.00/0.45. blind2 0.78/0.27; 1.00/0.35.
  blind3 0.71/0.20; 1.00/0.18.
* compositional v1 (7c7df8f): blind 0.95/0.76; 1.00/0.93. blind2 0.83/0.38; 1.00/0.78.
* v2, scope fixes (46a4b12): blind2 unchanged from v1. blind3 0.93/0.52; 1.00/0.45.
* v3, final (e981423): blind3 0.94/0.60; 1.00/0.55.

``blind`` was written by the same person just before designing the vocabularies, which is the
likely reason its first check did far better than the fresher sets. Each round recovered the
errors it was shown; the next unseen set still landed near 0.5-0.6 recall, so expect about that on
unseen wording until the rules are tuned on real, labelled survey comments.

**Hybrid (rules + model).** ``python -m evals.signals --train`` fits the sentence-embedding
classifier of ``analysis/signals/model.py`` on dev + blind + blind2 only and writes
``analysis/data/signals_model.json``. C and the threshold are chosen without blind3: leave one of
the three sets out, train on the other two, and take, per signal, the setting with the highest
held-out model recall among those with held-out model precision >= 0.85 (the grid is below).
``run()`` reports every set with the rules alone ("rules") and with the hybrid ("hybrid"); on
dev/blind/blind2 the hybrid figures are fitted, so only blind3 measures it. Disclosure: before
this procedure was fixed, one exploratory look at blind3 compared a few settings by hand; the
shipped setting is the one the procedure picks, not one picked on blind3. blind3 checks of the
hybrid, displacement_fear precision/recall (rules alone 0.94/0.60):

* first hybrid: 0.90/0.68 (one false fear: a negated one the rules had cancelled).
* then the model may no longer overrule sentences the rules cancelled (a change motivated by the
  negation unit tests, not by blind3): 0.94/0.68. This is the shipped version.
* training_request model, same procedure: 0.90/0.82 (rules 1.00/0.55) on blind3, but not adopted
  because it calls "I already know how to use it" a request (see analysis/signals/model.py).
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import embeddings
from analysis.signals import MODEL_FILE, MODEL_SIGNALS, SIGNALS, tag_texts

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "tests" / "data"
SETS = {
    "dev": ("signals_labelled.tsv", "developed on"),
    "blind": ("signals_blind.tsv", "blind, since seen"),
    "blind2": ("signals_blind2.tsv", "blind, since seen"),
    "blind3": ("signals_blind3.tsv", "unseen"),
}
DATA = DATA_DIR / SETS["dev"][0]
GOALS = {"displacement_fear": 0.85, "training_request": 0.85}
TRAIN_SETS = ("dev", "blind", "blind2")
GRID_C = (1.0, 2.0, 4.0, 8.0, 16.0)
GRID_THRESHOLD = (0.5, 0.6, 0.7, 0.8, 0.9)
MIN_CV_PRECISION = 0.85
# Models the hybrid uses. training_request is trained and reported but not adopted: it mistakes
# statements of knowing or having had training for requests (see analysis/signals/model.py).
ADOPTED = ("displacement_fear",)


def load(name: str = "dev") -> pd.DataFrame:
    return pd.read_csv(
        DATA_DIR / SETS[name][0], sep="\t", quoting=csv.QUOTE_NONE, dtype={"text": "str"}
    )


def precision_recall(truth: pd.Series, pred: pd.Series) -> tuple[float, float]:
    """Precision = TP / (TP + FP), recall = TP / (TP + FN); 0 when undefined."""
    t = truth.astype(bool).to_numpy()
    p = pred.astype(bool).to_numpy()
    tp = int((t & p).sum())
    precision = tp / int(p.sum()) if p.sum() else 0.0
    recall = tp / int(t.sum()) if t.sum() else 0.0
    return precision, recall


def _fit(X: np.ndarray, y: np.ndarray, C: float):
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(X, y)


def train() -> dict:
    """Choose C and threshold by leave-one-set-out on the seen sets, then fit on all of them."""
    sets = {name: load(name) for name in TRAIN_SETS}
    X = {name: embeddings.encode(df["text"].tolist()) for name, df in sets.items()}
    out: dict = {
        "model": embeddings.MODEL_NAME,
        "model_sha256": embeddings.CHECKSUMS["model.safetensors"],
        "features": "unit all-MiniLM-L6-v2 sentence embedding (analysis.embeddings.encode)",
        "classifier": "sklearn LogisticRegression, L2, class_weight=balanced, lbfgs",
        "trained_on": {
            f"tests/data/{SETS[n][0]}": hashlib.sha256(
                (DATA_DIR / SETS[n][0]).read_bytes()
            ).hexdigest()
            for n in TRAIN_SETS
        },
        "held_out": f"tests/data/{SETS['blind3'][0]} (never used for training or selection)",
        "selection": (
            "leave one of dev/blind/blind2 out; highest mean held-out model recall among "
            f"settings with mean held-out model precision >= {MIN_CV_PRECISION}"
        ),
        "signals": {},
    }
    for signal in MODEL_SIGNALS:
        best = None
        for C in GRID_C:
            probs = {}
            for test in TRAIN_SETS:
                train_names = [n for n in TRAIN_SETS if n != test]
                clf = _fit(
                    np.vstack([X[n] for n in train_names]),
                    np.concatenate([sets[n][signal].astype(bool).to_numpy() for n in train_names]),
                    C,
                )
                probs[test] = clf.predict_proba(X[test])[:, 1]
            for th in GRID_THRESHOLD:
                pr = [
                    precision_recall(sets[t][signal], pd.Series(probs[t] >= th)) for t in TRAIN_SETS
                ]
                p, r = float(np.mean([x[0] for x in pr])), float(np.mean([x[1] for x in pr]))
                if p >= MIN_CV_PRECISION and (best is None or (r, p) > (best[3], best[2])):
                    best = (C, th, p, r)
        if best is None:
            raise RuntimeError(f"No setting reaches precision {MIN_CV_PRECISION} for {signal}.")
        C, th, p, r = best
        clf = _fit(
            np.vstack([X[n] for n in TRAIN_SETS]),
            np.concatenate([sets[n][signal].astype(bool).to_numpy() for n in TRAIN_SETS]),
            C,
        )
        out["signals"][signal] = {
            "adopted": signal in ADOPTED,
            "C": C,
            "threshold": th,
            "cv_model_precision": round(p, 3),
            "cv_model_recall": round(r, 3),
            "n_train": int(sum(len(sets[n]) for n in TRAIN_SETS)),
            "n_positive": int(sum(sets[n][signal].sum() for n in TRAIN_SETS)),
            "bias": float(clf.intercept_[0]),
            "weights": [round(float(w), 6) for w in clf.coef_[0]],
        }
    return out


def run() -> list[dict]:
    rows = []
    engines = ["rules"] + (["hybrid"] if embeddings.available() else [])
    for name, (filename, status) in SETS.items():
        df = load(name)
        for engine in engines:
            tagged = tag_texts(df["text"].tolist(), engine=engine)
            rows.extend(_rows(df, tagged, name, status, filename, engine))
    return rows


def _rows(
    df: pd.DataFrame, tagged: pd.DataFrame, name: str, status: str, filename: str, engine: str
) -> list[dict]:
    rows = []
    seen = "fitted on" if engine == "hybrid" and name in TRAIN_SETS else status
    dataset = f"tests/data/{filename} [{name}: {seen}] (n={len(df)})"
    for signal in SIGNALS:
        truth = df[signal]
        if not truth.any() or (engine == "hybrid" and signal not in ADOPTED):
            continue
        precision, recall = precision_recall(truth, tagged[signal])
        goal = GOALS.get(signal)
        for metric, value in (("precision", precision), ("recall", recall)):
            rows.append(
                {
                    "metric": f"signals {signal} {metric} ({name}, {engine})",
                    "value": value,
                    "goal": goal,
                    "op": ">=",
                    "passed": goal is None or value >= goal,
                    "dataset": dataset,
                }
            )
    return rows


if __name__ == "__main__":
    if sys.argv[1:] == ["--train"]:
        doc = train()
        MODEL_FILE.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        for sig, m in doc["signals"].items():
            print(sig, {k: v for k, v in m.items() if k != "weights"})
    else:
        for r in run():
            print(f"{r['metric']:<60} {r['value']:.3f}  {r['dataset']}")
