"""REAL DATA: comment themes against human theme codes on real, openly licensed comments.

For each set with a ``themes.tsv`` (``evals/data/real/<set>/``; coding guideline in
``THEMES_GUIDELINE.md`` beside it), all comments of the set (2,055 interview answers; 2,675
staff comments, as one survey export would give them) are themed with default parameters and
no codes, and the themes are scored on the human-coded **test** rows only against the main
theme code:

* ChangeRadar: ``ThemeModel`` (semantic engine) with the built-in AI change codebook
  (``surveys/codebook_ai_change.yaml``): guided concerns first, the rest discovered; broad
  themes and the leaves (sub-themes where a theme is split);
* baseline: plain all-MiniLM-L6-v2 embeddings + spherical k-means at a fixed k (the issue's
  k: 15 for AI answers, 8 for staff comments).

NMI (arithmetic normalisation; Strehl & Ghosh 2002, JMLR 3:583-617) and ARI (Hubert & Arabie
1985, J. Classification 2:193-218), scikit-learn's implementations. Goals from issue 15:
AI-at-work answers NMI >= 0.45; staff comments NMI >= 0.50 with at least 8 themes.

Embeddings are cached under ``$CHANGERADAR_EVAL_CACHE`` (default /tmp/changeradar_eval_cache),
keyed by the SHA-256 of each text, so a second run costs seconds; the cache is never committed.
Tuning (the concern threshold, granularity) used the dev rows only (``run(split="dev")``).

Figures (2026-12-02, codebook as shipped; NMI of broad themes / of sub-themes (leaves) /
baseline):

* ai_at_work_interviews, 18 themes, 33 leaves: dev 0.33 / 0.37 / 0.35 (k=15);
  test 0.38 / 0.41 / 0.40. Goal 0.45 missed. Zero-shot matching of these long interview
  answers to the codebook is right for under half of the dev answers it assigns (0.48); the
  baseline's 15 clusters follow the data about as well as 11 fixed concerns plus discovery.
* workplace_feedback, 13 themes, 36 leaves: dev 0.42 / 0.50 / 0.39 (k=8); test 0.40 / 0.49 /
  0.39. Goal 0.50 missed (0.49 with sub-themes); at least 8 themes met.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from analysis import clustering, embeddings
from analysis.themes import ThemeModel, default_codebook

ROOT = Path(__file__).resolve().parents[1]
REAL_DIR = ROOT / "evals" / "data" / "real"
CACHE = Path(os.environ.get("CHANGERADAR_EVAL_CACHE", "/tmp/changeradar_eval_cache"))
#: set -> (NMI goal, minimum number of themes, baseline k), from issue 15.
GOALS = {
    "ai_at_work_interviews": (0.45, None, 15),
    "workplace_feedback": (0.50, 8, 8),
}


def load(name: str) -> pd.DataFrame:
    """All comments of the set: id, text, split, theme, theme2 ("" where not coded)."""
    kw = {"sep": "\t", "quoting": csv.QUOTE_NONE, "dtype": str, "keep_default_na": False}
    labels = pd.read_csv(REAL_DIR / name / "labels.tsv", **kw)[["id", "text", "split"]]
    themes = pd.read_csv(REAL_DIR / name / "themes.tsv", **kw)
    out = labels.merge(themes, on="id", how="left", validate="one_to_one")
    return out.fillna({"theme": "", "theme2": ""})


@contextlib.contextmanager
def cached_encoder(folder: Path = CACHE) -> Iterator[None]:
    """``embeddings.encode`` with an on-disk cache keyed by each text's SHA-256."""
    real = embeddings.encode
    folder.mkdir(parents=True, exist_ok=True)

    def encode(texts, **kw):
        texts = [str(t) for t in texts]
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        missing = [i for i, k in enumerate(keys) if not (folder / f"{k}.npy").exists()]
        if missing:
            fresh = real([texts[i] for i in missing], **kw)
            for i, v in zip(missing, fresh, strict=True):
                np.save(folder / f"{keys[i]}.npy", v)
        if not texts:
            return real(texts, **kw)
        return np.stack([np.load(folder / f"{k}.npy") for k in keys]).astype(np.float32)

    with mock.patch.object(embeddings, "encode", encode):
        yield


def _row(metric: str, value: float, dataset: str, goal: float | None = None) -> dict:
    return {
        "metric": metric,
        "value": float(value),
        "goal": goal,
        "op": ">=",
        "passed": True if goal is None else bool(value >= goal),
        "dataset": dataset,
    }


def score(name: str, split: str = "test", **params: object) -> dict:
    """NMI/ARI of ChangeRadar's themes and of the baseline on one set's ``split`` rows."""
    data = load(name)
    texts = data["text"].tolist()
    keep = ((data["split"] == split) & (data["theme"] != "")).to_numpy()
    truth = data["theme"].to_numpy()[keep]
    model = ThemeModel(random_state=0, engine="semantic", codebook=default_codebook(), **params)
    model.fit(texts)
    broad = model.labels_[keep]
    all_leaves = np.where(model.sublabels_ >= 0, 1000 + model.sublabels_, model.labels_)
    leaf = all_leaves[keep]
    k_base = GOALS.get(name, (None, None, 12))[2]
    base = clustering.spherical_kmeans(embeddings.encode(texts), k_base, random_state=0).labels
    base = base[keep]
    return {
        "n": int(keep.sum()),
        "n_themes": int(model.n_themes_),
        "n_leaves": len(np.unique(all_leaves[model.labels_ >= 0])),
        "guided": float(np.mean([model.kinds_.get(int(t)) == "guided" for t in broad])),
        "nmi": normalized_mutual_info_score(truth, broad),
        "ari": adjusted_rand_score(truth, broad),
        "nmi_leaf": normalized_mutual_info_score(truth, leaf),
        "nmi_base": normalized_mutual_info_score(truth, base),
        "ari_base": adjusted_rand_score(truth, base),
        "k_base": k_base,
        "model": model,
    }


def run(split: str = "test") -> list[dict]:
    if not embeddings.available():
        return []
    rows = []
    with cached_encoder():
        for name, (goal, min_themes, _) in GOALS.items():
            if not (REAL_DIR / name / "themes.tsv").exists():
                continue
            s = score(name, split)
            data = f"REAL DATA {name} ({split} split, {s['n']} human-coded comments)"
            ok_count = min_themes is None or s["n_themes"] >= min_themes
            rows.append(
                _row(f"themes NMI (guided + discovered, {s['n_themes']})", s["nmi"], data, goal)
            )
            if min_themes is not None:
                rows.append(_row("themes count", s["n_themes"], data, float(min_themes)))
                rows[-1]["passed"] = ok_count
            rows.append(_row("themes ARI (guided + discovered)", s["ari"], data))
            rows.append(
                _row(f"themes NMI, sub-themes ({s['n_leaves']} leaves)", s["nmi_leaf"], data)
            )
            rows.append(
                _row(f"baseline MiniLM + k-means NMI (k={s['k_base']})", s["nmi_base"], data)
            )
            rows.append(
                _row(f"baseline MiniLM + k-means ARI (k={s['k_base']})", s["ari_base"], data)
            )
    return rows


def main() -> int:
    split = sys.argv[1] if len(sys.argv) > 1 else "test"
    for r in run(split):
        goal = f">= {r['goal']:.2f}" if r["goal"] is not None else "-"
        status = "ok" if r["passed"] else "MISS"
        print(f"{r['metric']:<48} {r['value']:7.3f} {goal:>8} {status:<5} {r['dataset']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
