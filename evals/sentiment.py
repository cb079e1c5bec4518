"""Sentiment figures: Yelp accuracy (must not regress below plain VADER's ~0.82 by more than
0.02) and ROC AUC / balanced accuracy on our own workplace set.

The workplace set (tests/data/workplace_sentiment.tsv, guide in tests/data/LABELLING.md) has a
``dev`` half, used to write the domain layer and to choose the label thresholds, and a ``test``
half that is only reported. Goals are checked on the test half, on its positive vs negative items
(the held-out target is pros vs cons reviews); the stricter three-way figure, with neutral
items, is reported next to it without a goal.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from analysis.sentiment import (
    NEGATIVE_THRESHOLD,
    POSITIVE_THRESHOLD,
    plain_vader_scores,
    score_texts,
)

ROOT = Path(__file__).resolve().parents[1]
YELP = ROOT.parent / "shared" / "fixtures" / "real" / "uci_yelp_labelled.txt"
WORKPLACE = ROOT / "tests" / "data" / "workplace_sentiment.tsv"


def load_yelp() -> pd.DataFrame:
    return pd.read_csv(YELP, sep="\t", header=None, names=["text", "label"], quoting=csv.QUOTE_NONE)


def load_workplace() -> pd.DataFrame:
    return pd.read_csv(WORKPLACE, sep="\t", quoting=csv.QUOTE_NONE, dtype={"text": "str"})


def yelp_accuracy(labels: pd.Series, truth: pd.Series) -> float:
    """Share of sentences whose shown label is "positive" exactly when the truth is 1."""
    return float(((labels == "positive").to_numpy() == (truth == 1).to_numpy()).mean())


def workplace_metrics(scores: pd.DataFrame, truth: pd.Series) -> tuple[float, float, float]:
    """On positive vs negative items (neutral left out, like pros vs cons reviews): ROC AUC of
    compound and balanced accuracy of the shown label (positive vs not positive). Plus the
    stricter three-way balanced accuracy over all items (mean per-class recall)."""
    polar = (truth != "neutral").to_numpy()
    y = (truth[polar] == "positive").to_numpy()
    auc = roc_auc_score(y, scores["compound"].to_numpy()[polar])
    shown = scores["label"].to_numpy()[polar] == "positive"
    bal = balanced_accuracy_score(y, shown)
    bal3 = balanced_accuracy_score(truth.to_numpy(), scores["label"].to_numpy())
    return float(auc), float(bal), float(bal3)


def calibrate(compound: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """Grid search of (positive, negative) thresholds maximising three-way balanced accuracy;
    ties go to the widest plateau's centre. Reported, so the shipped constants can be checked."""
    grid = np.round(np.arange(-0.5, 0.51, 0.05), 2)
    best: list[tuple[float, float, float]] = []
    for tp in grid:
        for tn in grid[grid < tp]:
            lab = np.where(compound >= tp, "positive", np.where(compound <= tn, "negative", "x"))
            lab = np.where(lab == "x", "neutral", lab)
            best.append((balanced_accuracy_score(truth, lab), float(tp), float(tn)))
    top = max(b[0] for b in best)
    plateau = [b for b in best if b[0] >= top - 1e-9]
    tp = float(np.median([b[1] for b in plateau]))
    tn = float(np.median([b[2] for b in plateau]))
    return top, tp, tn


def run() -> list[dict]:
    rows: list[dict] = []
    yelp = load_yelp()
    ours = score_texts(yelp["text"].tolist())
    plain = plain_vader_scores(yelp["text"].tolist())
    yelp_name = f"{YELP.name} (n={len(yelp)})"
    acc = yelp_accuracy(ours["label"], yelp["label"])
    rows.append(_row("sentiment yelp accuracy", acc, 0.80, yelp_name))
    plain_acc = float(((plain["compound"] >= 0.05).to_numpy() == (yelp["label"] == 1)).mean())
    rows.append(_row("sentiment yelp accuracy, plain VADER (c>=0.05)", plain_acc, None, yelp_name))

    work = load_workplace()
    for split in ("dev", "test"):
        part = work[work["split"] == split].reset_index(drop=True)
        name = f"{WORKPLACE.relative_to(ROOT)} [{split}] (n={len(part)})"
        goal_auc, goal_bal = (0.92, 0.82) if split == "test" else (None, None)
        for label, scores in (
            ("", score_texts(part["text"].tolist())),
            (", plain VADER", _plain_labelled(part["text"].tolist())),
        ):
            auc, bal, bal3 = workplace_metrics(scores, part["label"])
            g_auc, g_bal = (goal_auc, goal_bal) if not label else (None, None)
            rows.append(_row(f"sentiment workplace ROC AUC{label} ({split})", auc, g_auc, name))
            rows.append(
                _row(f"sentiment workplace balanced acc{label} ({split})", bal, g_bal, name)
            )
            rows.append(
                _row(f"sentiment workplace 3-way balanced acc{label} ({split})", bal3, None, name)
            )
    dev = work[work["split"] == "dev"]
    _, tp, tn = calibrate(
        score_texts(dev["text"].tolist())["compound"].to_numpy(), dev["label"].to_numpy()
    )
    dev_name = f"{WORKPLACE.relative_to(ROOT)} [dev]"
    rows.append(_row("sentiment calibrated positive threshold (dev)", tp, None, dev_name))
    rows.append(_row("sentiment calibrated negative threshold (dev)", tn, None, dev_name))
    rows.append(_row("sentiment shipped positive threshold", POSITIVE_THRESHOLD, None, "-"))
    rows.append(_row("sentiment shipped negative threshold", NEGATIVE_THRESHOLD, None, "-"))
    return rows


def _plain_labelled(texts: list[str]) -> pd.DataFrame:
    """Plain VADER with its customary +/-0.05 label cut-offs, for comparison."""
    s = plain_vader_scores(texts)
    c = s["compound"]
    s["label"] = np.where(c >= 0.05, "positive", np.where(c <= -0.05, "negative", "neutral"))
    return s


def _row(metric: str, value: float, goal: float | None, dataset: str) -> dict:
    return {
        "metric": metric,
        "value": float(value),
        "goal": goal,
        "op": ">=",
        "passed": goal is None or value >= goal,
        "dataset": dataset,
    }
