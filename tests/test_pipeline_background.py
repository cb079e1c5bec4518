"""The slow half of comment coding as a background job (``prepare(..., background=True)``):
the first view comes from the quick half, and the finished analysis is the same as the one
computed in a row, whenever it was collected."""

from __future__ import annotations

import gc
import json
import sys
import threading

import pandas as pd
import pytest

from analysis import hotspots as hotspots_mod
from analysis import pipeline
from analysis.signals import SIGNALS
from sample_data.generate import generate_responses, qualtrics_csv

background_mod = sys.modules["analysis.pipeline.background"]
helper_mod = sys.modules["analysis.pipeline.coding_helper"]


@pytest.fixture(scope="module")
def loaded():
    frame = generate_responses(n=260, seed=5)
    # comments on 80 rows only: enough for themes, and the embedding (run twice) stays short
    comment_cols = [c for c in frame.columns if str(c).startswith("OQ")]
    assert comment_cols
    frame.loc[frame.index[80:], comment_cols] = None
    return pipeline.load(qualtrics_csv(frame), "small.csv")


def _view(prep: pipeline.Prepared) -> str:
    return json.dumps(pipeline.analyze(prep, by=["team"]).to_dict(), sort_keys=True)


def test_background_result_equals_the_synchronous_prepare(loaded) -> None:
    export, colmap = loaded
    with background_mod._SLOTS:  # another analysis holds the slot: this job has to wait
        quick = pipeline.prepare(export, colmap, background=True)
        assert quick.pending and quick.background.status().stage == "queued"
        assert pipeline.settle(quick) is quick  # nothing to collect yet
        assert quick.theme_model is None
        assert (quick.comments["theme"] == -1).all()
        assert set(SIGNALS) <= set(quick.comments.columns)
        early = pipeline.analyze(quick, by=["team"])  # the first view needs no embedding
        assert len(early.groups) and not len(early.themes)
    done = pipeline.settle(quick, timeout=None)
    assert not done.pending and done is not quick
    assert done.views is not quick.views  # nothing computed from the quick comments is reused
    # sessions sharing the quick analysis (the built-in sample) share the finished one and
    # the views computed on it
    assert pipeline.settle(quick) is done
    pipeline.analyze(done, by=["team"])
    assert len(pipeline.settle(quick).views._stores["results"]) == 1
    assert done.theme_model is not None and (done.comments["theme"] >= 0).any()
    analysed = done.comments["analysed"].to_numpy(dtype=bool)
    assert set(done.comments.loc[analysed, "label_basis"]) == {"model"}  # the learned labels

    direct = pipeline.prepare(export, colmap)
    assert not direct.pending
    pd.testing.assert_frame_equal(done.comments, direct.comments)
    assert done.warnings == direct.warnings
    assert _view(done) == _view(direct)
    # the quick table was not changed by the job while views could read it
    assert (quick.comments["theme"] == -1).all()


def _holds_no_words_as_written(comments: pd.DataFrame, export) -> None:
    """No column of ``comments`` holds a planted e-mail address, which the export's comments
    do hold (the words as written; the redacted text has a placeholder)."""
    assert not set(pipeline.coding.CODING_ONLY) & set(comments.columns)
    written = export.responses.stack().astype(str)
    assert written.str.contains("@example.com", regex=False).any()
    for column in comments.columns:
        assert not comments[column].astype(str).str.contains("@example.com", regex=False).any()


def test_a_session_holds_no_words_as_written_while_its_comments_are_coded(loaded) -> None:
    """The coding job reads the comments as written; the analysis a session holds meanwhile
    (its comment table, and the table the job publishes) has the redacted text only."""
    export, colmap = loaded
    with background_mod._SLOTS:  # the job waits for the slot: the session's table is the read one
        prep = pipeline.prepare(export, colmap, background=True)
        assert prep.pending and len(prep.comments)
        _holds_no_words_as_written(prep.comments, export)
        assert prep.background.wait_read(60)
        _holds_no_words_as_written(prep.background.read(), export)
        pd.testing.assert_frame_equal(prep.background.read(), prep.comments)
    done = pipeline.settle(prep, timeout=None)
    _holds_no_words_as_written(done.comments, export)
    _holds_no_words_as_written(prep.background.read(), export)


def test_a_job_dropped_before_its_turn_does_no_work(loaded) -> None:
    export, colmap = loaded
    with background_mod._SLOTS:
        prep = pipeline.prepare(export, colmap, background=True)
        outcome = prep.background._outcome
        del prep
        gc.collect()
    assert outcome.done.wait(60)
    assert outcome.comments is None and isinstance(outcome.error, RuntimeError)


def test_a_failed_job_keeps_the_quick_comments_and_says_so(loaded, monkeypatch) -> None:
    export, colmap = loaded

    def broken(*args, **kwargs):
        raise ValueError("the helper broke")

    monkeypatch.setattr(helper_mod, "finish_coding", broken)
    prep = pipeline.prepare(export, colmap, background=True)
    done = pipeline.settle(prep, timeout=None)
    assert not done.pending and done.theme_model is None
    read = prep.background.read()  # the read comments, as the pages showed them meanwhile
    assert not set(pipeline.coding.CODING_ONLY) & set(read.columns)
    pd.testing.assert_frame_equal(done.comments, read)  # without the words as written
    assert any("could not be computed (the helper broke)" in w for w in done.warnings)


def test_the_first_view_embeds_nothing(loaded, monkeypatch) -> None:
    """The quick coding behind the first view uses the lexicon and the rules only (issue 20):
    the sentence encoder would cost seconds per thousand comments before anything is shown."""
    from analysis import embeddings
    from analysis.pipeline.coding import quick_coding
    from analysis.pipeline.scores import score_stage
    from analysis.survey import default_survey

    def refuse(*args, **kwargs):
        raise AssertionError("the first view called the sentence encoder")

    monkeypatch.setattr(embeddings, "encode", refuse)
    export, colmap = loaded
    scores = score_stage(export, colmap, default_survey())
    quick = quick_coding(export, colmap, scores.scored, ())
    analysed = quick[quick["analysed"]]
    assert len(analysed) and set(analysed["label"]) <= {"positive", "neutral", "negative"}
    # and says so: until the background coding ends, every label comes from the lexicon
    assert set(analysed["label_basis"]) == {"lexicon"}
    assert set(quick.loc[~quick["analysed"], "label_basis"]) <= {""}


def test_a_running_job_stops_at_its_next_batch_when_its_analysis_is_dropped(monkeypatch) -> None:
    """A session closed (or given another file) mid-job frees the cores within a batch instead
    of embedding every comment for nobody."""
    from analysis import embeddings

    frame = generate_responses(n=400, seed=6)
    column = next(c for c in frame.columns if str(c).startswith("OQ"))
    # texts no earlier test embedded, so they reach the encoder (not the per-process memo)
    frame[column] = [
        f"Remark {i}: the rota tool keeps losing shift {i * 7919 % 997}" for i in frame.index
    ]
    export, colmap = pipeline.load(qualtrics_csv(frame), "fresh.csv")
    real, calls = embeddings._forward, []
    started, dropped = threading.Event(), threading.Event()

    def forward(*args, **kwargs):
        calls.append(1)
        started.set()
        assert dropped.wait(120)  # every batch in flight waits until the handle is gone
        return real(*args, **kwargs)

    monkeypatch.setattr(embeddings, "_forward", forward)
    # coded in this process (a helper process is killed instead: see the helper's own test)
    monkeypatch.setattr(helper_mod, "HELPER_MIN_COMMENTS", 10**9)
    prep = pipeline.prepare(export, colmap, background=True)
    outcome = prep.background._outcome
    assert started.wait(120), "the job never reached the encoder"
    del prep
    gc.collect()
    dropped.set()
    assert outcome.done.wait(120)
    assert isinstance(outcome.error, embeddings.Cancelled) and outcome.comments is None
    batches = -(-len(frame) // 64)  # at least this many: one per 64 distinct comments
    assert len(calls) < batches, f"{len(calls)} of {batches} batches ran after the drop"


def test_a_large_surveys_comments_are_read_after_its_first_view(loaded, monkeypatch) -> None:
    """From READ_LATER_MIN_CELLS comment cells the first view waits for no comment at all: the
    comments are read in a helper process, swapped in by settle as soon as they are there,
    and the finished analysis is the one computed in a row."""
    from analysis.pipeline import reading

    monkeypatch.setattr(sys.modules["analysis.pipeline.prepare"], "READ_LATER_MIN_CELLS", 1)
    export, colmap = loaded
    direct = pipeline.prepare(export, colmap)
    own = pipeline.analyze(direct, by=["team"])
    assert len(own.item_drivers) and not own.item_drivers_pending
    # the item drivers wait for this event: the first view comes before them, for certain
    computed, real = threading.Event(), hotspots_mod.item_drivers
    monkeypatch.setattr(
        hotspots_mod, "item_drivers", lambda *a, **k: computed.wait(60) and real(*a, **k)
    )
    with background_mod._SLOTS:  # another analysis holds the slot: the reading goes ahead
        first = pipeline.prepare(export, colmap, background=True)
        assert not first.comments_read and first.pending
        assert len(first.comments) == 0
        coding_only = set(pipeline.coding.CODING_ONLY)  # read while coding, not kept after it
        kept = [c for c in first.comments.columns if c not in coding_only]
        assert kept == list(direct.comments.columns)
        early = pipeline.analyze(first, by=["team"])  # scores, no comment, no item drivers
        assert len(early.groups) and early.comment_summary.get("total", 0) == 0
        assert early.item_drivers_pending and not len(early.item_drivers)
        assert first.background.status().stage in {"reading", "queued"}
        assert pipeline.settle(first) is first  # the comments wait for the item drivers
        computed.set()
        for _ in range(600):
            read = pipeline.settle(first)
            if read is not first:
                break
            first.background.wait(0.1)
        assert read.comments_read and read.pending and read.views is not first.views
        assert read.background.status().stage == "queued"
        quick = direct.comments.assign(theme=-1, sub_theme=-1, secondary_theme=-1)
        assert len(read.comments) == len(direct.comments)
        assert read.comments["redacted"].tolist() == quick["redacted"].tolist()
        assert not coding_only & set(read.comments.columns)  # written words: with the job
        assert pipeline.settle(read) is read  # nothing new until the job is done
        later = pipeline.analyze(read, by=["team"])
        assert not later.item_drivers_pending
        pd.testing.assert_frame_equal(later.item_drivers, own.item_drivers)
    done = pipeline.settle(read, timeout=None)
    assert not done.pending and done.comments_read
    monkeypatch.setattr(hotspots_mod, "item_drivers", None)  # kept from the job, not redone
    pd.testing.assert_frame_equal(
        pipeline.analyze(done, by=["team"]).item_drivers, own.item_drivers
    )
    monkeypatch.setattr(hotspots_mod, "item_drivers", real)
    pd.testing.assert_frame_equal(done.comments, direct.comments)
    assert done.warnings == direct.warnings
    assert _view(done) == _view(direct)
    assert reading.READ_LATER_MIN_CELLS >= 1000  # the app's own threshold is untouched


def test_the_comments_are_read_here_when_the_reading_helper_fails(loaded, monkeypatch) -> None:
    from analysis.pipeline import reading
    from analysis.pipeline.coding import comment_inputs, read_comments
    from analysis.pipeline.scores import score_stage
    from analysis.survey import default_survey

    export, colmap = loaded
    scores = score_stage(export, colmap, default_survey())
    inputs = comment_inputs(export, colmap, scores.scored, ())
    job = reading.CommentRead(inputs)
    assert job.proc is not None
    job.proc.kill()
    pd.testing.assert_frame_equal(job.result(), read_comments(inputs))
    helper = reading.CommentRead(inputs)
    pd.testing.assert_frame_equal(helper.result(), read_comments(inputs))
    assert helper.proc is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_job_yields_the_cores_to_what_a_user_waits_for(loaded, monkeypatch) -> None:
    """The job's thread runs at a lower priority (nice + BACKGROUND_NICE), which the encoder's
    pool and the coding helper it starts inherit; the thread that asked is unchanged."""
    import os

    seen = {}

    def finish(quick, settings):
        tid = threading.get_native_id()
        seen["job"] = os.getpriority(os.PRIO_PROCESS, tid)
        return quick, None

    monkeypatch.setattr(helper_mod, "finish_coding", finish)
    export, colmap = loaded
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    prep = pipeline.prepare(export, colmap, background=True)
    pipeline.settle(prep, timeout=None)
    assert seen["job"] == min(19, mine + background_mod.BACKGROUND_NICE)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine


def test_a_reading_that_fails_ends_the_wait_and_says_so(loaded, monkeypatch) -> None:
    """If the comments cannot be read at all, the analysis stops saying they are coming (or
    the pages would wait for ever) and a warning says why; if only the language-model coding
    fails after the read, the read comments stay."""
    from analysis.pipeline import reading

    monkeypatch.setattr(sys.modules["analysis.pipeline.prepare"], "READ_LATER_MIN_CELLS", 1)
    export, colmap = loaded

    def broken(self):
        self.close()
        raise ValueError("the file broke")

    with monkeypatch.context() as m:
        m.setattr(reading.CommentRead, "result", broken)
        first = pipeline.prepare(export, colmap, background=True)
        done = pipeline.settle(first, timeout=None)
    assert not done.pending and done.comments_read and len(done.comments) == 0
    assert any(
        w.startswith(sys.modules["analysis.pipeline.prepare"].COMMENTS_UNREAD)
        for w in done.warnings
    )
    assert pipeline.read(done) is done  # nothing to wait for

    def no_model(*args, **kwargs):
        raise ValueError("the model broke")

    monkeypatch.setattr(helper_mod, "finish_coding", no_model)
    first = pipeline.prepare(export, colmap, background=True)
    done = pipeline.settle(first, timeout=None)
    assert not done.pending and done.comments_read and len(done.comments) > 0
    assert any("could not be computed (the model broke)" in w for w in done.warnings)


def _quick(loaded) -> tuple[pd.DataFrame, object]:
    from analysis.pipeline.coding import ThemeSettings, quick_coding
    from analysis.pipeline.scores import score_stage
    from analysis.survey import default_survey

    export, colmap = loaded  # the read table a job codes, with the words as written
    scored = score_stage(export, colmap, default_survey()).scored
    return quick_coding(export, colmap, scored, ()), ThemeSettings()


def test_the_coding_helper_gives_what_coding_here_gives(loaded, monkeypatch) -> None:
    """The background coding in a helper process (away from the server's interpreter lock) is
    the same table and themes as in this process: same code, same inputs, exact arithmetic."""
    from analysis.pipeline.coding import finish_coding

    quick, settings = _quick(loaded)
    monkeypatch.setattr(helper_mod, "HELPER_MIN_COMMENTS", 1)
    started = []
    real_start = helper_mod.start_helper

    def start(code: str):
        started.append(1)
        return real_start(code)

    monkeypatch.setattr(helper_mod, "start_helper", start)
    table, model = helper_mod.code_comments(quick, settings, threading.Event())
    assert started, "the helper was not used"
    before = quick.copy(deep=True)
    here, here_model = finish_coding(quick, settings)
    pd.testing.assert_frame_equal(quick, before)  # views read the quick table meanwhile
    pd.testing.assert_frame_equal(table, here)
    assert list(model.labels_) == list(here_model.labels_)
    assert model.themes_.equals(here_model.themes_)


def test_the_coding_runs_here_when_no_helper_can_start(loaded, monkeypatch) -> None:
    quick, settings = _quick(loaded)
    monkeypatch.setattr(helper_mod, "HELPER_MIN_COMMENTS", 1)
    monkeypatch.setattr(helper_mod, "start_helper", lambda code: None)
    calls = []
    real = helper_mod.finish_coding
    monkeypatch.setattr(helper_mod, "finish_coding", lambda *a: calls.append(1) or real(*a))
    table, _ = helper_mod.code_comments(quick, settings, threading.Event())
    assert calls == [1] and len(table) == len(quick)


def test_a_closed_analysis_kills_its_coding_helper(loaded, monkeypatch) -> None:
    import time

    from analysis import embeddings

    quick, settings = _quick(loaded)
    monkeypatch.setattr(helper_mod, "HELPER_MIN_COMMENTS", 1)
    procs = []
    real_start = helper_mod.start_helper

    def start(code: str):
        procs.append(real_start(code))
        return procs[-1]

    monkeypatch.setattr(helper_mod, "start_helper", start)
    cancelled = threading.Event()
    threading.Timer(0.5, cancelled.set).start()  # closed while the helper is still starting
    start = time.monotonic()
    with pytest.raises(embeddings.Cancelled):
        helper_mod.code_comments(quick, settings, cancelled)
    assert time.monotonic() - start < 5
    assert procs and procs[0].poll() is not None, "the helper outlived its analysis"
