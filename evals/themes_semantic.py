"""The optional semantic theme engine (numpy all-MiniLM-L6-v2 + k-means): quality and speed.

Same data as evals/themes.py (a balanced Yelp sample plus our labelled gadget, movie and
workplace sentences), so its rows compare directly with the lexical engine's. When the model is
not installed, run() returns no rows and says so on stderr.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from sklearn.metrics import adjusted_rand_score

from analysis import embeddings as E
from evals.themes import HELD_OUT_LIKE, YELP_SAMPLE, _row, load_multidomain, synthetic_comments

GOAL_ARI = 0.45  # the default-engine goal of issue 4, here for comparison
SPEED_N = 2000  # comments embedded per thread setting
LARGE_N = 50_000  # a large survey for fit_sample_assign
AGREE_SAMPLE = 300  # sentences embedded when measuring sample-and-assign agreement


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run() -> list[dict]:
    if not E.available():
        print(f"themes_semantic: skipped. {E.model_info()['reason']}", file=sys.stderr)
        return []
    from analysis.themes import ThemeModel

    data = load_multidomain()
    rows = []
    load_s = _time(lambda: E.encode(["warm up"]))
    rows.append(_row("semantic: model load + checksum (s)", load_s, E.model_info()["path"]))
    X_all = E.encode(data["text"].tolist())
    three = data["domain"].isin(HELD_OUT_LIKE).to_numpy()
    name3 = f"yelp {YELP_SAMPLE} + own gadgets/movies ({int(three.sum())} sentences)"
    name4 = f"yelp {YELP_SAMPLE} + own gadgets/movies/workplace ({len(data)} sentences)"
    for mask, name, goal in ((three, name3, GOAL_ARI), (np.ones(len(data), bool), name4, None)):
        X = X_all[mask]
        y = data["domain"].to_numpy()[mask]
        k = len(set(y))
        labels, _, _ = E.cluster_embeddings(X, k, k, random_state=0)
        rows.append(
            _row(f"semantic ARI, {k} domains, k given", adjusted_rand_score(y, labels), name, goal)
        )
        labels, _, k_auto = E.cluster_embeddings(X, 3, 12, random_state=0)
        rows.append(
            _row(
                f"semantic ARI, {k} domains, k auto ({k_auto})",
                adjusted_rand_score(y, labels),
                name,
            )
        )
        lexical = ThemeModel(n_themes=k, random_state=0, engine="lexical").fit(
            data["text"][mask].tolist()
        )
        rows.append(
            _row(
                f"lexical ARI, {k} domains, k given (same data)",
                adjusted_rand_score(y, lexical.labels_),
                name,
            )
        )

    # Sample and assign: embed AGREE_SAMPLE sentences, classify the other (distinct) sentences
    # from static word-piece vectors, compare with what full embedding would have assigned.
    texts = data["text"].tolist()
    agree, ari_sa = [], []
    for seed in range(3):
        res = E.fit_sample_assign(
            texts, sample_size=AGREE_SAMPLE, min_k=4, max_k=4, random_state=seed
        )
        rest = np.setdiff1d(np.arange(len(texts)), res.sample)
        agree.append(np.mean(res.labels[rest] == E.assign(X_all[rest], res.centers)))
        ari_sa.append(adjusted_rand_score(data["domain"], res.labels))
    held = f"{len(texts) - AGREE_SAMPLE} held-out sentences, {AGREE_SAMPLE} embedded, 3 seeds"
    rows.append(_row("sample+assign: agreement with full embedding", np.mean(agree), held))
    rows.append(
        _row(
            "sample+assign: ARI, 4 domains, k given",
            np.mean(ari_sa),
            f"all {len(texts)} sentences, {AGREE_SAMPLE} embedded, 3 seeds",
        )
    )

    pool = data["text"].tolist()
    speed_texts = synthetic_comments(SPEED_N, pool, seed=1)
    for threads in (1, 2):
        cpu = time.process_time()
        secs = _time(lambda t=threads: E.encode(speed_texts, threads=t))
        cpu = time.process_time() - cpu
        rows.append(
            _row(
                f"semantic encode throughput, {threads} BLAS thread(s) (comments/s)",
                SPEED_N / secs,
                f"{SPEED_N} synthetic comments, batch 64, wall clock",
            )
        )
        if threads == 1:  # what one idle core would do, whatever else runs on the machine
            rows.append(
                _row(
                    "semantic encode, 1 thread (comments per CPU-second)",
                    SPEED_N / cpu,
                    f"{SPEED_N} synthetic comments, batch 64, process CPU time",
                )
            )
    big = synthetic_comments(LARGE_N, pool, seed=2)
    secs = _time(lambda: E.fit_sample_assign(big, random_state=0))
    rows.append(
        _row(
            "semantic fit_sample_assign throughput (comments/s)",
            LARGE_N / secs,
            f"{LARGE_N // 1000}k synthetic comments, {E.SAMPLE_SIZE} embedded, k auto",
        )
    )
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"{r['metric']:<62} {r['value']:9.3f}  {r['dataset']}")
