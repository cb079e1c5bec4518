"""Seeded generator of the sample AI change pulse exports with planted ground truth.

``python -m sample_data.generate`` rewrites every file in ``sample_data/``. The same respondents
are exported three ways (Qualtrics CSV, Microsoft Forms XLSX, SurveyMonkey XLSX), plus a second
wave as a Qualtrics CSV. What is planted, and nothing else, is listed in ``ground_truth.json``
(see README.md), so tests can check that the analysis finds exactly that.

Response model (numbers are on the 1-5 answer scale):

    eta[r, c]   = base[c] + sum of planted shifts for r's team and role on c + u[r, c]
                  u[r, :] ~ N(0, SD_PERSON^2 * R)       (R: construct correlations)
    x[r, j]     = eta[r, construct(j)] + offset[j] + e[r, j],   e ~ N(0, SD_ITEM^2)
    answer[r,j] = clip(round(x), 1, 5), mirrored (6 - answer) for reverse-keyed items

Only the planted groups get shifts; every other team and role differs from the rest by noise
alone. eNPS is driven by the person-level part u only, so it carries no group effects.
"""

from __future__ import annotations

import argparse
import io
import json
import string
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from analysis.survey import Survey, default_survey
from sample_data import comments as cm

OUT_DIR = Path(__file__).resolve().parent
SEED = 7
N = 1200
FILES = {
    "qualtrics": "ai_pulse_qualtrics.csv",
    "ms_forms": "ai_pulse_msforms.xlsx",
    "surveymonkey": "ai_pulse_surveymonkey.xlsx",
    "wave2_qualtrics": "wave2_qualtrics.csv",
    "pilot_wave1": "pilot_wave1_qualtrics.csv",
    "pilot_wave2": "pilot_wave2_qualtrics.csv",
    "comment_topics": "comment_topics.csv",
    "ground_truth": "ground_truth.json",
}

AGREE5 = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")
DONT_KNOW = "Don't know"
#: Items that offer a "Don't know" answer (read as missing by analysis.scales).
DONT_KNOW_ITEMS = ("TR3", "CC2")

CONSTRUCTS = (
    "trust_in_ai",
    "fear_of_displacement",
    "change_readiness",
    "ai_skills_confidence",
    "manager_support",
    "communication_clarity",
)
BASE = np.array([3.1, 2.7, 3.4, 3.2, 3.5, 3.0])
SD_PERSON = 0.8
SD_ITEM = 0.6
# Person-level correlations between constructs (order of CONSTRUCTS).
CORR = np.array(
    [
        [1.00, -0.35, 0.45, 0.35, 0.20, 0.25],
        [-0.35, 1.00, -0.30, -0.20, -0.10, -0.20],
        [0.45, -0.30, 1.00, 0.40, 0.40, 0.40],
        [0.35, -0.20, 0.40, 1.00, 0.25, 0.20],
        [0.20, -0.10, 0.40, 0.25, 1.00, 0.35],
        [0.25, -0.20, 0.40, 0.20, 0.35, 1.00],
    ]
)
ITEM_OFFSET = {"TR2": -0.2, "TR3": 0.1, "FD2": -0.2, "FD3": 0.1, "RD1": 0.3, "RD4": -0.3}
ITEM_OFFSET |= {"SK3": -0.25, "MS2": -0.2, "CC2": 0.15}

# name, relative size. Three small teams have fixed sizes whatever n is.
TEAMS: tuple[tuple[str, int], ...] = (
    ("Customer Support", 200),
    ("Sales", 150),
    ("Software Engineering", 130),
    ("Field Operations", 115),
    ("Finance Operations", 95),
    ("Marketing", 90),
    ("IT Service Desk", 75),
    ("Data Platform", 70),
    ("HR & People", 60),
    ("Procurement", 55),
    ("Product Management", 50),
    ("Legal & Compliance", 45),
)
SMALL_TEAMS: tuple[tuple[str, int], ...] = (
    ("Facilities", 7),
    ("Internal Audit", 4),
    ("Executive Office", 3),
)
ROLES = (
    ("Frontline Associate", 0.12),
    ("Specialist", 0.24),
    ("Analyst", 0.18),
    ("Coordinator", 0.14),
    ("Team Lead", 0.13),
    ("Manager", 0.13),
    ("Director", 0.06),
)
TENURES = (
    ("Less than 1 year", 0.12),
    ("1-2 years", 0.20),
    ("3-5 years", 0.28),
    ("6-10 years", 0.22),
    ("More than 10 years", 0.18),
)
# location, share, (latitude, longitude) reported by IP geolocation
LOCATIONS = (
    ("London", 0.32, (51.507, -0.128)),
    ("Manchester", 0.18, (53.481, -2.243)),
    ("Dublin", 0.14, (53.350, -6.260)),
    ("Berlin", 0.10, (52.520, 13.405)),
    ("Madrid", 0.08, (40.417, -3.704)),
    ("Lyon", 0.06, (45.764, 4.836)),
    ("Remote", 0.12, None),
)
DEMOGRAPHICS = {
    "team": ("Team", "Which team do you work in?"),
    "role": ("Role", "Which best describes your role?"),
    "tenure": ("Tenure", "How long have you worked here?"),
    "location": ("Location", "Where are you mainly based?"),
}
#: Qualtrics shows each construct's statements as one matrix question with this lead-in.
MATRIX_PROMPT = "How much do you agree with each statement?"


@dataclass(frozen=True)
class Effect:
    """A planted shift of a group's latent construct mean, in answer-scale points."""

    grouping: str  # "team" | "role"
    group: str
    construct: str
    shift: float
    flag_type: str | None  # change_management | training; None for a better-than-rest group


EFFECTS_WAVE1: tuple[Effect, ...] = (
    Effect("team", "Customer Support", "fear_of_displacement", 1.0, "change_management"),
    Effect("team", "Finance Operations", "trust_in_ai", -1.0, "change_management"),
    Effect("role", "Frontline Associate", "ai_skills_confidence", -0.9, "training"),
    Effect("team", "Field Operations", "manager_support", -1.0, "change_management"),
    Effect("team", "Data Platform", "trust_in_ai", 0.95, None),
    Effect("team", "Data Platform", "fear_of_displacement", -0.95, None),
    Effect("team", "Data Platform", "change_readiness", 0.95, None),
)
CHAMPION = ("team", "Data Platform")
# Wave 2: Customer Support's fear drops after an intervention (reskilling guarantee and
# town halls); Marketing's trust falls after a public AI mistake. Everything else is unchanged.
EFFECTS_WAVE2: tuple[Effect, ...] = (
    *(e for e in EFFECTS_WAVE1 if e.group != "Customer Support"),
    Effect("team", "Marketing", "trust_in_ai", -0.95, "change_management"),
)
# The AI assistant pilot (pilot_wave1/2 files only): three teams were chosen to pilot the tool
# between the waves. Wave 2 of the pilot files plants a trust gain and a skills gain in them;
# wave 1 has no pilot shift (parallel before the pilot). The other files carry no pilot.
PILOT_TEAMS = ("Sales", "IT Service Desk", "Product Management")
PILOT_EFFECTS: tuple[Effect, ...] = tuple(
    Effect("team", team, construct, shift, None)
    for team in PILOT_TEAMS
    for construct, shift in (("trust_in_ai", 0.5), ("ai_skills_confidence", 0.4))
)
#: The pilot column: export tag and question text (a demographic-like yes/no question).
PILOT_QUESTION = ("AIPilot", "Is your team taking part in the AI assistant pilot?")
WAVE_DATES = {1: datetime(2025, 3, 3, 8, 0), 2: datetime(2025, 9, 8, 8, 0)}
FIELD_DAYS = 15

# Comment topic mix per open question (relative weights over cm.TOPICS).
TOPIC_MIX = {
    "OQ1": (0.25, 0.05, 0.25, 0.15, 0.10, 0.15, 0.05),
    "OQ2": (0.02, 0.65, 0.05, 0.10, 0.12, 0.04, 0.02),
    "OQ3": (0.10, 0.10, 0.10, 0.20, 0.30, 0.08, 0.12),
}
FILLER_SHARE = {"OQ1": 0.08, "OQ2": 0.10, "OQ3": 0.25}
ANSWER_RATE = {"OQ1": 0.62, "OQ2": 0.60, "OQ3": 0.55}
# (grouping, group, topic, multiplier): topic tilts that follow the planted truth.
TOPIC_TILTS_WAVE1 = (
    ("team", "Customer Support", "job_security", 4.0),
    ("role", "Frontline Associate", "training_request", 3.0),
    ("team", "Finance Operations", "accuracy_distrust", 3.0),
    ("team", "Data Platform", "positive", 3.0),
    ("team", "Data Platform", "job_security", 0.3),
)
TOPIC_TILTS_WAVE2 = (
    ("team", "Customer Support", "job_security", 1.5),
    *(t for t in TOPIC_TILTS_WAVE1 if t[1] != "Customer Support"),
    ("team", "Marketing", "accuracy_distrust", 2.5),
)
PII_RATE = {"email": 0.012, "phone": 0.008, "name": 0.015}

FIRST_NAMES = (
    "Aisha", "Ben", "Chloe", "Daniel", "Elif", "Femi", "Grace", "Hugo", "Ines", "Jonas",
    "Kavya", "Liam", "Maja", "Nikhil", "Olivia", "Pavel", "Quinn", "Rosa", "Samir", "Tara",
    "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Aoife", "Bogdan", "Carmen", "Dev",
    "Emma", "Farah", "Gareth", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Mateo", "Niamh",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Bauer", "Castillo", "Doyle", "Evans", "Fischer", "Garcia", "Hughes", "Iqbal",
    "Jensen", "Kowalski", "Lambert", "Moreau", "Nakamura", "O'Brien", "Patel", "Quinlan",
    "Rossi", "Schmidt", "Thompson", "Ueda", "Varga", "Walsh", "Xu", "Yilmaz", "Zielinski",
    "Murphy", "Novak", "Okafor", "Brennan", "Dubois", "Kelly", "Lindqvist", "Mensah",
)  # fmt: skip


# ------------------------------------------------------------------------------- structure


def team_sizes(n: int = N) -> dict[str, int]:
    """Exact team sizes for n respondents: small teams fixed, the rest by largest remainder."""
    fixed = sum(size for _, size in SMALL_TEAMS)
    if n < fixed + 20 * len(TEAMS):
        raise ValueError(f"n must be at least {fixed + 20 * len(TEAMS)} for realistic team sizes.")
    weights = np.array([w for _, w in TEAMS], dtype=float)
    quota = weights / weights.sum() * (n - fixed)
    sizes = np.floor(quota).astype(int)
    order = np.argsort(-(quota - sizes), kind="stable")
    sizes[order[: n - fixed - sizes.sum()]] += 1
    out = {name: int(s) for (name, _), s in zip(TEAMS, sizes, strict=True)}
    out |= dict(SMALL_TEAMS)
    return out


def _effects(wave: int) -> tuple[Effect, ...]:
    if wave not in (1, 2):
        raise ValueError(f"wave must be 1 or 2, not {wave!r}.")
    return EFFECTS_WAVE1 if wave == 1 else EFFECTS_WAVE2


def _choice(rng: np.random.Generator, options: Sequence[tuple], n: int) -> np.ndarray:
    names = np.array([o[0] for o in options], dtype=object)
    p = np.array([o[1] for o in options], dtype=float)
    return names[rng.choice(len(options), size=n, p=p / p.sum())]


# ------------------------------------------------------------------------------- responses


@dataclass(frozen=True)
class Sample:
    responses: pd.DataFrame  # canonical answers, one row per respondent (generate_responses)
    comment_topics: pd.DataFrame  # true topic of every comment (comment_topics.csv)


def generate_responses(n: int = N, seed: int = SEED, wave: int = 1) -> pd.DataFrame:
    """One row per respondent: the canonical answers every export is written from.

    Columns: ``respondent_id``, ``team``, ``role``, ``tenure``, ``location``, one column per
    item id with the answer label (``Don't know`` on TR3/CC2, NA when skipped), ``ENPS``
    (Int64, 0-10), ``OQ1``-``OQ3`` (text or NA); then the response metadata the platforms
    export: ``start_time``, ``end_time``, ``duration_s``, ``finished``, ``progress``,
    ``channel``, ``first_name``, ``last_name``, ``email``, ``ip_address``, ``latitude``,
    ``longitude``, ``language``, ``sm_respondent_id``, ``sm_collector_id``. Identity values are
    invented. Rows are in recorded order, the order of every export.
    """
    return generate_sample(n, seed, wave).responses


def generate_large(n: int = 100_000, seed: int = SEED) -> pd.DataFrame:
    """A big wave-1 sample for benchmarks (the same model as the committed sample).

    Vectorised with numpy; 100k rows take a few seconds, mostly for the comment texts.
    """
    return generate_responses(n=n, seed=seed, wave=1)


def generate_sample(n: int = N, seed: int = SEED, wave: int = 1, pilot: bool = False) -> Sample:
    """The canonical responses and the true topic of every comment, from one seed.

    Independent random streams (answers, comments, metadata, ids) keep each part stable when
    another one changes. Wave 2 draws new respondents from the same organisation. ``pilot``
    adds the ``pilot`` column (Yes for :data:`PILOT_TEAMS`) and plants wave 1's effects in both
    waves plus, in wave 2, :data:`PILOT_EFFECTS`: the pilot is then the only movement.
    """
    survey = default_survey()
    effects = _effects(wave)
    story = wave  # whose planted effects and comment tilts
    if pilot:  # the pilot files keep wave 1's organisation; wave 2 adds the pilot only
        story = 1
        effects = _effects(1) + (PILOT_EFFECTS if wave == 2 else ())
    rng = np.random.default_rng([seed, wave])

    sizes = team_sizes(n)
    team = rng.permutation(np.repeat(np.array(list(sizes), dtype=object), list(sizes.values())))
    role = _choice(rng, ROLES, n)
    tenure = _choice(rng, TENURES, n)
    location = _choice(rng, LOCATIONS, n)

    shift = np.zeros((n, len(CONSTRUCTS)))
    for e in effects:
        members = (team if e.grouping == "team" else role) == e.group
        shift[members, CONSTRUCTS.index(e.construct)] += e.shift
    person = rng.standard_normal((n, len(CONSTRUCTS))) @ np.linalg.cholesky(CORR).T * SD_PERSON
    eta = BASE + shift + person

    items = survey.items
    cidx = np.array([CONSTRUCTS.index(i.construct) for i in items])
    offsets = np.array([ITEM_OFFSET.get(i.id, 0.0) for i in items])
    x = eta[:, cidx] + offsets + rng.normal(0.0, SD_ITEM, (n, len(items)))
    forward = np.clip(np.rint(x), 1, 5).astype(int)
    reverse = np.array([i.reverse for i in items])
    answer = np.where(reverse, 6 - forward, forward)

    # Partial responses stop at a random item; others skip the odd item.
    finished = rng.random(n) >= 0.04
    stop = np.where(finished, len(items), rng.integers(2, len(items), n))
    skipped = (np.arange(len(items)) >= stop[:, None]) | (rng.random((n, len(items))) < 0.012)
    labels = np.array(AGREE5, dtype=object)[answer - 1]
    labels[skipped] = None
    for item_id in DONT_KNOW_ITEMS:
        j = next(k for k, i in enumerate(items) if i.id == item_id)
        dk = (rng.random(n) < 0.03) & ~skipped[:, j]
        labels[dk, j] = DONT_KNOW

    # eNPS follows the person-level part only (no group effects).
    z = person / SD_PERSON
    drive = 0.30 * z[:, 4] + 0.25 * z[:, 2] + 0.20 * z[:, 5] + 0.15 * z[:, 0] - 0.15 * z[:, 1]
    enps = np.clip(np.rint(6.8 + 1.6 * drive + rng.normal(0, 1.4, n)), 0, 10).astype(int)
    enps_missing = ~finished | (rng.random(n) < 0.03)

    cols: dict[str, np.ndarray] = {
        "team": team,
        "role": role,
        "tenure": tenure,
        "location": location,
    }
    if pilot:
        cols["pilot"] = np.where(np.isin(team, PILOT_TEAMS), "Yes", "No").astype(object)
    cols |= {item.id: labels[:, j] for j, item in enumerate(items)}
    cols["ENPS"] = np.where(enps_missing, None, enps)

    texts, records = _comments(cols, eta, finished, np.random.default_rng([seed, wave, 1]), story)
    cols |= texts
    meta = _metadata(
        location, finished, stop, len(items), wave, np.random.default_rng([seed, wave, 2])
    )
    for rec in records:
        if rec["language"] != "en":
            meta["language"][rec["row"]] = rec["language"].upper()
    cols |= meta

    # Exports list responses in the order they were recorded.
    order = np.argsort(cols["end_time"], kind="stable")
    ids = np.random.default_rng([seed, wave, 3])
    frame = pd.DataFrame({"respondent_id": pd.Series(_response_ids(n, ids), dtype="str")})
    for name, values in cols.items():
        values = values[order]
        if name == "ENPS":
            frame[name] = pd.array(values, dtype="Int64")
        elif values.dtype == object:
            frame[name] = pd.Series(values, dtype="str")
        else:
            frame[name] = values
    frame["sm_respondent_id"] = 118_200_000_000 + np.cumsum(ids.integers(40_000, 900_000, n))
    return Sample(frame, _topics_table(records, order, frame))


def _response_ids(n: int, rng: np.random.Generator) -> np.ndarray:
    alphabet = np.array(list(string.ascii_letters + string.digits))
    while True:
        chars = alphabet[rng.integers(0, len(alphabet), (n, 15))]
        ids = np.array(["R_" + "".join(row) for row in chars], dtype=object)
        if len(set(ids)) == n:
            return ids


# -------------------------------------------------------------------------------- comments


def _comments(
    cols: dict[str, np.ndarray],
    eta: np.ndarray,
    finished: np.ndarray,
    rng: np.random.Generator,
    wave: int,
) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Open-question answers and each one's true topic.

    Who writes: a per-person talkativeness, so ~60% answer each question and the same people
    tend to answer all three. What about: the question's topic mix, tilted by planted group
    tilts and by the person's own latent scores (the fearful write about job security).
    """
    team, role, location = cols["team"], cols["role"], cols["location"]
    n = len(team)
    tilts = TOPIC_TILTS_WAVE1 if wave == 1 else TOPIC_TILTS_WAVE2
    talk = rng.standard_normal(n)
    dev = (eta - BASE) / SD_PERSON
    personal = np.ones((n, len(cm.TOPICS)))
    personal[:, cm.TOPICS.index("job_security")] *= np.exp(0.6 * dev[:, 1])
    personal[:, cm.TOPICS.index("accuracy_distrust")] *= np.exp(-0.6 * dev[:, 0])
    personal[:, cm.TOPICS.index("training_request")] *= np.exp(-0.6 * dev[:, 3])
    personal[:, cm.TOPICS.index("positive")] *= np.exp(0.6 * dev[:, 2])
    for grouping, group, topic, mult in tilts:
        members = (team if grouping == "team" else role) == group
        personal[members, cm.TOPICS.index(topic)] *= mult

    texts: dict[str, np.ndarray] = {}
    records: list[dict] = []
    for q in ("OQ1", "OQ2", "OQ3"):
        # logistic(a + 1.2 * talk) averages to about ANSWER_RATE[q]
        a = np.log(ANSWER_RATE[q] / (1 - ANSWER_RATE[q])) * 1.35
        answers = finished & (rng.random(n) < 1 / (1 + np.exp(-(a + 1.2 * talk))))
        filler = answers & (rng.random(n) < FILLER_SHARE[q])
        w = personal * np.array(TOPIC_MIX[q])
        cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
        topic_idx = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), len(cm.TOPICS) - 1)
        draws = rng.integers(0, 2**31 - 1, (n, 12))
        out = np.full(n, None, dtype=object)
        for r in np.flatnonzero(answers):
            if filler[r]:
                out[r] = cm.FILLERS[draws[r, 0] % len(cm.FILLERS)]
                topic = cm.FILLER_TOPIC
            else:
                topic = cm.TOPICS[topic_idx[r]]
                out[r] = _fill(topic, draws[r], team[r])
            records.append(
                {"row": r, "question": q, "topic": topic, "language": "en", "pii_type": ""}
            )
        texts[q] = out

    _plant_foreign(texts, records, location, rng)
    _plant_pii(texts, records, rng)
    return texts, records


_SLOT_NAMES = {
    t: tuple(f for _, f, _, _ in string.Formatter().parse(t) if f)
    for templates in cm.TEMPLATES.values()
    for t in templates
}


def _fill(topic: str, draws: np.ndarray, team: str) -> str:
    templates = cm.TEMPLATES[topic]
    template = templates[draws[0] % len(templates)]
    values = {"team": team}
    for k, slot in enumerate(_SLOT_NAMES[template]):
        if slot != "team":
            options = cm.SLOTS[slot]
            values[slot] = options[draws[1 + k % 9] % len(options)]
    text = " ".join(template.format(**values).split())
    style = draws[11] % 20
    if style == 0:
        text = text[0].lower() + text[1:]
    elif style in (1, 2) and text.endswith("."):
        text = text[:-1]
    return text


def _plant_foreign(
    texts: dict[str, np.ndarray],
    records: list[dict],
    location: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Replace a few comments from Berlin, Madrid and Lyon with German, Spanish, French ones."""
    per_language = max(2, round(len(location) * 0.005 / 3))
    for lang, where in cm.LANGUAGE_LOCATION.items():
        candidates = [
            k
            for k, rec in enumerate(records)
            if rec["topic"] != cm.FILLER_TOPIC
            and location[rec["row"]] == where
            and rec["question"] in ("OQ1", "OQ3")
        ]
        chosen = rng.choice(len(candidates), size=min(per_language, len(candidates)), replace=False)
        options = cm.FOREIGN[lang]
        for m, k in enumerate(sorted(candidates[int(c)] for c in chosen)):
            rec = records[k]
            text, topic = options[m % len(options)]
            texts[rec["question"]][rec["row"]] = text
            rec["topic"] = topic
            rec["language"] = lang


def _plant_pii(texts: dict[str, np.ndarray], records: list[dict], rng: np.random.Generator) -> None:
    """Add an e-mail, phone number or colleague's name to a few English comments."""
    eligible = np.array(
        [rec["topic"] != cm.FILLER_TOPIC and rec["language"] == "en" for rec in records]
    )
    u = rng.random(len(records))
    draws = rng.integers(0, 2**31 - 1, (len(records), 4))
    lo = 0.0
    for kind, rate in PII_RATE.items():
        hit = eligible & (u >= lo) & (u < lo + rate)
        lo += rate
        for k in np.flatnonzero(hit):
            rec = records[k]
            d = draws[k]
            first = FIRST_NAMES[d[0] % len(FIRST_NAMES)]
            last = LAST_NAMES[d[1] % len(LAST_NAMES)]
            if kind == "email":
                value = f"{first}.{last}".lower().replace("'", "") + "@example.com"
            elif kind == "phone":
                value = (
                    f"020 7946 0{d[2] % 1000:03d}" if d[3] % 2 else f"07700 900{d[2] % 1000:03d}"
                )
            else:
                value = f"{first} {last}"
            forms = cm.PII_FORMS[kind]
            text = texts[rec["question"]][rec["row"]]
            texts[rec["question"]][rec["row"]] = forms[d[3] % len(forms)].format(
                text=text, pii=value
            )
            rec["pii_type"] = kind
            rec["pii_text"] = value


def _topics_table(records: list[dict], order: np.ndarray, frame: pd.DataFrame) -> pd.DataFrame:
    """comment_topics.csv: one row per answered open question, with export row positions."""
    position = np.empty(len(order), dtype=int)
    position[order] = np.arange(len(order))
    table = pd.DataFrame(records)
    if table.empty:
        return pd.DataFrame(
            columns=["row", "respondent_id", "team", "role", "question", "topic", "is_filler"]
        )
    table["row"] = position[table["row"].to_numpy()]
    table["respondent_id"] = frame["respondent_id"].to_numpy()[table["row"].to_numpy()]
    table["team"] = frame["team"].to_numpy()[table["row"].to_numpy()]
    table["role"] = frame["role"].to_numpy()[table["row"].to_numpy()]
    table["is_filler"] = table["topic"] == cm.FILLER_TOPIC
    if "pii_text" not in table:
        table["pii_text"] = ""
    table["pii_text"] = table["pii_text"].fillna("")
    cols = ["row", "respondent_id", "team", "role", "question", "topic", "is_filler"]
    cols += ["language", "pii_type", "pii_text"]
    return table[cols].sort_values(["row", "question"], kind="stable").reset_index(drop=True)


# -------------------------------------------------------------------------------- metadata


def _metadata(
    location: np.ndarray,
    finished: np.ndarray,
    stop: np.ndarray,
    n_items: int,
    wave: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Timestamps, completion and invented identities, as survey platforms record them."""
    n = len(location)
    day = rng.integers(0, FIELD_DAYS, n)
    day = day + 2 * (day // 5)  # weekdays only
    start = np.datetime64(WAVE_DATES[wave], "s") + (
        day * 86_400 + rng.integers(0, 10 * 3600, n)
    ).astype("timedelta64[s]")
    duration = np.rint(np.exp(rng.normal(np.log(420), 0.5, n))).astype(int)
    # demographics (4) + answered items, out of every question (4 + items + eNPS + 3 open)
    progress = np.where(finished, 100, np.rint(100 * (4 + stop) / (n_items + 8))).astype(int)
    duration = np.where(finished, duration, np.maximum(30, duration * progress // 100))
    end = start + duration.astype("timedelta64[s]")

    anonymous = rng.random(n) >= 0.85
    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.array(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), n)]
    # one address per person, as a company's are: a second "grace.brennan" is grace.brennan2
    # (no random draw, so every other column stays as it was)
    seen: dict[str, int] = {}
    addresses = []
    for f, la in zip(first, last, strict=True):
        local = f"{f}.{la}".lower().replace("'", "")
        seen[local] = seen.get(local, 0) + 1
        addresses.append(f"{local}{seen[local] if seen[local] > 1 else ''}@example.com")
    email = np.array(addresses, dtype=object)
    for col in (first, last, email):
        col[anonymous] = None

    # IP addresses from the documentation ranges (RFC 5737); coordinates near the office.
    nets = np.array(["192.0.2.", "198.51.100.", "203.0.113."], dtype=object)
    ip = nets[rng.integers(0, 3, n)] + rng.integers(1, 255, n).astype(str).astype(object)
    offices = np.array([c for _, _, c in LOCATIONS if c is not None])
    office_of = {name: k for k, (name, _, c) in enumerate(LOCATIONS) if c is not None}
    remote_office = rng.integers(0, len(offices), n)
    idx = np.array([office_of.get(x, -1) for x in location], dtype=int)
    idx = np.where(idx < 0, remote_office, idx)
    lat = np.round(offices[idx, 0] + rng.normal(0, 0.03, n), 4)
    lon = np.round(offices[idx, 1] + rng.normal(0, 0.03, n), 4)

    return {
        "start_time": start,
        "end_time": end,
        "duration_s": duration,
        "finished": finished,
        "progress": progress,
        "channel": np.where(anonymous, "anonymous", "email").astype(object),
        "first_name": first,
        "last_name": last,
        "email": email,
        "ip_address": ip,
        "latitude": lat,
        "longitude": lon,
        "language": np.full(n, "EN", dtype=object),
        "sm_collector_id": np.where(anonymous, 452_901_337, 452_877_104),
    }


# --------------------------------------------------------------------------------- writers

QUALTRICS_META = (
    # export tag, question text (row 2), ImportId (row 3)
    ("StartDate", "Start Date", "startDate"),
    ("EndDate", "End Date", "endDate"),
    ("Status", "Response Type", "status"),
    ("IPAddress", "IP Address", "ipAddress"),
    ("Progress", "Progress", "progress"),
    ("Duration (in seconds)", "Duration (in seconds)", "duration"),
    ("Finished", "Finished", "finished"),
    ("RecordedDate", "Recorded Date", "recordedDate"),
    ("ResponseId", "Response ID", "_recordId"),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
)


def _questions(survey: Survey, pilot: bool = False) -> list[tuple[str, str, str, str]]:
    """(canonical column, export tag, Qualtrics question text, Qualtrics ImportId) in order."""
    out = [
        (col, tag, text, f"QID{k}")
        for k, (col, (tag, text)) in enumerate(DEMOGRAPHICS.items(), start=1)
    ]
    qid = len(out)
    if pilot:
        out.append(("pilot", *PILOT_QUESTION, "QID90"))
    for construct in survey.constructs:
        qid += 1
        for k, item in enumerate(survey.items_for(construct), start=1):
            out.append((item.id, item.id, f"{MATRIX_PROMPT} - {item.text}", f"QID{qid}_{k}"))
    assert survey.enps is not None
    out.append(("ENPS", survey.enps.id, survey.enps.text, f"QID{qid + 1}"))
    for k, q in enumerate(survey.open_questions, start=qid + 2):
        out.append((q.id, q.id, q.text, f"QID{k}_TEXT"))
    return out


def _plain_text(survey: Survey) -> dict[str, str]:
    """Canonical column -> question text as Forms and SurveyMonkey show it (no matrix lead-in)."""
    texts = {col: text for col, (_, text) in DEMOGRAPHICS.items()}
    texts |= {q.id: q.text for q in survey.questions}
    texts["ENPS"] = texts.pop(survey.enps.id) if survey.enps else ""
    return texts


def _timestamps(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d %H:%M:%S").astype("str")


def qualtrics_csv(frame: pd.DataFrame, survey: Survey | None = None) -> bytes:
    """A Qualtrics "CSV, choice text" export: 3 header rows (tags, texts, ImportId JSON).

    UTF-8 with BOM and CRLF line ends, as Qualtrics downloads are.
    """
    survey = survey or default_survey()
    questions = _questions(survey, pilot="pilot" in frame.columns)
    ended = _timestamps(frame["end_time"])
    out = pd.DataFrame(
        {
            "StartDate": _timestamps(frame["start_time"]),
            "EndDate": ended,
            "Status": "IP Address",
            "IPAddress": frame["ip_address"],
            "Progress": frame["progress"].astype(str),
            "Duration (in seconds)": frame["duration_s"].astype(str),
            "Finished": frame["finished"].map({True: "True", False: "False"}),
            "RecordedDate": ended,
            "ResponseId": frame["respondent_id"],
            "RecipientLastName": frame["last_name"],
            "RecipientFirstName": frame["first_name"],
            "RecipientEmail": frame["email"],
            "ExternalReference": pd.Series(pd.NA, index=frame.index, dtype="str"),
            "LocationLatitude": frame["latitude"].map("{:.4f}".format),
            "LocationLongitude": frame["longitude"].map("{:.4f}".format),
            "DistributionChannel": frame["channel"],
            "UserLanguage": frame["language"],
        }
    )
    for col, tag, _, _ in questions:
        out[tag] = frame[col].astype("str")
    buf = io.StringIO()
    header = pd.DataFrame(
        [
            [m[0] for m in QUALTRICS_META] + [q[1] for q in questions],
            [m[1] for m in QUALTRICS_META] + [q[2] for q in questions],
            [json.dumps({"ImportId": m[2]}) for m in QUALTRICS_META]
            + [json.dumps({"ImportId": q[3]}) for q in questions],
        ]
    )
    header.to_csv(buf, header=False, index=False, lineterminator="\r\n")
    out.to_csv(buf, header=False, index=False, lineterminator="\r\n", na_rep="")
    return buf.getvalue().encode("utf-8-sig")


_XLSX_OPTIONS = {
    "in_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}
_XLSX_CREATED = datetime(2025, 1, 1)


def _xlsx(sheet_name: str, header_rows: list[list[str]], columns: list[tuple[str, pd.Series]]):
    """Write an XLSX with explicit cell types: text stays text (no formulas), NA stays blank."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, _XLSX_OPTIONS)
    book.set_properties({"created": _XLSX_CREATED, "author": "ChangeRadar sample generator"})
    sheet = book.add_worksheet(sheet_name)
    when = book.add_format({"num_format": "m/d/yy h:mm:ss"})
    bold = book.add_format({"bold": True})
    for r, row in enumerate(header_rows):
        for c, value in enumerate(row):
            if value:
                sheet.write_string(r, c, value, bold)
    start = len(header_rows)
    for c, (_, values) in enumerate(columns):
        kind = values.dtype.kind if not isinstance(values.dtype, pd.StringDtype) else "O"
        data = values.to_numpy(dtype=object)
        for r, v in enumerate(data, start=start):
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                continue
            if kind == "M":
                sheet.write_datetime(r, c, pd.Timestamp(v).to_pydatetime(), when)
            elif isinstance(v, str):
                sheet.write_string(r, c, v)
            else:
                sheet.write_number(r, c, float(v))
    sheet.freeze_panes(start, 0)
    book.close()
    return buf.getvalue()


def ms_forms_xlsx(frame: pd.DataFrame, survey: Survey | None = None) -> bytes:
    """A Microsoft Forms "Open results in Excel" export: one header row of question texts."""
    survey = survey or default_survey()
    texts = _plain_text(survey)
    name = (frame["first_name"] + " " + frame["last_name"]).astype("str")
    email = frame["email"].fillna("anonymous")
    columns = [
        ("ID", pd.Series(np.arange(1, len(frame) + 1), index=frame.index)),
        ("Start time", frame["start_time"]),
        ("Completion time", frame["end_time"]),
        ("Email", email),
        ("Name", name),
        ("Last modified time", pd.Series(pd.NA, index=frame.index, dtype="str")),
    ]
    columns += [(texts[col], frame[col]) for col, _, _, _ in _questions(survey)]
    return _xlsx("Sheet1", [[c for c, _ in columns]], columns)


def surveymonkey_xlsx(frame: pd.DataFrame, survey: Survey | None = None) -> bytes:
    """A SurveyMonkey "All responses, expanded" XLSX: question row, then a Response row."""
    survey = survey or default_survey()
    texts = _plain_text(survey)
    open_ids = {q.id for q in survey.open_questions}
    meta = [
        ("Respondent ID", frame["sm_respondent_id"]),
        ("Collector ID", frame["sm_collector_id"]),
        ("Start Date", frame["start_time"]),
        ("End Date", frame["end_time"]),
        ("IP Address", frame["ip_address"]),
        ("Email Address", frame["email"]),
        ("First Name", frame["first_name"]),
        ("Last Name", frame["last_name"]),
        ("Custom Data 1", pd.Series(pd.NA, index=frame.index, dtype="str")),
    ]
    questions = [(col, texts[col]) for col, _, _, _ in _questions(survey)]
    top = [m for m, _ in meta] + [t for _, t in questions]
    sub = [""] * len(meta) + [
        "Open-Ended Response" if col in open_ids else "Response" for col, _ in questions
    ]
    columns = meta + [(t, frame[col]) for col, t in questions]
    return _xlsx("Sheet", [top, sub], columns)


# ---------------------------------------------------------------------------- ground truth


def ground_truth(n: int = N, seed: int = SEED) -> dict:
    """What is planted, machine-readable (written as ground_truth.json)."""
    survey = default_survey()

    def effect(e: Effect) -> dict:
        c = survey.construct(e.construct)
        higher = e.shift > 0
        worse = higher != c.higher_is_better
        return {
            "grouping": e.grouping,
            "group": e.group,
            "construct": e.construct,
            "construct_concept": c.concept,
            "direction": "higher" if higher else "lower",
            "worse_than_rest": worse,
            "flag_type": e.flag_type,
            "latent_shift": e.shift,
        }

    w1 = {(e.grouping, e.group, e.construct): e.shift for e in EFFECTS_WAVE1}
    w2 = {(e.grouping, e.group, e.construct): e.shift for e in EFFECTS_WAVE2}
    movements = []
    for key in sorted(set(w1) | set(w2)):
        change = w2.get(key, 0.0) - w1.get(key, 0.0)
        if change:
            c = survey.construct(key[2])
            movements.append(
                {
                    "grouping": key[0],
                    "group": key[1],
                    "construct": key[2],
                    "construct_concept": c.concept,
                    "direction": "higher" if change > 0 else "lower",
                    "better": (change > 0) == c.higher_is_better,
                    "latent_change": round(change, 3),
                }
            )
    sizes = team_sizes(n)
    return {
        "seed": seed,
        "n": n,
        "survey": survey.id,
        "files": {k: v for k, v in FILES.items() if k != "ground_truth"},
        "same_respondents_in": ["qualtrics", "ms_forms", "surveymonkey"],
        "detection_rule": (
            "group vs rest of the organisation, construct score = mean of answered items "
            "(reverse-coded, >= 50% answered); Welch t-test, Holm across all groups x "
            "constructs of one grouping; a finding is p_adj < 0.05 and |Cohen's d| >= 0.5. "
            "Every planted effect is found and nothing else, for seeds 1-5."
        ),
        "planted_effects": [effect(e) for e in EFFECTS_WAVE1],
        "champion": {
            "grouping": CHAMPION[0],
            "group": CHAMPION[1],
            "constructs": [e.construct for e in EFFECTS_WAVE1 if e.group == CHAMPION[1]],
        },
        "no_effect_groups": {
            "team": [t for t in sizes if t not in {e.group for e in EFFECTS_WAVE1}],
            "role": [r for r, _ in ROLES if r not in {e.group for e in EFFECTS_WAVE1}],
            "tenure": [t for t, _ in TENURES],
            "location": [loc for loc, _, _ in LOCATIONS],
        },
        "enps": "driven by person-level scores only: no team or role effects",
        "team_sizes": sizes,
        "small_teams": [t for t, s in sizes.items() if s < 5],
        "teams_5_to_9": [t for t, s in sizes.items() if 5 <= s <= 9],
        "comment_topic_tilts": [
            {"grouping": g, "group": grp, "topic": t, "weight_multiplier": m}
            for g, grp, t, m in TOPIC_TILTS_WAVE1
        ],
        "comment_topics": [*cm.TOPICS, cm.FILLER_TOPIC],
        "wave2": {
            "file": FILES["wave2_qualtrics"],
            "seed": seed,
            "n": n,
            "planted_effects": [effect(e) for e in EFFECTS_WAVE2],
            "comment_topic_tilts": [
                {"grouping": g, "group": grp, "topic": t, "weight_multiplier": m}
                for g, grp, t, m in TOPIC_TILTS_WAVE2
            ],
        },
        "wave2_movements": movements,
        "pilot": {
            "files": [FILES["pilot_wave1"], FILES["pilot_wave2"]],
            "column": PILOT_QUESTION[0],
            "teams": list(PILOT_TEAMS),
            "pilot_size": sum(sizes[t] for t in PILOT_TEAMS),
            "planted_wave2_effects": [
                {"construct": c, "latent_shift": shift}
                for c, shift in (("trust_in_ai", 0.5), ("ai_skills_confidence", 0.4))
            ],
            "note": (
                "Pilot wave 1 = the wave 1 respondents plus the pilot column. Pilot wave 2 = the "
                "wave 2 respondents with wave 1's planted effects (no Customer Support or "
                "Marketing movement) plus the pilot shifts: the pilot is the only movement, so "
                "the difference in differences should recover the shifts (0.5 and 0.4 answer "
                "points, about 12.5 and 10 points on 0-100) and nothing else."
            ),
        },
    }


# ------------------------------------------------------------------------------------ main


def build_files(n: int = N, seed: int = SEED) -> dict[str, bytes]:
    """Every sample file's bytes, by file name."""
    survey = default_survey()
    wave1 = generate_sample(n, seed, 1)
    wave2 = generate_sample(n, seed, 2)
    pilot1 = generate_sample(n, seed, 1, pilot=True)
    pilot2 = generate_sample(n, seed, 2, pilot=True)
    topics = wave1.comment_topics.to_csv(index=False, lineterminator="\n")
    truth = json.dumps(ground_truth(n, seed), indent=2, ensure_ascii=False) + "\n"
    return {
        FILES["qualtrics"]: qualtrics_csv(wave1.responses, survey),
        FILES["ms_forms"]: ms_forms_xlsx(wave1.responses, survey),
        FILES["surveymonkey"]: surveymonkey_xlsx(wave1.responses, survey),
        FILES["wave2_qualtrics"]: qualtrics_csv(wave2.responses, survey),
        FILES["pilot_wave1"]: qualtrics_csv(pilot1.responses, survey),
        FILES["pilot_wave2"]: qualtrics_csv(pilot2.responses, survey),
        FILES["comment_topics"]: topics.encode("utf-8"),
        FILES["ground_truth"]: truth.encode("utf-8"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sample_data.generate", description="Regenerate the sample exports."
    )
    parser.add_argument("--n", type=int, default=N, help=f"respondents (default {N})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = parser.parse_args(argv)
    try:
        files = build_files(args.n, args.seed)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
        print(f"wrote {args.out / name} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
