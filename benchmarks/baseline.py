"""The naive stack the issue compares against, run on the same file in the same benchmark.

``pandas.read_excel`` with openpyxl (``read_csv`` for CSV), NLTK's VADER applied to each
comment, then TF-IDF and k-means (k = 8) over all comments: what an analyst would write first.
It does less than ChangeRadar (no scoring, privacy, signals, drivers or hot spots), so the
speed ratio it gives is a lower bound.

NLTK's VADER is given the lexicon shipped inside ``vaderSentiment`` (no download): NLTK 3.10
only loads resources found on ``nltk.data.path``, so that package folder is appended to it and
the lexicon named relative to it.
"""

from __future__ import annotations

import resource
import time
from importlib import resources
from pathlib import Path
from typing import Any

N_CLUSTERS = 8


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def comment_headers() -> list[str]:
    """Header texts of the open questions, as the exports show them."""
    from analysis.survey import default_survey

    return [q.text for q in default_survey().open_questions]


def _read(path: Path):
    import pandas as pd

    if path.suffix.lower() == ".xlsx":
        return pd.read_excel(path, engine="openpyxl")
    # Qualtrics CSV: question texts on the second row, ImportIds on the third.
    return pd.read_csv(path, header=1, skiprows=[2], encoding="utf-8-sig", low_memory=False)


def _analyzer():
    import nltk
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    folder = str(resources.files("vaderSentiment"))
    if folder not in nltk.data.path:
        nltk.data.path.append(folder)
    return SentimentIntensityAnalyzer(lexicon_file="vader_lexicon.txt")


def run_baseline(path: Path, *, random_state: int = 0) -> dict[str, Any]:
    """Time each step of the naive stack; returns stage seconds and what was processed."""
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    stages: dict[str, float] = {}
    c0 = _cpu()
    t0 = time.perf_counter()
    frame = _read(Path(path))
    stages["read"] = time.perf_counter() - t0

    t = time.perf_counter()
    headers = [h for h in comment_headers() if h in frame.columns]
    if not headers:
        raise ValueError(f"No comment columns found in {path}; expected {comment_headers()}.")
    comments = [
        str(v) for h in headers for v in frame[h].tolist() if isinstance(v, str) and v.strip()
    ]
    sia = _analyzer()
    compound = np.array([sia.polarity_scores(c)["compound"] for c in comments])
    stages["sentiment"] = time.perf_counter() - t

    t = time.perf_counter()
    matrix = TfidfVectorizer().fit_transform(comments)
    stages["tfidf"] = time.perf_counter() - t

    t = time.perf_counter()
    labels = KMeans(n_clusters=N_CLUSTERS, random_state=random_state).fit_predict(matrix)
    stages["kmeans"] = time.perf_counter() - t

    total = time.perf_counter() - t0
    cpu = _cpu() - c0
    return {
        "stage_seconds": {k: round(v, 3) for k, v in stages.items()},
        "total_seconds": round(total, 3),
        "total_cpu_seconds": round(cpu, 3),
        "rows": len(frame),
        "comments": len(comments),
        "mean_compound": round(float(compound.mean()), 4) if len(compound) else None,
        "cluster_sizes": np.bincount(labels, minlength=N_CLUSTERS).tolist(),
    }
