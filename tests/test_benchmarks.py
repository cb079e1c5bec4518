"""Smoke test of the benchmark harness: a real run on 300 rows writes complete results."""

from __future__ import annotations

import json

import pytest

from benchmarks.__main__ import evaluate_goals, main
from benchmarks.baseline import N_CLUSTERS, run_baseline
from benchmarks.embedding_speed import comments
from benchmarks.generate import dataset_path

STAGES = {
    "ingest",
    "scoring",
    "comments",
    "sentiment",
    "signals",
    "themes",
    "drivers",
    "analyze",
    "regroup",
    "refilter",
    "report",
    "end_to_end",
}


@pytest.fixture(scope="module")
def run_300(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    out = tmp_path_factory.mktemp("results")
    # The baseline is exercised in-process below: one fresh interpreter less keeps this fast.
    args = ["--sizes", "300", "--skip-baseline", "--data-dir", str(data), "--out-dir", str(out)]
    args += ["--embedding-comments", "16", "--skip-app"]  # the browser part: make bench
    assert main(args) == 0
    return data, out


def test_writes_json_with_required_keys(run_300):
    _, out = run_300
    results = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    entry = results["sizes"]["300"]
    assert entry["rows"] == 300
    assert set(entry["stage_seconds"]) >= STAGES
    for key in ("total_seconds", "peak_rss_mb"):
        assert entry[key] > 0, key
    # the run's peak is the highest stage's, not the last stage's (the mark is reset per stage)
    ours = entry["ours"]
    assert ours["peak_rss_main_mb"] >= max(ours["stage_peak_rss_mb"].values())
    assert entry["baseline_total_seconds"] is None and entry["ratio"] is None  # skipped
    # End to end covers ingest, prepare and the first analysis, so it bounds each of them.
    st = entry["stage_seconds"]
    assert st["end_to_end"] >= st["ingest"] + st["analyze"]
    # the app's path: the first view comes before the background work finishes
    assert 0 < st["first_view"] <= st["first_view_to_complete"]
    assert entry["ours"]["counts"]["comments"] > 0
    assert {"cpu", "cores", "python", "numpy", "pandas", "sklearn", "date"} <= set(
        results["machine"]
    )
    assert (out / "latest.md").read_text(encoding="utf-8").count("| measure | goal |") == 1
    emb = results["embeddings"]
    assert emb["comments"] == 16 and emb["words"] == 40
    assert set(emb["per_second_by_threads"]) == {"1", "2"}
    assert all(v > 0 for v in emb["per_second_by_threads"].values())
    goal = next(g for g in results["goals"] if g["key"] == "embed_40w")
    assert goal["met"] is not None and "16 comments" in goal["measured"]
    assert "blas" in results["machine"]


def test_forty_word_comments_are_distinct_and_forty_words():
    texts = comments(300)
    assert len(set(texts)) == 300
    assert {len(t.split()) for t in texts} == {40}


def test_generated_file_is_cached(run_300):
    data, _ = run_300
    path = dataset_path(300, 7, "xlsx", data)
    assert path.exists() and path.stat().st_size > 10_000
    assert list(data.iterdir()) == [path]  # no partial files left behind


def test_baseline_reads_scores_and_clusters_every_comment(run_300):
    data, out = run_300
    results = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    base = run_baseline(dataset_path(300, 7, "xlsx", data))
    assert base["rows"] == 300
    # read_excel's default NA strings turn "N/A" and "None" answers into blanks, so the naive
    # stack sees a few comments fewer than ChangeRadar.
    ours = results["sizes"]["300"]["ours"]["counts"]["comments"]
    assert 0.9 * ours <= base["comments"] <= ours
    assert sum(base["cluster_sizes"]) == base["comments"]
    assert len(base["cluster_sizes"]) == N_CLUSTERS
    assert set(base["stage_seconds"]) == {"read", "sentiment", "tfidf", "kmeans"}
    assert base["total_seconds"] >= sum(base["stage_seconds"].values()) - 0.01


def _size(
    total: float,
    rows: int,
    ratio: float | None = None,
    regroup: float = 0.1,
    first_view: float = 1.5,
) -> dict:
    stages = {"regroup": regroup, "refilter": regroup}
    stages |= {"first_view": first_view, "first_view_to_complete": total}
    return {
        "total_seconds": total,
        "seconds_per_100k_rows": total / rows * 100_000,
        "ratio": ratio,
        "regroup_seconds": regroup,
        "stage_seconds": stages,
        "peak_rss_mb": 1500.0,
    }


def test_goals_met_and_missed():
    goals = evaluate_goals(
        {
            "10000": _size(2.5, 10_000),
            "100000": _size(11.0, 100_000, ratio=5.0, regroup=0.4),
            "1000000": _size(120.0, 1_000_000),
        }
    )
    met = {g["key"]: g["met"] for g in goals}
    assert met == {
        "e2e_100k": True,
        "ratio_100k": True,
        "e2e_10k": False,
        "first_view_10k": True,  # 1.5 s: themes and signals follow in the background
        "regroup_100k": False,
        "memory_100k": True,
        "linear_1m": True,  # 12.0 s per 100k at 1M vs 11.0 at 100k: within the 10% slack
        "memory_1m": True,  # 1.5 GB <= 2 GB + 1 GB per million rows
        "embed_40w": None,  # not measured
        "app_first_open": None,
        "app_switch": None,
    }
    slow = evaluate_goals({"10000": _size(2.5, 10_000, first_view=2.2)})
    assert {g["key"]: g["met"] for g in slow}["first_view_10k"] is False
    worse = evaluate_goals({"100000": _size(10.0, 100_000), "1000000": _size(150.0, 1_000_000)})
    assert {g["key"]: g["met"] for g in worse}["linear_1m"] is False
    big = _size(120.0, 1_000_000) | {"peak_rss_mb": 3073.0}  # 1 MB over 3 GB at 1M rows
    assert {g["key"]: g["met"] for g in evaluate_goals({"1000000": big})}["memory_1m"] is False
    assert {g["key"]: g["met"] for g in evaluate_goals({})}["memory_1m"] is None
    emb = {"comments": 512, "per_second_by_threads": {"1": 300.0, "2": 520.0}}
    assert {g["key"]: g["met"] for g in evaluate_goals({}, emb)}["embed_40w"] is True
    emb["per_second_by_threads"]["2"] = 480.0
    assert {g["key"]: g["met"] for g in evaluate_goals({}, emb)}["embed_40w"] is False


def test_app_goals_read_the_browser_figures():
    switches = dict.fromkeys(("Teams & roles", "Comments", "Hot spots"), 0.3)
    app = {
        "server_healthy_seconds": 3.0,
        "first_open_seconds": 1.8,
        "second_session_open_seconds": 0.9,
        "switch_seconds_while_coding": {**switches, "Comments": 1.4},
        "switch_seconds": {**switches, "Hot spots": 0.6},
        "switch_median_seconds": 0.3,
        "switch_max_seconds": 0.6,
    }
    rows = {g["key"]: g for g in evaluate_goals({}, None, app)}
    assert rows["app_first_open"]["met"] is True
    assert rows["app_switch"]["met"] is False  # the slowest switch counts: 0.6 s
    assert "1.40 s while the comments were still coded" in rows["app_switch"]["measured"]
    skipped = {g["key"]: g for g in evaluate_goals({}, None, {"skipped": "chromium not found"})}
    assert skipped["app_first_open"]["met"] is None
    assert "chromium not found" in skipped["app_first_open"]["measured"]
