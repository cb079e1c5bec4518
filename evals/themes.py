"""Theme recovery on short texts from several domains: does the default engine find topics?

Data: the UCI Yelp sentences (restaurants, real, ../shared/fixtures/real) plus our own labelled
gadget, movie and workplace/AI sentences (tests/data/themes_labelled.tsv; see THEMES_DATA.md).
Every domain mixes positive and negative sentences about equally, so tone cannot separate them.
The goal (ARI >= 0.45) is on the default engine (``ThemeModel()``: semantic when installed,
else lexical); the lexical engine is reported beside it. Also: the sample survey's comments
against their planted topics (sample_data/comment_topics.csv), one topic per comment, all of them
about AI at work, where both engines recover the topics only partly.

Since issue 15 the semantic engine sets the number of themes from the amount of text (about
11 for 1,000 comments), not by silhouette: "k auto" splits each of the three domains into two
or three themes (food, service; battery, screen...), which ARI against the three domains counts
as errors (2026-12-02: 7 themes, ARI 0.41 against 0.77 with k given).
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from analysis.themes import ThemeModel

ROOT = Path(__file__).resolve().parents[1]
YELP = ROOT.parent / "shared" / "fixtures" / "real" / "uci_yelp_labelled.txt"
LABELLED = ROOT / "tests" / "data" / "themes_labelled.tsv"
YELP_SAMPLE = 160  # about the size of each of our own domains, so no domain dominates the ARI
GOAL_ARI = 0.45
HELD_OUT_LIKE = ("restaurant", "gadgets", "movies")  # the shape of the held-out test set


def load_multidomain(yelp_path: Path = YELP, labelled_path: Path = LABELLED) -> pd.DataFrame:
    """text, domain, positive: a seeded sample of Yelp sentences plus our labelled domains."""
    yelp = pd.read_csv(
        yelp_path, sep="\t", header=None, names=["text", "positive"], quoting=csv.QUOTE_NONE
    )
    yelp = yelp.sample(YELP_SAMPLE, random_state=0).assign(domain="restaurant")
    own = pd.read_csv(labelled_path, sep="\t", quoting=csv.QUOTE_NONE)
    cols = ["text", "domain", "positive"]
    return pd.concat([yelp[cols], own[cols]], ignore_index=True)


def baseline_labels(texts: list[str], k: int, seed: int = 0) -> np.ndarray:
    """The naive stack from the issue: TF-IDF (English stop words) + k-means."""
    X = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    with threadpool_limits(limits=1):
        return KMeans(k, n_init=4, random_state=seed).fit_predict(X)


def synthetic_comments(n: int, pool: list[str], seed: int = 0) -> list[str]:
    """n varied comments: one or two pool sentences, with a random word dropped from each."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        parts = []
        for s in rng.choice(pool, size=rng.integers(1, 3)):
            words = s.split()
            if len(words) > 3:
                del words[rng.integers(len(words))]
            parts.append(" ".join(words))
        out.append(" ".join(parts))
    return out


def _row(metric: str, value: float, dataset: str, goal: float | None = None) -> dict:
    passed = True if goal is None else bool(value >= goal)
    return {
        "metric": metric,
        "value": float(value),
        "goal": goal,
        "op": ">=",
        "passed": passed,
        "dataset": dataset,
    }


def planted_topics(root: Path = ROOT) -> tuple[list[str], list[str]]:
    """Texts and planted topics of the sample survey's substantive English comments."""
    from analysis.ingest import read_export

    path = root / "sample_data" / "ai_pulse_qualtrics.csv"
    export = read_export(path.read_bytes(), path.name)
    names = {c.export_tag: c.name for c in export.columns}
    truth = pd.read_csv(root / "sample_data" / "comment_topics.csv")
    truth = truth[~truth["is_filler"].astype(bool) & (truth["language"] == "en")]
    responses = export.responses
    texts = [
        str(responses.iloc[int(r)][names[q]])
        for r, q in zip(truth["row"], truth["question"], strict=True)
    ]
    return texts, truth["topic"].tolist()


def run() -> list[dict]:
    data = load_multidomain()
    rows = []
    three = data[data["domain"].isin(HELD_OUT_LIKE)]
    name3 = f"yelp {YELP_SAMPLE} + own gadgets/movies ({len(three)} sentences)"
    name4 = f"yelp {YELP_SAMPLE} + own gadgets/movies/workplace ({len(data)} sentences)"
    default_engine = ThemeModel().fit(["battery life", "movie plot"]).engine_
    engines = (("default", "auto"), ("lexical", "lexical"))
    for part, name, goal in ((three, name3, GOAL_ARI), (data, name4, None)):
        texts = part["text"].tolist()
        k = part["domain"].nunique()
        for label, engine in engines:
            tag = f"{label} = {default_engine}" if label == "default" else label
            row_goal = goal if label == "default" else None
            model = ThemeModel(n_themes=k, random_state=0, engine=engine).fit(texts)
            ari = adjusted_rand_score(part["domain"], model.labels_)
            rows.append(_row(f"themes ARI ({tag}), {k} domains, k given", ari, name, row_goal))
            auto = ThemeModel(random_state=0, engine=engine).fit(texts)
            ari = adjusted_rand_score(part["domain"], auto.labels_)
            metric = f"themes ARI ({tag}), {k} domains, k auto ({auto.n_themes_})"
            rows.append(_row(metric, ari, name, row_goal))
        base = baseline_labels(texts, k)
        rows.append(
            _row(
                f"baseline TF-IDF+k-means ARI, {k} domains",
                adjusted_rand_score(part["domain"], base),
                name,
            )
        )
    texts, topics = planted_topics()
    planted = f"sample_data comments vs planted topics ({len(texts)} comments)"
    for label, engine in engines:
        tag = f"{label} = {default_engine}" if label == "default" else label
        auto = ThemeModel(random_state=0, engine=engine).fit(texts)
        rows.append(
            _row(
                f"themes ARI ({tag}), planted topics, k auto ({auto.n_themes_})",
                adjusted_rand_score(topics, auto.labels_),
                planted,
            )
        )
    pool = data["text"].tolist()
    big = synthetic_comments(50_000, pool)
    for label, engine in engines:
        tag = f"{label} = {default_engine}" if label == "default" else label
        start = time.perf_counter()
        ThemeModel(random_state=0, engine=engine).fit(big)
        rows.append(
            _row(
                f"themes throughput ({tag}, comments/s)",
                50_000 / (time.perf_counter() - start),
                "50k synthetic comments from the same sentences",
            )
        )
    return rows
