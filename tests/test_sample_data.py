"""Sample data: deterministic, committed files never stale, planted truth present (and nothing
else), comment topics consistent with the texts. Scores are computed here with plain pandas and
scipy, independently of analysis.scoring."""

from __future__ import annotations

import csv
import functools
import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis.survey import default_survey
from sample_data import SAMPLE_DIR, comments
from sample_data import generate as gen

SURVEY = default_survey()
AGREE = {label: k for k, label in enumerate(gen.AGREE5, start=1)}
SEEDS = (1, 2, 3, 4, 5)


@pytest.fixture(scope="module")
def sample() -> gen.Sample:
    return gen.generate_sample()


@pytest.fixture(scope="module")
def frame(sample) -> pd.DataFrame:
    return sample.responses


def construct_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean of answered items after reverse-coding; NaN under half the items answered."""
    out = {}
    for c in SURVEY.constructs:
        cols = []
        for item in SURVEY.items_for(c):
            v = frame[item.id].map(AGREE).astype(float)  # "Don't know" and blanks -> NaN
            cols.append(6 - v if item.reverse else v)
        m = pd.concat(cols, axis=1)
        out[c.id] = m.mean(axis=1).where(m.notna().mean(axis=1) >= 0.5)
    return pd.DataFrame(out)


def cohen_d(a: pd.Series, b: pd.Series) -> float:
    pooled = ((len(a) - 1) * a.var() + (len(b) - 1) * b.var()) / (len(a) + len(b) - 2)
    return (a.mean() - b.mean()) / np.sqrt(pooled)


def holm(p: list[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (statsmodels' multipletests collects garbage each
    call, which makes it slow in a loop; test_holm checks this against it)."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    m = len(p)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def test_holm():
    p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.2]
    assert np.allclose(holm(p), multipletests(p, method="holm")[1])
    assert np.allclose(holm([0.01, 0.02, 0.03]), [0.03, 0.04, 0.04])  # by hand


def findings(rows: list[tuple[str, str, pd.Series, pd.Series]]) -> set[tuple[str, str, str]]:
    """(group, construct, higher|lower) with Holm-adjusted Welch p < 0.05 and |d| >= 0.5."""
    p = [stats.ttest_ind(a.to_numpy(), b.to_numpy(), equal_var=False).pvalue for *_, a, b in rows]
    p_adj = holm(p)
    out = set()
    for (group, construct, a, b), q in zip(rows, p_adj, strict=True):
        d = cohen_d(a, b)
        if q < 0.05 and abs(d) >= 0.5:
            out.add((group, construct, "higher" if d > 0 else "lower"))
    return out


def scan(frame: pd.DataFrame, scores: pd.DataFrame, by: str) -> set[tuple[str, str, str]]:
    rows = []
    for group in frame[by].unique():
        mask = (frame[by] == group).to_numpy()
        if mask.sum() < 5:
            continue
        for c in scores:
            rows.append((group, c, scores[c][mask].dropna(), scores[c][~mask].dropna()))
    return findings(rows)


def expected(effects, grouping: str) -> set[tuple[str, str, str]]:
    return {
        (e.group, e.construct, "higher" if e.shift > 0 else "lower")
        for e in effects
        if e.grouping == grouping and e.shift != 0
    }


# ------------------------------------------------------------------------- determinism


def test_generator_is_deterministic_per_seed():
    a, b = gen.generate_sample(seed=3), gen.generate_sample(seed=3)
    pd.testing.assert_frame_equal(a.responses, b.responses)
    pd.testing.assert_frame_equal(a.comment_topics, b.comment_topics)
    other = gen.generate_responses(seed=4)
    assert not other["TR1"].equals(a.responses["TR1"])


def test_committed_files_equal_a_fresh_build():
    """Regenerate with `python -m sample_data.generate` when this fails."""
    for name, data in gen.build_files().items():
        assert (SAMPLE_DIR / name).read_bytes() == data, f"{name} is stale"


def test_main_writes_files_and_rejects_bad_n(tmp_path, capsys):
    assert gen.main(["--n", "400", "--seed", "2", "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == set(gen.FILES.values())
    truth = json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth["n"] == 400 and truth["seed"] == 2
    assert gen.main(["--n", "10", "--out", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err.startswith("error: n must be at least")


# ------------------------------------------------------------------------------ structure


def test_team_sizes(frame):
    sizes = frame["team"].value_counts()
    assert sizes.to_dict() == gen.team_sizes(1200)
    assert len(sizes) >= 12 and sizes.sum() == 1200
    assert sorted(sizes[sizes < 5].index) == ["Executive Office", "Internal Audit"]
    assert list(sizes[(sizes >= 5) & (sizes <= 9)].index) == ["Facilities"]
    assert sizes.max() >= 3 * sizes[sizes >= 10].min()  # clearly different sizes
    planted = {e.group for e in gen.EFFECTS_WAVE1 + gen.EFFECTS_WAVE2 if e.grouping == "team"}
    assert all(sizes[t] >= 40 for t in planted)
    assert gen.team_sizes(100_000)["Internal Audit"] == 4
    assert sum(gen.team_sizes(5000).values()) == 5000


def test_canonical_columns_and_values(frame):
    assert len(frame) == 1200 and frame["respondent_id"].is_unique
    assert frame["role"].nunique() >= 6
    assert frame["tenure"].nunique() == 5 and frame["location"].nunique() == 7
    for item in SURVEY.items:
        answers = set(frame[item.id].dropna())
        allowed = set(gen.AGREE5) | ({gen.DONT_KNOW} if item.id in gen.DONT_KNOW_ITEMS else set())
        assert answers <= allowed, item.id
        assert 0 < frame[item.id].isna().mean() < 0.1
    assert (frame["TR3"] == gen.DONT_KNOW).sum() > 10
    enps = frame["ENPS"].dropna()
    assert enps.between(0, 10).all() and enps.nunique() >= 9
    for q in ("OQ1", "OQ2", "OQ3"):
        assert 0.5 <= frame[q].notna().mean() <= 0.7
    assert (frame["end_time"].diff().dropna() >= pd.Timedelta(0)).all()  # recorded order


def test_partial_responses_stop_and_report_progress(frame):
    partial = frame[~frame["finished"]]
    assert 0.02 < len(partial) / len(frame) < 0.07
    assert (partial["progress"] < 100).all() and (
        frame.loc[frame["finished"], "progress"] == 100
    ).all()
    assert partial["ENPS"].isna().all() and partial["OQ1"].isna().all()
    assert partial["CC3"].isna().all()  # they stop before the last item


def test_reverse_keyed_items_agree_with_the_latent(frame):
    v = {i: frame[i].map(AGREE).astype(float) for i in ("TR1", "TR4", "FD1", "FD4", "SK1", "SK4")}
    assert v["TR1"].corr(v["TR4"]) < -0.3
    assert v["FD1"].corr(v["FD4"]) < -0.3
    assert v["SK1"].corr(v["SK4"]) < -0.3


def test_enps_follows_person_scores_not_teams(frame):
    scores = construct_scores(frame)
    assert frame["ENPS"].astype(float).corr(scores["manager_support"]) > 0.2
    by_team = frame[frame["team"].map(frame["team"].value_counts()) >= 40].groupby("team")["ENPS"]
    groups = [g.dropna().astype(float) for _, g in by_team]
    assert stats.f_oneway(*groups).pvalue > 0.001


# ------------------------------------------------------------------------ planted effects


def test_customer_support_fear_is_clearly_above_the_rest(frame):
    fear = construct_scores(frame)["fear_of_displacement"]
    cs = frame["team"] == "Customer Support"
    assert fear[cs].mean() - fear[~cs].mean() > 0.6  # on the 1-5 scale
    trust = construct_scores(frame)["trust_in_ai"]
    fin = frame["team"] == "Finance Operations"
    assert trust[~fin].mean() - trust[fin].mean() > 0.6


@pytest.mark.parametrize("wave", [1, 2])
@pytest.mark.parametrize("seed", SEEDS)
def test_planted_effects_found_and_nothing_else(seed, wave):
    frame = gen.generate_responses(seed=seed, wave=wave)
    effects = gen.EFFECTS_WAVE1 if wave == 1 else gen.EFFECTS_WAVE2
    scores = construct_scores(frame)
    assert scan(frame, scores, "team") == expected(effects, "team")
    assert scan(frame, scores, "role") == expected(effects, "role")
    assert scan(frame, scores, "tenure") == set()
    assert scan(frame, scores, "location") == set()


@pytest.mark.parametrize("seed", SEEDS)
def test_wave2_movements_found_and_nothing_else(seed):
    w1 = gen.generate_responses(seed=seed, wave=1)
    w2 = gen.generate_responses(seed=seed, wave=2)
    s1, s2 = construct_scores(w1), construct_scores(w2)
    rows = []
    for team, size in gen.team_sizes().items():
        if size < 5:
            continue
        m1, m2 = (w1["team"] == team).to_numpy(), (w2["team"] == team).to_numpy()
        for c in s1:
            rows.append((team, c, s2[c][m2].dropna(), s1[c][m1].dropna()))
    truth = gen.ground_truth(seed=seed)["wave2_movements"]
    assert findings(rows) == {(m["group"], m["construct"], m["direction"]) for m in truth}


# ------------------------------------------------------------------------------- comments


def test_comment_topics_match_the_texts(frame, sample):
    topics = sample.comment_topics
    texts = {q: frame[q].to_numpy(dtype=object) for q in ("OQ1", "OQ2", "OQ3")}
    answered = sum(int(frame[q].notna().sum()) for q in texts)
    assert len(topics) == answered
    assert not topics.duplicated(["row", "question"]).any()
    assert (
        topics["respondent_id"].to_numpy() == frame["respondent_id"].to_numpy()[topics["row"]]
    ).all()
    assert (topics["team"].to_numpy() == frame["team"].to_numpy()[topics["row"]]).all()
    for rec in topics.itertuples():
        text = texts[rec.question][rec.row]
        assert isinstance(text, str) and text
        assert rec.is_filler == (rec.topic == comments.FILLER_TOPIC)
        if rec.is_filler:
            assert text in comments.FILLERS
        if rec.pii_type:
            assert rec.pii_text in text
    assert set(topics["topic"]) == {*comments.TOPICS, comments.FILLER_TOPIC}


def test_comments_are_varied_with_pii_and_other_languages(frame, sample):
    topics = sample.comment_topics
    real = pd.concat([frame[q] for q in ("OQ1", "OQ2", "OQ3")]).dropna()
    assert real.nunique() >= 500
    assert topics["pii_type"].value_counts().reindex(["email", "phone", "name"]).min() >= 5
    assert "@example.com" in " ".join(topics.loc[topics["pii_type"] == "email", "pii_text"])
    foreign = topics[topics["language"] != "en"]
    assert foreign["language"].value_counts().to_dict() == {"de": 2, "es": 2, "fr": 2}
    rows = frame.iloc[foreign["row"]]
    assert (rows["language"].str.lower().to_numpy() == foreign["language"].to_numpy()).all()
    where = foreign["language"].map(comments.LANGUAGE_LOCATION)
    assert (rows["location"].to_numpy() == where.to_numpy()).all()


def share(topics: pd.DataFrame, mask: pd.Series, topic: str) -> float:
    sub = topics[mask & ~topics["is_filler"]]
    return float((sub["topic"] == topic).mean())


def test_comment_topic_mix_follows_the_planted_truth(sample):
    t = sample.comment_topics
    cs = t["team"] == "Customer Support"
    assert share(t, cs, "job_security") > 2 * share(t, ~cs, "job_security")
    fa = t["role"] == "Frontline Associate"
    assert share(t, fa, "training_request") > 1.5 * share(t, ~fa, "training_request")
    fin = t["team"] == "Finance Operations"
    assert share(t, fin, "accuracy_distrust") > 2 * share(t, ~fin, "accuracy_distrust")
    oq2 = t["question"] == "OQ2"
    assert share(t, oq2, "training_request") > 0.5


# -------------------------------------------------------------------------------- exports


def test_qualtrics_export_layout(frame):
    data = (SAMPLE_DIR / gen.FILES["qualtrics"]).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    tags, texts, import_ids = rows[:3]
    assert tags[:9] == [
        "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
        "Finished", "RecordedDate", "ResponseId",
    ]  # fmt: skip
    for tag in ("RecipientLastName", "RecipientEmail", "LocationLatitude", "DistributionChannel"):
        assert tag in tags
    assert [t for t in tags if t in {i.id for i in SURVEY.questions}] == [
        q.id for q in SURVEY.questions
    ]
    assert all(json.loads(x).keys() == {"ImportId"} for x in import_ids)
    assert json.loads(import_ids[tags.index("OQ1")])["ImportId"].endswith("_TEXT")
    assert texts[tags.index("TR4")].endswith("I worry that AI tools make errors nobody notices.")
    body = pd.DataFrame(rows[3:], columns=tags)
    assert len(body) == len(frame)
    assert body["ResponseId"].tolist() == frame["respondent_id"].tolist()
    assert body["TR1"].tolist() == frame["TR1"].fillna("").tolist()
    assert body["Team"].tolist() == frame["team"].tolist()


@functools.cache
def read_xlsx(name: str) -> list[list]:
    book = openpyxl.load_workbook(SAMPLE_DIR / name, read_only=True)
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    book.close()
    return rows


def test_ms_forms_export_layout(frame):
    rows = read_xlsx(gen.FILES["ms_forms"])
    header = rows[0]
    assert header[:6] == [
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "Last modified time",
    ]
    assert len(rows) == 1 + len(frame)
    col = header.index(SURVEY.items[0].text)
    assert [r[col] for r in rows[1:]] == frame["TR1"].astype(object).where(
        frame["TR1"].notna(), None
    ).tolist()
    enps = header.index(SURVEY.enps.text)
    assert {type(r[enps]) for r in rows[1:]} <= {int, float, type(None)}
    assert sum(r[3] == "anonymous" for r in rows[1:]) == frame["email"].isna().sum()


def test_surveymonkey_export_layout(frame):
    rows = read_xlsx(gen.FILES["surveymonkey"])
    top, sub = rows[0], rows[1]
    assert top[:9] == [
        "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
        "Email Address", "First Name", "Last Name", "Custom Data 1",
    ]  # fmt: skip
    assert all(s is None for s in sub[:9])
    assert sub[top.index(SURVEY.items[0].text)] == "Response"
    assert sub[top.index(SURVEY.open_questions[0].text)] == "Open-Ended Response"
    assert len(rows) == 2 + len(frame)
    comment_col = top.index(SURVEY.open_questions[0].text)
    assert [r[comment_col] for r in rows[2:]] == frame["OQ1"].astype(object).where(
        frame["OQ1"].notna(), None
    ).tolist()


def test_every_export_column_of_the_survey_is_matched():
    rows = read_xlsx(gen.FILES["surveymonkey"])

    class Col:
        def __init__(self, text: str) -> None:
            self.name = self.export_tag = self.question = text

    matched = [SURVEY.match(Col(t)) for t in rows[0]]
    assert sorted(m.id for m in matched if m) == sorted(q.id for q in SURVEY.questions)


# --------------------------------------------------------------------------- ground truth


def test_ground_truth_file_is_consistent(frame):
    truth = json.loads((SAMPLE_DIR / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth == json.loads(json.dumps(gen.ground_truth()))
    assert truth["team_sizes"] == frame["team"].value_counts().to_dict()
    assert truth["small_teams"] == ["Internal Audit", "Executive Office"]
    assert truth["champion"] == {
        "grouping": "team",
        "group": "Data Platform",
        "constructs": ["trust_in_ai", "fear_of_displacement", "change_readiness"],
    }
    concepts = {c.id: c.concept for c in SURVEY.constructs}
    for e in truth["planted_effects"]:
        assert concepts[e["construct"]] == e["construct_concept"]
        assert e["flag_type"] in (None, "change_management", "training")
        assert (e["flag_type"] is None) == (not e["worse_than_rest"])
    fear = next(e for e in truth["planted_effects"] if e["group"] == "Customer Support")
    assert fear == {
        "grouping": "team",
        "group": "Customer Support",
        "construct": "fear_of_displacement",
        "construct_concept": "fear_of_displacement",
        "direction": "higher",
        "worse_than_rest": True,
        "flag_type": "change_management",
        "latent_shift": 1.0,
    }
    assert {(m["group"], m["direction"], m["better"]) for m in truth["wave2_movements"]} == {
        ("Customer Support", "lower", True),
        ("Marketing", "lower", False),
    }
    for name in truth["files"].values():
        assert (SAMPLE_DIR / name).is_file()


def test_generate_large_scales():
    big = gen.generate_large(10_000, seed=11)
    assert len(big) == 10_000 and big["respondent_id"].is_unique
    assert big["team"].value_counts()["Executive Office"] == 3
    fear = construct_scores(big)["fear_of_displacement"]
    cs = big["team"] == "Customer Support"
    assert fear[cs].mean() - fear[~cs].mean() > 0.6


def test_wave_must_be_1_or_2():
    with pytest.raises(ValueError, match="wave must be 1 or 2"):
        gen.generate_responses(wave=3)


def test_pilot_files_plant_the_pilot_gain_and_nothing_else():
    w1 = gen.generate_responses(wave=1)
    p1 = gen.generate_sample(wave=1, pilot=True).responses
    p2 = gen.generate_sample(wave=2, pilot=True).responses
    # pilot wave 1 is wave 1 plus the pilot column
    pd.testing.assert_frame_equal(p1.drop(columns="pilot"), w1)
    for frame in (p1, p2):
        assert set(frame.loc[frame["pilot"] == "Yes", "team"]) == set(gen.PILOT_TEAMS)
        assert set(frame.loc[frame["pilot"] == "No", "team"]).isdisjoint(gen.PILOT_TEAMS)
    # difference in differences with plain pandas: the planted shifts, nothing else
    s1, s2 = construct_scores(p1), construct_scores(p2)
    m1, m2 = p1["pilot"] == "Yes", p2["pilot"] == "Yes"
    did = (s2[m2].mean() - s2[~m2].mean()) - (s1[m1].mean() - s1[~m1].mean())
    planted = {e.construct: e.shift for e in gen.PILOT_EFFECTS}
    for construct, value in did.items():
        if construct in planted:
            assert value > 0.5 * planted[construct], construct
        else:
            assert abs(value) < 0.15, construct
    header = gen.qualtrics_csv(p1).decode("utf-8-sig").splitlines()[0].split(",")
    assert header[header.index("Location") + 1] == gen.PILOT_QUESTION[0]
