"""Signal precision and recall on our own labelled sentences (tests/data/signals_labelled.tsv)."""

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
    name = f"{DATA.relative_to(ROOT)} (n={len(df)})"
    for signal in SIGNALS:
        precision, recall = precision_recall(df[signal], tagged[signal])
        goal = GOALS.get(signal)
        for metric, value in (("precision", precision), ("recall", recall)):
            rows.append(
                {
                    "metric": f"signals {signal} {metric}",
                    "value": value,
                    "goal": goal,
                    "op": ">=",
                    "passed": goal is None or value >= goal,
                    "dataset": name,
                }
            )
    return rows
