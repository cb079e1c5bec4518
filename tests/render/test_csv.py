"""render.csv: group and comments CSVs round trip, inert text, no identity columns."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import openpyxl
import pandas as pd

from render import csv as render_csv
from render import html as render_html
from render import safety, xlsx
from render import teams as T
from tests.render.exports import (
    HYPERLINK,
    PAYLOADS,
    check_csv,
    with_comment_texts,
)

# --------------------------------------------------------------------------- CSV


def test_group_csv_round_trip(by_team):
    data = render_csv.group_csv(by_team)
    check_csv(data)
    back = pd.read_csv(
        io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, na_values=[""]
    )
    want = by_team.groups.reset_index(drop=True)
    assert list(back.columns) == [
        *want.columns[: list(want.columns).index("construct") + 1],
        "construct_label",
        *want.columns[list(want.columns).index("construct") + 1 :],
        "survey",
        "min_group_size",
        "min_comments",
    ]
    assert (back["survey"] == by_team.survey_name).all()
    assert (back["min_group_size"] == 5).all() and (back["min_comments"] == 5).all()
    assert back["group"].tolist() == [safety.neutralise(g) for g in want["group"]]
    assert back["suppressed"].tolist() == want["suppressed"].tolist()
    for col in (
        "n",
        "score",
        "ci_low",
        "ci_high",
        "favorable",
        "diff_vs_rest",
        "effect_size",
        "p",
        "p_adj",
    ):
        np.testing.assert_allclose(
            back[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-15, equal_nan=True
        )
    hidden = back[back["suppressed"]]
    numeric = [c for c in want.columns if pd.api.types.is_float_dtype(want[c])]
    assert len(hidden) and hidden[numeric].isna().all().all()
    # a negative difference is a bare number in the file, not quoted, not prefixed
    neg = float(want.loc[want["diff_vs_rest"] < 0, "diff_vs_rest"].iloc[0])
    assert f",{neg!r}," in data.decode("utf-8-sig")


def test_group_csv_for_one_team(by_team):
    back = pd.read_csv(io.BytesIO(render_csv.group_csv(by_team, "Customer Support")))
    assert set(back["group"]) == {"Customer Support"}
    assert len(back) == len(T.team_rows(by_team, "Customer Support"))


def test_identity_columns_never_exported(prepared, by_team):
    identity = list(prepared.colmap.identity)
    assert {"RecipientEmail", "ResponseId", "IPAddress"} <= set(identity)
    for name in ("groups", "items", "comments", "org", "theme_shares", "comment_groups"):
        assert not set(getattr(by_team, name).columns) & set(identity), name
    raw = prepared.export.responses
    secrets = [
        v
        for col in ("RecipientEmail", "ResponseId", "IPAddress")
        for v in raw[col].dropna().astype(str)
        if len(v) >= 6
    ]
    assert len(secrets) > 500
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.team_workbook(by_team)))
    blob = "\n".join(
        [
            *(str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r),
            render_csv.group_csv(by_team).decode("utf-8-sig"),
            render_csv.comments_csv(by_team).decode("utf-8-sig"),
            render_html.team_html(by_team, "Customer Support"),
        ]
    )
    assert not [s for s in secrets if s in blob]
    header = render_csv.comments_csv(by_team).decode("utf-8-sig").splitlines()[0]
    assert not [c for c in identity if f'"{c}"' in header]


def test_comments_csv_writes_signal_words_as_text(by_team):
    """The (signal, words) pairs are written as text a spreadsheet shows, not a Python tuple,
    and words starting with a formula character are neutralised like every other cell."""
    comments = by_team.comments.copy()
    pairs = (("ai_distrust", "=makes things up"), ("ai_mention", ""))
    comments["signal_phrases"] = [pairs] * len(comments)
    results = dataclasses.replace(by_team, comments=comments)
    back = pd.read_csv(
        io.BytesIO(render_csv.comments_csv(results)), encoding="utf-8-sig", keep_default_na=False
    )
    want = safety.neutralise("ai_distrust: =makes things up; ai_mention")
    assert len(back) == len(comments) > 0 and set(back["signal_phrases"]) == {want}


def test_comments_csv_round_trip_and_injection(by_team):
    results = with_comment_texts(by_team, PAYLOADS)
    data = render_csv.comments_csv(results)
    rows = check_csv(data)
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    want = results.comments.reset_index(drop=True)
    assert len(back) == len(want)
    assert back["text"].tolist() == [safety.neutralise(t) for t in want["text"]]
    np.testing.assert_allclose(back["compound"].to_numpy(float), want["compound"].to_numpy(float))
    assert "'" + HYPERLINK in back["text"].tolist()
    assert any(r[list(rows[0]).index("text")] == "'" + HYPERLINK for r in rows[1:])
