"""Signal precision and recall on our own labelled sentences (tests/data/signals_labelled.tsv).

The set has two parts: ``dev`` (161 sentences the patterns were developed against) and
``holdout`` (30 sentences written and labelled after the patterns were frozen, never tuned on).
Goals are checked on the whole set; the hold-out figures are reported so the optimism of the dev
part stays visible.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from analysis.signals import SIGNALS, tag_texts

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "signals_labelled.tsv"
GOALS = {"displacement_fear": 0.85, "training_request": 0.85}


def load() -> pd.DataFrame:
    return pd.read_csv(DATA, sep="\t", quoting=csv.QUOTE_NONE, dtype={"text": "str"})


def precision_recall(truth: pd.Series, pred: pd.Series) -> tuple[float, float]:
    """Precision = TP / (TP + FP), recall = TP / (TP + FN); 0 when undefined."""
    t = truth.astype(bool).to_numpy()
    p = pred.astype(bool).to_numpy()
    tp = int((t & p).sum())
    precision = tp / int(p.sum()) if p.sum() else 0.0
    recall = tp / int(t.sum()) if t.sum() else 0.0
    return precision, recall


def run() -> list[dict]:
    df = load()
    tagged = tag_texts(df["text"].tolist())
    rows = []
    parts = {"all": df.index, "holdout": df.index[df["split"] == "holdout"]}
    for part, idx in parts.items():
        name = f"{DATA.relative_to(ROOT)} [{part}] (n={len(idx)})"
        for signal in SIGNALS:
            truth = df.loc[idx, signal]
            if part == "holdout" and not truth.any():
                continue
            precision, recall = precision_recall(truth, tagged.loc[idx, signal])
            goal = GOALS.get(signal) if part == "all" else None
            for metric, value in (("precision", precision), ("recall", recall)):
                rows.append(
                    {
                        "metric": f"signals {signal} {metric} ({part})",
                        "value": value,
                        "goal": goal,
                        "op": ">=",
                        "passed": goal is None or value >= goal,
                        "dataset": name,
                    }
                )
    return rows
