"""Known values for the REAL DATA evaluation helpers (the data itself is checked by reading)."""

import hashlib

import numpy as np
import pandas as pd

from evals import real_signals


def test_scores_known_values():
    truth = pd.Series([True, True, False, False, True])
    pred = pd.Series([True, False, True, False, True])
    s = real_signals.scores(truth, pred)
    assert (s["tp"], s["fp"], s["fn"]) == (2, 1, 1)
    assert s["precision"] == 2 / 3 and s["recall"] == 2 / 3
    assert abs(s["f1"] - 2 / 3) < 1e-12


def test_scores_undefined_when_no_predictions_or_no_positives():
    s = real_signals.scores(pd.Series([False, False]), pd.Series([False, False]))
    assert s["precision"] is None and s["recall"] is None and s["f1"] is None


def test_status_distinguishes_full_partial_and_missing_labels():
    assert real_signals._status(pd.Series(["0", "1", "0"])) is None
    assert "partly" in real_signals._status(pd.Series(["1", "", ""]))
    assert "not labelled" in real_signals._status(pd.Series(["", ""]))


def test_baselines_cover_every_labelled_signal_and_match_definition_words():
    assert set(real_signals.BASELINES) == set(real_signals.LABELLED)
    texts = pd.Series(["AI could replace my job", "it hallucinated a source", "so helpful"])
    assert real_signals.baseline(texts, "displacement_fear").tolist() == [True, False, False]
    assert real_signals.baseline(texts, "ai_distrust").tolist() == [False, True, False]
    assert real_signals.baseline(texts, "ai_trust").tolist() == [False, False, True]


def test_real_sets_follow_the_common_layout():
    cols = [
        "id", "source", "question", "text", "split", "displacement_fear", "ai_distrust",
        "ai_trust", "training_request", "change_fatigue", "leadership_communication_request",
        "theme", "theme2", "hard_negative", "notes",
    ]  # fmt: skip
    paths = sorted(real_signals.REAL_DIR.glob("*/labels.tsv"))
    assert paths
    for path in paths:
        df = real_signals.load(path)
        assert list(df.columns) == cols
        assert df["id"].is_unique
        # the hash of the id, or of the respondent where one answered several questions
        # (ai_worries, labelled later, salts its respondent key with "split:")
        keys = df["id"].str.replace(r"^(datakind2019-r\d+)-\w+$", r"\1", regex=True)
        keys = keys.str.replace(r"^gd1-q\d+-(.+)$", r"split:gd1-\1", regex=True)
        rule = [
            "test" if int(hashlib.sha1(k.encode()).hexdigest(), 16) % 10 < 4 else "dev"
            for k in keys
        ]
        assert df["split"].tolist() == rule
        for signal in real_signals.LABELLED:
            assert set(df[signal]) <= {"0", "1", ""}
        assert (path.parent / "GUIDELINE.md").exists() and (path.parent / "SOURCES.md").exists()


def test_sentiment_labels_share_ids_and_split_with_their_set():
    from evals import sentiment

    paths = sorted(real_signals.REAL_DIR.glob("*/sentiment.tsv"))
    assert paths
    for path in paths:
        s = pd.read_csv(path, sep="\t", dtype=str)
        assert list(s.columns) == ["id", "split", "sentiment"] and s["id"].is_unique
        assert set(s["sentiment"]) <= {"positive", "neutral", "negative"}
        labels = real_signals.load(path.with_name("labels.tsv")).set_index("id")
        assert s["id"].isin(labels.index).all()
        assert (labels.loc[s["id"], "split"].to_numpy() == s["split"].to_numpy()).all()
    real = sentiment.load_real()
    assert real["text"].notna().all() and len(real) == sum(
        len(pd.read_csv(p, sep="\t", dtype=str)) for p in paths
    )


def test_dev_rows_of_a_set_the_classifiers_never_saw_are_scored_directly():
    """The weights file lists the labels files it was fitted on; any other set's dev split has
    no out-of-fold figures, so the classifiers are run on it like on a test split."""
    from analysis.signals import model_info

    trained = set(model_info()["trained_on"])
    for path in sorted(real_signals.REAL_DIR.glob("*/labels.tsv")):
        rel = path.relative_to(real_signals.ROOT).as_posix()
        assert real_signals._trained_on(path) == (rel in trained)
    assert not real_signals._trained_on(real_signals.REAL_DIR / "no_such_set" / "labels.tsv")


def test_theme_codes_come_from_themes_tsv_or_the_labels_file():
    from evals import themes_real

    for name in themes_real.GOALS:
        data = themes_real.load(name)
        assert list(data.columns) == ["id", "text", "split", "theme", "theme2"]
        assert themes_real.coded(name) and (data["theme"] != "").sum() >= 300
        folder = real_signals.REAL_DIR / name
        rows = folder / "labels.tsv" if (folder / "labels.tsv").exists() else folder / "answers.tsv"
        assert data["id"].tolist() == real_signals.load(rows)["id"].tolist()


def test_a_themes_only_set_holds_every_answer_its_codes_and_a_second_reader():
    """``ai_worries_themes``: every answer of one question (as one export), codes on the rows
    ranked by ``code_order`` only, valid codes, the split rule of ``ai_worries``."""
    import hashlib

    from evals import themes_real

    folder = real_signals.REAL_DIR / "ai_worries_themes"
    answers = real_signals.load(folder / "answers.tsv")
    data = themes_real.load("ai_worries_themes")
    assert len(answers) == 1238 and answers["id"].is_unique
    ranked = answers["code_order"] != ""
    assert ((data["theme"] != "") == ranked).all() and ranked.sum() == 376
    codes = {"jobs", "skills", "accuracy", "privacy", "fairness", "misinformation", "misuse"}
    codes |= {"weapons", "control", "human_contact", "ethics", "environment", "health", "other"}
    assert set(data.loc[ranked, "theme"]) <= codes
    assert (data.loc[ranked, "theme"] != data.loc[ranked, "theme2"]).all()
    for row in answers.itertuples():
        pid = row.id.removeprefix("gd1-q17-")
        h = int(hashlib.sha1(("split:gd1-" + pid).encode()).hexdigest(), 16)
        assert row.split == ("test" if h % 10 < 4 else "dev")
    second = real_signals.load(folder / "second_reader.tsv")
    first_100 = answers[ranked].assign(r=lambda d: d["code_order"].astype(int)).nsmallest(100, "r")
    assert second["id"].tolist() == first_100["id"].tolist()


def test_theme_label_ratings_are_read_by_group_and_label_and_never_guessed(tmp_path, monkeypatch):
    from evals import themes_real

    table = pd.read_csv(themes_real.LABEL_RATINGS, sep="\t", keep_default_na=False)
    assert set(table["rating"]) <= {1, 2, 3} and set(table["kind"]) <= {"theme", "subtheme"}
    assert set(table["made_by"]) <= {"before", "after", "before+after"}
    assert not table.duplicated(["set", "kind", "index", "label"]).any()
    # known values on a table of our own: a label is rated by its group and text only
    path = tmp_path / "ratings.tsv"
    path.write_text(
        "set\tkind\tindex\tlabel\trating\tmade_by\tbest_of_item\ttheme_size\n"
        "staff\ttheme\t1\tevents\t3\tbefore\tevents\t40\n"
        "staff\ttheme\t1\tmeetups\t2\tafter\tevents\t40\n"
        "staff\tsubtheme\t0\tpay\t1\tafter\tpay\t9\n"
    )
    monkeypatch.setattr(themes_real, "LABEL_RATINGS", path)
    group = ("staff", "theme", 1)
    r = themes_real.label_ratings([(*group, "meetups"), (*group[:2], 999, "swag")])
    assert (r["n"], r["judged"], r["mean"], r["stray"]) == (2, 1, 2.0, 0)
    assert r["before_mean"] == 3.0  # "events", the same group's label before
    assert themes_real.label_ratings([(*group, "not judged")])["judged"] == 0
    only_after = themes_real.label_ratings([("staff", "subtheme", 0, "pay")])
    assert only_after["mean"] == 1.0 and np.isnan(only_after["before_mean"])
    assert "before" not in themes_real._label_row([("staff", "subtheme", 0, "pay")])["metric"]
