"""REAL DATA: comment themes against human theme codes on real, openly licensed comments.

For each set with a ``themes.tsv`` (``evals/data/real/<set>/``; coding guideline in
``THEMES_GUIDELINE.md`` beside it), all comments of the set (2,392 interview answers; 2,675
staff comments, as one survey export would give them) are themed once with default parameters
and no codes (since 2026-12-05 as the app themes them: the analysed comments only, not filler
and English, the rest counted as one cluster without a theme); the themes are scored against
the main theme code on the human-coded **dev**
rows (the tuning split) and, separately, the **test** rows (held out; the goals apply there):

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
Tuning (the concern threshold, granularity, the k rule) used the dev rows only
(``python -m evals.themes_real dev``).

Figures (2026-12-02 22:30, codebook as shipped; NMI of broad themes / of sub-themes (leaves) /
baseline). The k rule of ``grouping.separated_k`` leaves both sets' themes unchanged (the AI
answers are mostly guided, so k = t; on staff comments the separation test keeps t), so these
are also the figures before it; it moves the three-domain check (evals/themes.py, k auto) from
7 themes, ARI 0.39, to 3 themes, ARI 0.77.

* ai_at_work_interviews, 18 themes, 30 leaves: dev 0.327 / 0.348 / 0.363 (k=15);
  test 0.370 / 0.399 / 0.391. Goal 0.45 missed. Zero-shot matching of these long interview
  answers to the codebook is right for 44% of the dev answers (argmax over the 11 concerns).
  Tried on dev and
  not adopted: mean-centring the embeddings (zero-shot 0.44, k-means NMI lower at k 11-20),
  comment vectors as the mean of sentence vectors (zero-shot 0.52, but k-means NMI 0.30-0.33
  against 0.34-0.36), a sharper leadership/misuse phrasing (group NMI 0.31 against 0.33),
  concern thresholds 0.30-0.50 (0.32-0.34, within noise of 251 rows).
* workplace_feedback, 13 themes, 36 leaves: dev 0.419 / 0.499 / 0.388 (k=8); test
  0.400 / 0.488 / 0.391. Goal 0.50 missed; at least 8 themes met.

2026-12-03: the codebook gained three concerns that general answers to "what worries you about
AI" raise and the AI-at-work concerns lumped together (issue 15: misinformation, environment,
power): misinformation and fakes, environmental cost, power and control. Added as they are,
the earlier concerns unchanged (a version that also moved deepfakes and the environment out of
misuse and ethics gave dev 0.307 and was not kept). AI-at-work answers: 19 themes, 30 leaves,
dev 0.330 / 0.362, test 0.368 / 0.406 (the interviews rarely raise them: 3 answers join "power
and control"); staff comments unchanged.

2026-12-04: a third set, ``ai_short_answers`` (743 short real survey answers about AI: Stack
Overflow 2023, DataKind UK 2019; codes in its labels.tsv, one reader per row, guideline beside
it). 14 themes, 26 leaves: dev 0.270 / 0.324 / 0.292 (k=15); test 0.246 / 0.339 / 0.302:
**below the baseline**, as the issue saw on its AI-worry answers. Why, on dev: the codebook
takes 45% of the answers, and only about one in six of those matches the reader's code ("AI
could help increase the search engine" joins "Misuse of AI"): every answer mentions AI, so
its cosine to every AI concern is high. With 45% guided (< ``SINGLE_SUBJECT``) the separation
test then cuts the rest to 2 themes ("answers", "idea"). Tried on dev, none kept: always k = t
(0.292, but the three-domain check needs the test); concern thresholds 0.45-0.55 (0.267-0.324,
noise-sized); a specificity margin over the mean concern score (0.27-0.32); cosines after
removing the survey's mean vector (0.32 here, but 11% of the non-AI staff comments then join an
AI concern, and the interview answers fall to 0.20-0.24 at thresholds 0.3-0.4).
After the set's split moved to respondents (DataKind): dev 0.259 / 0.316 / 0.279, test 0.261 /
0.355 / 0.312, 14 themes.

2026-12-05: the eval themed every comment of a set, filler included, while the app themes the
analysed comments only (``~is_filler & is_english``). It now does as the app does; comments
without a theme count as one cluster (-1). Same fit otherwise. NMI of broad themes, dev / test,
before -> after: interviews 0.324 / 0.360 -> 0.324 / 0.360; short answers 0.262 / 0.291 ->
0.256 / 0.275; staff 0.413 / 0.355 -> 0.387 / 0.343. Then the filler phrases of that day
(written from the staff dev rows coded "nothing to add"): staff 0.387 / 0.343 -> 0.385 / 0.406
(15 themes), the others unchanged: the test figure moved by 0.06 while dev did not move, the
instability of clustering a few hundred answers, not a gain to count on.

2026-12-05, labels: the last row is the blind rating (1-3) of the discovered themes' and
sub-themes' labels, read from ``theme_labels/ratings.tsv`` (guideline beside it) for the labels
this fit gives; labels that were never judged are counted as such. The labeller of that day
(no phrase across punctuation, noun-ended labels, the five best re-ordered by closeness to the
theme's centre): 1.93 against 1.77 before, on the same 97 groups (themes and NMI
unchanged); on the themes with the background phrasings below, re-judged: 1.97 against 1.89
(105 groups; rated 1: 26 against 36).

2026-12-05, background phrasings (issue 15): the guided themes were wrong for most comments
they took. The new "guided themes right" row (the share of the human-coded comments in a
guided theme whose main or second code is that concern) read, dev / test: interviews 0.486 /
0.466, short answers 0.204 / 0.163 (416 interview answers in "Leadership communication", 9% of
them about leadership). Every answer about AI sits above the threshold for some AI concern, and
raising it only moved answers to the next concern. Tried on dev, not kept: a sharper
leadership description (its answers went to "Job security"), thresholds 0.45-0.50 (precision
unchanged), a margin over the second concern or over the mean concern score (precision up to
0.6-0.9 but NMI down 0.05-0.14 as guidance vanished), the survey's own mean vector as the
rival (it took 95% of the interview answers out of every concern). Kept: the codebook's
``background`` phrasings, sentences about using AI that voice no concern, written from the
concern definitions (a first list had "finding similar questions", which echoed the Stack
Overflow answers; it was replaced before the test rows were read); a comment closer to one of
them than to every concern joins none. With eight phrasings: dev precision 0.486 -> 0.590 and
0.204 -> 0.336, NMI 0.324 -> 0.359, 0.256 -> 0.304, staff 0.385 -> 0.417; test, read once:
precision 0.466 -> 0.558 and 0.163 -> 0.236, NMI 0.360 -> 0.401, 0.275 -> 0.343, staff 0.406 ->
0.392. A review then found that one phrasing ("I use it every day for routine tasks at work")
took "It saves me hours on routine tasks", the workload concern's own example, and that a
secondary concern ignored the background. Both fixed (seven phrasings; a secondary concern
must beat the background too; a test checks that every example that joined its concern still
does); the test rows were read a second time, for the fix, not for a choice. Now, dev / test:
interviews precision 0.585 (100 of 171) / 0.596 (62 of 104; before: 104 of 214 / 54 of 116),
NMI 0.364 / 0.385 (22 themes; baseline 0.371); short answers 0.339 (37 of 109) / 0.236 (13 of
55; before 43 of 211 / 20 of 123: fewer wrong, fewer right), NMI 0.305 / 0.330 (18; baseline
0.309); staff NMI 0.417 / 0.392 (14 themes: one guided theme of 3 comments went to discovery
and the discovered themes were re-fitted). The three-domain check is unchanged (ARI 0.753).
Goals still missed.

2026-12-05, stop 40: the themes read each comment's mean sentence vector
(``analysis.comment_vectors``, the vectors sentiment and signals compute anyway) instead of
embedding up to 1,000 whole comments, and cluster up to 3,000 distinct comments. Chosen on dev
(means over seeds 0-4, broad themes): interviews 0.311 -> 0.368, short answers 0.313 -> 0.304,
staff 0.405 -> 0.411; guided precision on the interviews 0.534 -> 0.650 (3,000 whole comments
instead: 0.337 / 0.313 / 0.415, precision 0.497). Test, read once afterwards (seed 0):
interviews 0.385 -> 0.400 (23 themes), short answers 0.330 -> 0.364 (19), staff 0.392 -> 0.441
(19); seed means 0.401 / 0.327 / 0.442 against the baseline's 0.387 / 0.317 / 0.404.

2026-12-07: a fourth set, ``ai_worries_themes``: every answer (1,238) to one question about the
dangers of AI (Global Dialogues GD1), 376 coded by reading (κ 0.95 with a blind second reader
on 100), the issue's own case. Shipped codebook, seed 0 (means over seeds 0-4): 15 themes, 29
leaves, 95% of coded answers guided; dev NMI 0.429 (0.430), sub-themes 0.482, guided right
0.60, baseline 0.399 (0.403); test, read once: 0.403 (0.406), sub-themes 0.465, guided right
0.50, **baseline 0.489 (0.471)**. On a single-subject survey whose answers nearly all sit near
some concern, the nearest concern (zero-shot) partitions worse than plain k-means: "Power and
control" gathers a third of the answers (weapons, surveillance, misinformation), and answers
on dependence and laziness join "Job security" when they mention work. A nearest-centroid
classifier fitted on the human codes themselves (leave-one-out, dev, whole-answer vectors)
reaches NMI 0.490. Tried on dev (seeds 0-4, all four sets) and not kept: a "Weapons and war"
concern (+0.009 here, but its first wording pulled the sample's "Tell us what AI will and
won't be used for" into it; the second wording -0.003), dependence phrasings for "Skills and
training" (-0.003 here, interviews -0.015), crime and surveillance phrasings (+0.007, staff
-0.008), concern thresholds 0.45 and 0.50 (-0.016), a margin over the second concern before a
comment is guided (0.01: -0.007, interviews -0.02; 0.03: -0.009, interviews -0.06; guided right
0.60 -> 0.64 / 0.74), background phrasings for general statements about AI ("AI has many
benefits for people's lives": guided right 0.60 -> 0.62-0.64, short answers 0.27 -> 0.30-0.32,
NMI -0.002 here, interviews -0.006 to -0.011, staff -0.008), and Lloyd iterations from the
fitted themes' centres (guided comments free to move; 10 rounds: -0.020 here, interviews
-0.026, short answers +0.018, staff +0.043; seeds 0-2).

2026-12-07, labels: round 5 of the blind rating (``theme_labels/GUIDELINE.md``) judged the 24
groups of the new set (1.79) and three labeller changes; only "no label ending in a noun that
names nothing" was kept (its 5 groups 7 -> 10 in sum). The label row now also shows the current
labels' mean on the groups that have a ``before`` rating, like for like.

2026-12-07, stop 58: a concern with ``terms`` (the words that name it) takes only the comments
that use one; a comment joins the closest concern it names among those it is close to
(``grouping._match``). Chosen on dev rows (seeds 0-4; worries / interviews / short / staff):
0.430 / 0.368 / 0.304 / 0.411 -> 0.479 / 0.400 / 0.285 / 0.403; guided themes right 0.60 / 0.65 /
0.27 -> 0.70 / 0.72 / 0.46. Test (seed 0): 0.403 -> 0.427, 0.400 -> 0.413, 0.364 -> 0.326, 0.441 ->
0.408; guided right 0.50 -> 0.63, 0.61 -> 0.71, 0.19 -> 0.38. The README's "Concerns named, not
merely near" has the variants tried.
Then a "Weapons and war" concern (worries dev 0.479 -> 0.491; test 0.427 -> 0.448) and
``NAMED_THRESHOLD`` 0.30 for a concern's comments that name it (dev 0.491 / 0.400 / 0.283 /
0.403 -> 0.498 / 0.415 / 0.298 / 0.422; test, seed 0: 0.448 -> 0.465, 0.413 -> 0.430, 0.324 ->
0.330, 0.408 -> 0.429).
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
from analysis.comments import detect_language, is_filler
from analysis.themes import ThemeModel, default_codebook

ROOT = Path(__file__).resolve().parents[1]
REAL_DIR = ROOT / "evals" / "data" / "real"
CACHE = Path(os.environ.get("CHANGERADAR_EVAL_CACHE", "/tmp/changeradar_eval_cache"))
#: set -> (NMI goal, minimum number of themes, baseline k), from issue 15.
#: ``ai_short_answers`` (short survey answers about AI) is held to the AI-worry goal too.
GOALS = {
    "ai_at_work_interviews": (0.45, None, 15),
    "ai_short_answers": (0.45, None, 15),
    "workplace_feedback": (0.50, 8, 8),
    "ai_worries_themes": (0.45, None, 15),
}


def load(name: str) -> pd.DataFrame:
    """All comments of the set: id, text, split, theme, theme2 ("" where not coded).

    The codes come from the set's ``themes.tsv`` where a separate themes reader coded it, else
    from the ``theme``/``theme2`` columns of its ``labels.tsv`` (one reader for both). A set
    coded for themes only holds its comments in ``answers.tsv`` (no signal labels)."""
    kw = {"sep": "\t", "quoting": csv.QUOTE_NONE, "dtype": str, "keep_default_na": False}
    folder = REAL_DIR / name
    source = folder / "labels.tsv"
    labels = pd.read_csv(source if source.exists() else folder / "answers.tsv", **kw)
    path = REAL_DIR / name / "themes.tsv"
    if not path.exists():
        return labels[["id", "text", "split", "theme", "theme2"]]
    themes = pd.read_csv(path, **kw)
    out = labels[["id", "text", "split"]].merge(themes, on="id", how="left", validate="one_to_one")
    return out.fillna({"theme": "", "theme2": ""})


def coded(name: str) -> bool:
    """Whether the set has theme codes (a ``themes.tsv``, or codes in its ``labels.tsv``)."""
    folder = REAL_DIR / name
    if (folder / "themes.tsv").exists():
        return True
    return (folder / "labels.tsv").exists() and (load(name)["theme"] != "").any()


@contextlib.contextmanager
def cached_encoder(folder: Path = CACHE) -> Iterator[None]:
    """``embeddings.encode`` with an on-disk cache keyed by each text's SHA-256."""
    real = embeddings.encode
    # one folder per encoder: vectors of another encoder's arithmetic are never read back
    folder = folder / hashlib.sha256(embeddings.encoder_id().encode()).hexdigest()[:16]
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


def analysed_mask(texts: list[str]) -> np.ndarray:
    """The comments the app themes: not filler, and English (``analysis.comments``)."""
    return np.array([not is_filler(t) and detect_language(t) == "en" for t in texts], dtype=bool)


def score(
    name: str, splits: tuple[str, ...] = ("dev", "test"), random_state: int = 0, **params: object
) -> dict:
    """NMI/ARI of ChangeRadar's themes and of the baseline, per split, from one fit of the set.

    No codes are seen. The model themes the set's analysed comments, as the app does (filler
    and non-English comments get no theme: one more cluster); the baseline clusters every
    comment, filler included, as the naive stack would. Each split's figures use its
    human-coded rows only.
    """
    data = load(name)
    texts = data["text"].tolist()
    truth_all = data["theme"].to_numpy()
    model = ThemeModel(
        random_state=random_state, engine="semantic", codebook=default_codebook(), **params
    )
    # as the app themes them: the analysed comments only (not filler, English); the rest
    # have no theme, which the scores count as one more cluster (-1)
    analysed = analysed_mask(texts)
    model.fit([t for t, a in zip(texts, analysed, strict=True) if a])
    labels = np.full(len(texts), -1)
    labels[analysed] = model.labels_
    subs = np.full(len(texts), -1)
    subs[analysed] = model.sublabels_
    all_leaves = np.where(subs >= 0, 1000 + subs, labels)
    k_base = GOALS.get(name, (None, None, 12))[2]
    base_all = clustering.spherical_kmeans(
        embeddings.encode(texts), k_base, random_state=random_state
    ).labels
    out = {
        "n_themes": int(model.n_themes_),
        "n_leaves": len(np.unique(all_leaves[labels >= 0])),
        "k_base": k_base,
        "model": model,
    }
    for split in splits:
        keep = ((data["split"] == split) & (data["theme"] != "")).to_numpy()
        truth, broad, base = truth_all[keep], labels[keep], base_all[keep]
        out[split] = {
            "n": int(keep.sum()),
            "guided": float(np.mean([model.kinds_.get(int(t)) == "guided" for t in broad])),
            **guided_precision(model, broad, data[keep]),
            "nmi": normalized_mutual_info_score(truth, broad),
            "ari": adjusted_rand_score(truth, broad),
            "nmi_leaf": normalized_mutual_info_score(truth, all_leaves[keep]),
            "nmi_base": normalized_mutual_info_score(truth, base),
            "ari_base": adjusted_rand_score(truth, base),
        }
    return out


#: Human codes named differently from the codebook's concern ids.
CODE_ALIASES = {"power": "control"}


def guided_precision(model: ThemeModel, broad: np.ndarray, coded: pd.DataFrame) -> dict:
    """How often a guided theme is right: of the human-coded comments the model put in a
    guided theme, the share whose main or second human code is that concern ("precision";
    ``guided_n`` of them). Only meaningful on sets coded with the concerns' ids."""
    concern = [model.concerns_.get(int(t), "") if t >= 0 else "" for t in broad]
    main = [CODE_ALIASES.get(c, c) for c in coded["theme"]]
    second = [CODE_ALIASES.get(c, c) for c in coded["theme2"]]
    hits = [c in (a, b) for c, a, b in zip(concern, main, second, strict=True) if c]
    return {
        "guided_n": len(hits),
        "guided_right": int(sum(hits)),
        "guided_precision": float(np.mean(hits)) if hits else None,
    }


def _rows(name: str, s: dict, split: str) -> list[dict]:
    """Report rows of one set and split: ChangeRadar against the goal and beside the baseline."""
    goal, min_themes, _ = GOALS[name]
    f = s[split]
    role = "tuning split" if split == "dev" else "held-out split"
    data = f"REAL DATA {name}, {split} ({role}, {f['n']} human-coded comments)"
    # The goal is on the held-out split; dev rows show it for reference but never fail.
    gate = goal if split == "test" else None
    vs = f"baseline {f['nmi_base']:.3f}, goal {goal:.2f}"
    rows = [
        _row(f"themes NMI, {s['n_themes']} themes ({vs})", f["nmi"], data, gate),
        _row(f"themes NMI, {s['n_leaves']} sub-themes ({vs})", f["nmi_leaf"], data),
        _row(f"themes ARI ({f['ari_base']:.3f} baseline)", f["ari"], data),
        _row(f"baseline MiniLM + k-means NMI (k={s['k_base']})", f["nmi_base"], data),
    ]
    ids = {c.id for c in default_codebook().concerns}
    if f["guided_n"] >= 20 and set(load(name)["theme"]) & ids:
        rows.append(
            _row(
                f"guided themes right (human code = the concern: {f['guided_right']} of "
                f"{f['guided_n']} guided comments)",
                f["guided_precision"],
                data,
            )
        )
    if min_themes is not None and split == "test":
        rows.append(_row("themes count", s["n_themes"], data, float(min_themes)))
    return rows


LABEL_RATINGS = REAL_DIR / "theme_labels" / "ratings.tsv"


def fitted_labels(name: str, model: ThemeModel) -> list[tuple[str, str, int, str]]:
    """(set, kind, index, label) of the labels a reader judges: discovered themes (guided ones
    take their concern's name) and every sub-theme."""
    out = [
        (name, "theme", int(t), str(label))
        for t, label in zip(model.themes_["theme"], model.themes_["label"], strict=True)
        if model.kinds_.get(int(t)) == "discovered"
    ]
    subs = model.subthemes_
    out += [
        (name, "subtheme", int(s), str(lab))
        for s, lab in zip(subs["subtheme"], subs["label"], strict=True)
    ]
    return out


def label_ratings(labels: list[tuple[str, str, int, str]]) -> dict:
    """Blind ratings (1-3, ``theme_labels/GUIDELINE.md``) of these labels, and of the labeller
    before 2026-12-05 on the same groups; labels never judged are counted, not guessed."""
    kw = {"sep": "\t", "quoting": csv.QUOTE_NONE, "keep_default_na": False}
    table = pd.read_csv(LABEL_RATINGS, **kw)
    rating = {(r.set, r.kind, int(r.index), r.label): int(r.rating) for r in table.itertuples()}
    before = table[table["made_by"].str.startswith("before")]
    groups = {key[:3] for key in labels}
    base = [int(r.rating) for r in before.itertuples() if (r.set, r.kind, int(r.index)) in groups]
    found = [rating[key] for key in labels if key in rating]
    judged_before = {(r.set, r.kind, int(r.index)) for r in before.itertuples()}
    same = [rating[key] for key in labels if key in rating and key[:3] in judged_before]
    return {
        "n": len(labels),
        "judged": len(found),
        "mean": float(np.mean(found)) if found else float("nan"),
        "named": sum(r == 3 for r in found),
        "stray": sum(r == 1 for r in found),
        "before_mean": float(np.mean(base)) if base else float("nan"),
        "before_n": len({(r.set, r.kind, int(r.index)) for r in before.itertuples()} & groups),
        "before_stray": sum(r == 1 for r in base),
        # the current labels of the groups that have a "before" rating: the like-for-like mean
        "after_same_mean": float(np.mean(same)) if same else float("nan"),
    }


def _label_row(labels: list[tuple[str, str, int, str]]) -> dict:
    r = label_ratings(labels)
    before = (
        f"; on the {r['before_n']} groups also rated before: {r['after_same_mean']:.2f} against "
        f"{r['before_mean']:.2f} before, stray {r['before_stray']}"
        if np.isfinite(r["before_mean"])
        else ""
    )
    metric = (
        f"theme labels, blind rating 1-3 ({r['judged']} of {r['n']} judged; named {r['named']},"
        f" stray {r['stray']}{before})"
    )
    sets = len({key[0] for key in labels})
    data = f"REAL DATA, {sets} sets' discovered themes and sub-themes (one blind reader)"
    return _row(metric, r["mean"], data)


#: Seeds of the spread row. The figures above come from the default seed (0), as a user gets
#: them; on a few hundred coded comments another seed moves NMI by a few hundredths (dev,
#: 2026-12-05: interviews 0.28-0.36 over seeds 0-5, seed 0 the highest), so the spread is shown.
SPREAD_SEEDS = (0, 1, 2, 3, 4)


def _spread_row(name: str, split: str, values: list[float], base: list[float]) -> dict:
    """Mean NMI of the broad themes over ``SPREAD_SEEDS`` (each seed's figure shown), beside
    the baseline's mean over the same seeds: no goal, context."""
    text = ", ".join(f"{v:.3f}" for v in values)
    return _row(
        f"themes NMI, mean over seeds {SPREAD_SEEDS[0]}-{SPREAD_SEEDS[-1]} ({text}; "
        f"baseline mean {np.mean(base):.3f})",
        float(np.mean(values)),
        f"REAL DATA {name}, {split} (seed spread; the goal applies to the default seed)",
    )


def run(splits: tuple[str, ...] = ("dev", "test")) -> list[dict]:
    """Rows for ``make eval``: each real set, dev (tuning) then test (held-out) figures, then
    the seed spread of each."""
    if not embeddings.available():
        return []
    rows, labels, spread = [], [], []
    with cached_encoder():
        for name in GOALS:
            if not coded(name):
                continue
            s = score(name, splits)
            labels += fitted_labels(name, s["model"])
            for split in splits:
                rows.extend(_rows(name, s, split))
            fits = [s if r == 0 else score(name, splits, random_state=r) for r in SPREAD_SEEDS]
            for split in splits:
                values = [f[split]["nmi"] for f in fits]
                base = [f[split]["nmi_base"] for f in fits]
                spread.append(_spread_row(name, split, values, base))
    rows.extend(spread)
    if labels and LABEL_RATINGS.exists():
        rows.append(_label_row(labels))
    return rows


def main() -> int:
    splits = tuple(sys.argv[1:]) or ("dev", "test")
    for r in run(splits):
        goal = f">= {r['goal']:.2f}" if r["goal"] is not None else "-"
        status = "ok" if r["passed"] else "MISS"
        print(f"{r['metric']:<58} {r['value']:7.3f} {goal:>8} {status:<5} {r['dataset']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
