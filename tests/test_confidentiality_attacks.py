"""Confidentiality attacks on the sample data: differencing, exports, identity columns, PII.

The differencing search plays an HR user in the app: a seeded random walk over the groupings
and sidebar filters the app offers (team, role, tenure, location, team × role) and over the
minimum group size, each view run through ``pipeline.analyze`` with the filter history the app
keeps (``ui.views.results``: one history per dataset and viewer, whatever the threshold; a
filter refused by PrivacyError falls back to the unfiltered view; an applied one joins the
history). Every number shown is modelled as the set of respondents it rests on (filter ∧ group
∧ has a value for that measure: a construct, an item or eNPS, checked against the ``n``
shown), and the attack succeeds when a shown set is smaller than the minimum, or when one
shown set contains another and the two differ by 1 to min_group − 1 people: subtracting their
n (and their n × score) then describes that handful of people.

Sets are compared per measure. Two numbers on different measures for the same group (trust
on 40 people, fear on 39 because one person skipped the fear items) are not a disclosure: the
gap says that someone skipped, not what anyone answered, and no subtraction of the two scores
isolates an answer (they average different questions). ``CR_ATTACK_STEPS`` scales the walk up
for a longer search (default 10 views per seed) and ``CR_ATTACK_SEEDS`` lists the walks (default
"0"; ``make fuzz`` runs six walks of 20 views).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import os
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import cli, pipeline
from analysis.pipeline import Prepared, Results
from analysis.privacy import PrivacyError, PrivacyPolicy
from analysis.scoring import NO_ANSWER
from render import csv as render_csv
from render import html as render_html
from render.xlsx import team_workbook
from tests.test_privacy_ledger import disclosed, item_functionals, null_space, set_leaks

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ai_pulse_qualtrics.csv"
TOPICS = ROOT / "sample_data" / "comment_topics.csv"
GROUPINGS: tuple[tuple[str, ...], ...] = (
    ("Team",),
    ("Role",),
    ("Tenure",),
    ("Location",),
    ("Team", "Role"),
)
FILTER_COLUMNS = ("Team", "Role", "Tenure", "Location")


@pytest.fixture(scope="module")
def topics() -> pd.DataFrame:
    return pd.read_csv(TOPICS, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def roster(topics: pd.DataFrame) -> tuple[str, ...]:
    return tuple(sorted(set(topics.loc[topics["pii_type"] == "name", "pii_text"])))


@pytest.fixture(scope="module")
def prep(roster: tuple[str, ...]) -> Prepared:
    export, colmap = pipeline.load(SAMPLE.read_bytes(), SAMPLE.name)
    return pipeline.prepare(export, colmap, roster=roster, source_name=SAMPLE.name)


# --------------------------------------------------------------------------- the attacker's model


@dataclass(frozen=True)
class Shown:
    """One published number: who it rests on, and where it was shown."""

    mask: np.ndarray
    measure: str  # the quantity published on it (a construct's score); n is shown with each
    where: str
    min_group: int


@dataclass
class Session:
    """The app's per-session filter history (ui.state.shown_filters): one per dataset and
    viewer, shared by every threshold, as the app keys it."""

    prep: Prepared
    history: list[np.ndarray] = field(default_factory=list)
    shown: list[Shown] = field(default_factory=list)

    def view(self, by: Sequence[str], filters: dict[str, list[str]], min_group: int) -> Results:
        policy = PrivacyPolicy(min_group=min_group)
        history = self.history
        if filters:
            try:
                res = pipeline.analyze(
                    self.prep, by=list(by), policy=policy, filters=filters, shown_filters=history
                )
            except PrivacyError:
                filters = {}
            else:
                history.append(_filter_mask(self.prep, filters))
        if not filters:
            res = pipeline.analyze(self.prep, by=list(by), policy=policy)
        self._publish(res, filters, min_group)
        return res

    def _publish(self, res: Results, filters: dict[str, list[str]], min_group: int) -> None:
        base = _filter_mask(self.prep, filters)
        scores = self.prep.scored.constructs
        groups = self.prep.scored.groups
        label = f"by {' × '.join(res.by) or 'org'}, filters {filters}, min {min_group}"
        for row in res.org.itertuples(index=False):
            if not row.suppressed:
                mask = base & scores[row.construct].notna().to_numpy()
                assert mask.sum() == row.n, (label, row.construct)
                self.shown.append(
                    Shown(mask, row.construct, f"org {row.construct} ({label})", min_group)
                )
        visible = res.groups[~res.groups["suppressed"].astype(bool)]
        for row in visible.to_dict("records"):
            member = base.copy()
            for col in res.by:
                member &= (groups[col].astype(str) == str(row[col])).to_numpy()
            mask = member & scores[row["construct"]].notna().to_numpy()
            assert mask.sum() == row["n"], (label, row["group"], row["construct"])
            where = f"{row['group']} {row['construct']} ({label})"
            self.shown.append(Shown(mask, row["construct"], where, min_group))
        items = self.prep.scored.items
        enps = self.prep.scored.enps
        tables = [(res.org_items, (), "item"), (res.items, res.by, "item")]
        if enps is not None:
            tables += [(res.enps, (), None), (res.enps_groups, res.by, None)]
        for table, by, measure_col in tables:
            if table is None or not len(table):
                continue
            for row in table[~table["suppressed"].astype(bool)].to_dict("records"):
                member = base.copy()
                for col in by:
                    member &= (groups[col].astype(str) == str(row[col])).to_numpy()
                measure = str(row[measure_col]) if measure_col else "enps"
                has = (items[measure] if measure_col else enps).notna().to_numpy()
                mask = member & has
                where = f"{row.get('group', 'org')} {measure} ({label})"
                assert mask.sum() == row["n"], where
                self.shown.append(Shown(mask, measure, where, min_group))


def _filter_mask(prep: Prepared, filters: dict[str, list[str]]) -> np.ndarray:
    mask = np.ones(len(prep.scored.groups), dtype=bool)
    for col, values in filters.items():
        mask &= prep.scored.groups[col].astype(str).isin(values).to_numpy()
    return mask


def _random_filters(prep: Prepared, rng: random.Random) -> dict[str, list[str]]:
    if rng.random() < 0.25:
        return {}
    out = {}
    for col in rng.sample(FILTER_COLUMNS, rng.choice((1, 1, 2))):
        values = sorted(prep.scored.groups[col].astype(str).unique())
        # the risky filters keep nearly everyone: all values but one or two
        k = rng.choice((1, 2, len(values) - 1, len(values) - 1, len(values) - 2))
        out[col] = sorted(rng.sample(values, max(1, min(k, len(values)))))
    return out


def leaks(shown: list[Shown]) -> Iterator[str]:
    """Published sets under the minimum, directly or as the difference of two nested sets
    carrying the same measure (their n and n × score then describe the difference)."""
    floor = min(s.min_group for s in shown)
    for s in shown:
        if 0 < s.mask.sum() < s.min_group:
            yield f"{s.where}: n={int(s.mask.sum())} shown directly"
    for measure in sorted({s.measure for s in shown}):
        unique: dict[bytes, Shown] = {}
        for s in shown:
            if s.measure == measure:
                unique.setdefault(np.packbits(s.mask).tobytes(), s)
        items = list(unique.values())
        masks = np.array([s.mask for s in items], dtype=np.float32)
        sizes = masks.sum(axis=1)
        inside = masks @ masks.T  # |A ∧ B|, exact in float32 for these sizes
        for i, j in zip(*np.nonzero(inside == sizes[None, :]), strict=True):  # B ⊆ A
            gap = int(sizes[i] - sizes[j])
            if 0 < gap < floor:
                yield f"{items[i].where} minus {items[j].where} isolates {gap} people"


def _walk(prep: Prepared, seed: int, steps: int, min_groups: Sequence[int]) -> Session:
    """A seeded random session; a grouping the privacy rules refuse shows nothing."""
    rng = random.Random(seed)
    session = Session(prep)
    for _ in range(steps):
        by, filters, min_group = (
            rng.choice(GROUPINGS),
            _random_filters(prep, rng),
            rng.choice(min_groups),
        )
        try:
            session.view(by, filters, min_group)
        except PrivacyError:
            continue
    return session


# --------------------------------------------------------------------------- differencing


@pytest.fixture(scope="module")
def plain_session(prep: Prepared) -> Session:
    """Every grouping the app offers, unfiltered, side by side."""
    session = Session(prep)
    for by in GROUPINGS:
        try:
            session.view(by, {}, 5)
        except PrivacyError:
            continue  # a refused grouping shows nothing
    return session


def test_every_shown_group_meets_the_minimum_on_its_own(plain_session: Session) -> None:
    assert len(plain_session.shown) > 100
    assert [leak for leak in leaks(plain_session.shown) if "minus" not in leak] == []


def test_groupings_without_filters_cannot_be_differenced(plain_session: Session) -> None:
    """Team, role, tenure, location and team × role tables: no two nested shown sets of the
    same construct differ by fewer than the minimum."""
    assert list(leaks(plain_session.shown)) == []


STEPS = int(os.environ.get("CR_ATTACK_STEPS", "10"))
#: Walks per run: three in ``make test`` (about 15 s each), six of 20 views in ``make fuzz``.
SEEDS = [int(s) for s in os.environ.get("CR_ATTACK_SEEDS", "0,1,2").split(",")]


@pytest.mark.parametrize("seed", SEEDS)
def test_random_filter_and_grouping_walk_finds_no_difference_attack(
    prep: Prepared, seed: int
) -> None:
    session = _walk(prep, seed, steps=STEPS, min_groups=(5, 5, 6))
    assert session.history, "the walk should apply some filters"
    found = list(leaks(session.shown))
    assert found == [], f"{len(found)} leaks, e.g. {found[:3]}"
    # and no small set's total follows from any combination of what was shown
    assert _null_space_leaks(session.shown) == []


def test_known_filter_difference_attack(prep: Prepared) -> None:
    """Team grouping unfiltered, then filtered to every location but one: the team's two n
    would differ by the 1-4 people of that location, so the team is hidden in the filtered
    view (and enough others that it can't be worked out from the filtered total)."""
    session = Session(prep)
    session.view(("Team",), {}, 5)
    team, location = _smallest_nonzero_cell(prep.scored.groups)
    others = sorted(set(prep.scored.groups["Location"].astype(str)) - {location})
    res = session.view(("Team",), {"Location": others}, 5)
    assert res.filters, "the filter itself is fine: it leaves out enough people"
    assert [leak for leak in leaks(session.shown) if team in leak] == []
    row = res.groups[res.groups["group"] == team].iloc[0]
    assert row["suppressed"] and "comparing with an earlier view" in row["suppressed_reason"]
    assert list(leaks(session.shown)) == []


def test_filtered_organisation_against_a_filtered_grouping(prep: Prepared) -> None:
    """Organisation filtered to one location, then grouped by location with a team filter that
    leaves out only the two smallest teams: that location's two counts would differ by its
    people in those teams."""
    groups = prep.scored.groups
    left_out = ["Internal Audit", "Executive Office"]
    inside = groups[groups["Team"].isin(left_out)]["Location"].value_counts()
    inside = inside[(inside > 0) & (inside < 5)]
    location = str(inside.index[0])
    teams = sorted(set(groups["Team"].astype(str)) - set(left_out))
    session = Session(prep)
    assert session.view(("Team",), {"Location": [location]}, 5).filters
    res = session.view(("Location",), {"Team": teams}, 5)
    assert res.filters, "the team filter leaves out 7 people: allowed on its own"
    assert res.groups.loc[res.groups["group"] == location, "suppressed"].all()
    assert list(leaks(session.shown)) == []


def _smallest_nonzero_cell(groups: pd.DataFrame) -> tuple[str, str]:
    """A (team, location) cell of 1-4 people inside a team of 40 or more."""
    counts = groups.groupby(["Team", "Location"]).size()
    big = groups["Team"].value_counts()
    counts = counts[(counts > 0) & (counts < 5)]
    counts = counts[[big[t] >= 40 for t in counts.index.get_level_values(0)]]
    team, location = counts.sort_values(kind="stable").index[0]
    return str(team), str(location)


def test_changing_the_minimum_does_not_reset_the_filter_history(prep: Prepared) -> None:
    team, location = _smallest_nonzero_cell(prep.scored.groups)
    others = sorted(set(prep.scored.groups["Location"].astype(str)) - {location})
    session = Session(prep)
    assert session.view(("Role",), {"Team": [team]}, 5).filters
    narrower = {"Team": [team], "Location": others}
    assert session.view(("Role",), narrower, 5).filters == {}, "refused at the same minimum"
    assert session.view(("Role",), narrower, 6).filters == {}, "accepted after 5 -> 6"


# --------------------------------------------------------------------------- exports and CLI


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_exports_hold_only_what_the_tables_show(prep: Prepared) -> None:
    res = pipeline.analyze(prep, by=["Team"])
    rows = _csv_rows(render_csv.group_csv(res))
    for row in rows:
        if row["suppressed"] == "TRUE":
            numbers = {k: v for k, v in row.items() if k in ("n", "score", "ci_low", "favorable")}
            assert set(numbers.values()) == {""}, row
        else:
            assert float(row["n"]) >= res.policy.min_group
    hidden = {r["group"] for r in rows if r["suppressed"] == "TRUE"}
    assert {"Executive Office", "Internal Audit"} <= hidden
    # a hidden team's n can't be recovered from the visible ones
    visible_total = sum(float(r["n"]) for r in rows if r["construct"] == "trust_in_ai" and r["n"])
    org_n = float(res.org.set_index("construct").loc["trust_in_ai", "n"])
    assert org_n - visible_total == 0 or org_n - visible_total >= res.policy.min_group
    book = team_workbook(res, teams=["Internal Audit", "Sales"])
    assert b"Internal Audit" in _xlsx_text(book)


def _xlsx_text(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".xml"))


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_follows_the_same_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(["score", str(SAMPLE), "--by", "team", "--json"], capsys)
    assert code == 0
    doc = json.loads(out)
    for group in doc["groups"]:
        if group["suppressed"]:
            assert group["n"] is None and set(group) <= {
                "grouping",
                "group",
                "label",
                "n",
                "suppressed",
                "reason",
            }
        else:
            assert group["n"] >= doc["min_n"]
    code, out, err = _cli(["score", str(SAMPLE), "--by", "team", "--min-n", "2"], capsys)
    assert code == 2 and "can't be below 3" in err and "Traceback" not in err


# --------------------------------------------------------------------------- identity and PII


def _identity_values(prep: Prepared) -> list[str]:
    values: set[str] = set()
    for col in prep.colmap.identity:
        for v in prep.export.responses[col].dropna().astype(str):
            if len(v) >= 6 and not re.fullmatch(r"[-+]?\d+(\.\d+)?", v):
                values.add(v)
    return sorted(values)


def _all_outputs(
    prep: Prepared, capsys: pytest.CaptureFixture[str], roster_file: Path
) -> dict[str, str]:
    out: dict[str, str] = {}
    for by in (["Team"], ["Role"]):
        res = pipeline.analyze(prep, by=by)
        key = by[0]
        out[f"group_csv {key}"] = render_csv.group_csv(res).decode("utf-8-sig")
        out[f"comments_csv {key}"] = render_csv.comments_csv(res).decode("utf-8-sig")
        out[f"json {key}"] = json.dumps(res.to_dict(), default=str)
        out[f"comments table {key}"] = res.comments.to_csv()
    res = pipeline.analyze(prep, by=["Team"])
    out["team_html"] = render_html.team_html(res, "Customer Support")
    out["workbook"] = _xlsx_text(team_workbook(res, teams=["Customer Support", "Sales"]))
    out["workbook"] = out["workbook"].decode("utf-8", "replace")
    for command in ("inspect", "score", "comments"):
        args = [command, str(SAMPLE), "--json"]
        if command != "inspect":
            args += ["--roster", str(roster_file)]
        code, stdout, stderr = _cli(args, capsys)
        assert code == 0, stderr
        out[f"cli {command}"] = stdout + stderr
    return out


@pytest.fixture(scope="module")
def outputs_and_log(
    prep: Prepared, roster: tuple[str, ...], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Prepared, Path]]:
    roster_file = tmp_path_factory.mktemp("roster") / "names.txt"
    roster_file.write_text("\n".join(roster), encoding="utf-8")
    yield prep, roster_file


def test_identity_and_pii_never_reach_any_output_or_log(
    outputs_and_log: tuple[Prepared, Path],
    topics: pd.DataFrame,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    prep, roster_file = outputs_and_log
    identity = _identity_values(prep)
    assert len(identity) > 500, "the sample's names, e-mails and IPs should be found"
    pii = sorted(set(topics.loc[topics["pii_type"] != "", "pii_text"]))
    assert len(pii) > 30
    with caplog.at_level(logging.DEBUG):
        outputs = _all_outputs(prep, capsys, roster_file)
    outputs["log"] = caplog.text
    assert any("Customer Support" in text for text in outputs.values())
    for name, text in outputs.items():
        lowered = text.lower()
        found = [v for v in identity if v.lower() in lowered]
        assert found == [], f"identity values in {name}: {found[:5]}"
        leaked = [p for p in pii if p.lower() in lowered]
        assert leaked == [], f"personal data from comments in {name}: {leaked[:5]}"
    # and the redaction did happen where comments are shown (not just hidden by privacy)
    shown = " ".join(outputs["comments_csv Team"].splitlines())
    assert "[email]" in shown.lower() or "[name]" in shown.lower() or "[phone]" in shown.lower()


# --------------------------------------------------------------------------- the review's attacks


def _null_space_leaks(shown: list[Shown]) -> list[str]:
    """Per measure, small sets of people whose total the shown sets determine (rank test on
    the atoms of the shown sets; see tests/test_privacy_ledger.py), at the lowest minimum."""
    floor = min(s.min_group for s in shown)
    found = []
    for measure in sorted({s.measure for s in shown}):
        sets = np.array([s.mask for s in shown if s.measure == measure])
        found += [f"{measure}: {leak}" for leak in set_leaks(sets, floor)]
    return found


def _with_groups(prep: Prepared, groups: pd.DataFrame) -> Prepared:
    """The same answers with other grouping values (fresh caches)."""
    return dataclasses.replace(prep, scored=dataclasses.replace(prep.scored, groups=groups))


def test_c1_groupings_whose_groups_differ_by_one_person(prep: Prepared) -> None:
    """Six complete respondents leave Tenure and Location blank, a seventh only Location:
    "(no answer)" has 6 people by Tenure and 7 by Location, and 7 × the Location score −
    6 × the Tenure score would be the seventh person's score. At most one is shown, and the
    tables together determine no small set."""
    groups = prep.scored.groups.copy()
    complete = prep.scored.constructs.notna().all(axis=1).to_numpy() & (
        (groups[["Tenure", "Location"]] != NO_ANSWER).all(axis=1).to_numpy()
    )
    who = np.flatnonzero(complete)[:7]
    groups.iloc[who[:6], groups.columns.get_loc("Tenure")] = NO_ANSWER
    groups.iloc[who, groups.columns.get_loc("Location")] = NO_ANSWER
    session = Session(_with_groups(prep, groups))
    by_tenure = session.view(("Tenure",), {}, 5)
    by_location = session.view(("Location",), {}, 5)
    rows = [
        res.groups[res.groups["group"] == NO_ANSWER].set_index("construct")
        for res in (by_tenure, by_location)
    ]
    assert {len(r) for r in rows} == {6}
    shown = [not r["suppressed"].all() for r in rows]
    assert not all(shown), "both (no answer) rows shown: 7 × L − 6 × T gives one person"
    reasons = set(rows[0]["suppressed_reason"]) | set(rows[1]["suppressed_reason"])
    assert any("another table" in r for r in reasons)
    assert list(leaks(session.shown)) == []
    assert _null_space_leaks(session.shown) == []


def _skippers(prep: Prepared, by: str) -> pd.DataFrame:
    """Per group × construct, the people who answered some but not all of its items."""
    sc = prep.scored
    answered = sc.items.notna()
    out = {}
    for construct in sc.constructs.columns:
        cols = sc.item_meta.index[sc.item_meta["construct"] == construct]
        k = answered[cols].sum(axis=1)
        out[construct] = ((k > 0) & (k < len(cols))).groupby(sc.groups[by]).sum()
    return pd.DataFrame(out)


def test_c2_item_rows_do_not_solve_for_the_few_who_skipped_an_item(prep: Prepared) -> None:
    """By team, every group × construct with 1..4 people who skipped some of its items (the
    review found 9, one of them Facilities' fear items, where the one person who skipped FD1
    could be solved for) shows its construct score but none of its item rows, and no
    combination of released construct and item sums depends on those people alone."""
    res = pipeline.analyze(prep, by=["Team"])
    skipped = _skippers(prep, "Team")
    exposed = [(g, c) for g in skipped.index for c in skipped.columns if 0 < skipped.loc[g, c] < 5]
    assert ("Facilities", "fear_of_displacement") in exposed and len(exposed) >= 9
    meta = prep.scored.item_meta
    for team, construct in exposed:
        items = meta.index[meta["construct"] == construct]
        rows = res.items[(res.items["Team"] == team) & res.items["item"].isin(items)]
        assert len(rows) == len(items) and rows["suppressed"].all(), (team, construct)
    for construct in ("fear_of_displacement", "trust_in_ai"):
        items = list(meta.index[meta["construct"] == construct])
        tables = [(res.org, None), (res.groups, "Team"), (res.org_items, None), (res.items, "Team")]
        a, cands, names = item_functionals(prep.scored, "Team", construct, items, tables)
        assert [names[i] for i in disclosed(a, cands)] == [], construct


def test_c3_one_crossed_table_at_two_minimums(prep: Prepared) -> None:
    """Location × Team at minimum 5 and at 6, with the Location and Team tables: the cells
    hidden at 6 include those hidden at 5, so the two releases together show nothing the
    minimum-5 release does not, and no small set is determined."""
    session = Session(prep)
    hidden = {}
    for min_group in (5, 6):
        for by in (("Location",), ("Team",), ("Location", "Team")):
            res = session.view(by, {}, min_group)
            if len(by) == 2:
                g = res.groups
                hidden[min_group] = set(g.loc[g["suppressed"].astype(bool), "group"])
    assert hidden[5] <= hidden[6]
    assert list(leaks(session.shown)) == []
    assert _null_space_leaks(session.shown) == []
    assert res.to_dict()["policy"]["min_group"] == 6  # the CLI JSON's min_n, the packs' Methods


def test_c4_a_hidden_crossed_cells_comments_are_not_the_margin_minus_the_shown_cells(
    prep: Prepared,
) -> None:
    """A fifth review: the team's pack listed 317 comments and the team × role view showed 309
    of that team's, so the difference was the hidden "Customer Support × Director" cell's 8
    comments, text and all. Now, for every team and every role, what its own view shows minus
    what the crossed view shows of it is nothing, or comments of at least two hidden cells and
    at least ``min_comments`` of them."""
    policy = PrivacyPolicy()
    cross = pipeline.analyze(prep, by=["Team", "Role"]).comments
    for col, other in (("Team", "Role"), ("Role", "Team")):
        margin = pipeline.analyze(prep, by=[col]).comments
        for value, own in margin.groupby(margin[col].astype(str), observed=True):
            shown = cross[cross[col].astype(str) == value]
            left = len(own) - len(shown)
            assert left >= 0
            hidden_cells = set(prep.comments.loc[prep.comments[col].astype(str) == value, other])
            hidden_cells -= set(shown[other])
            assert left == 0 or (left >= policy.min_comments and len(hidden_cells) >= 2), (
                col,
                value,
                left,
            )


def test_c5_a_hidden_cells_comment_texts_are_not_the_texts_two_views_share(prep: Prepared) -> None:
    """A fifth review: the texts both in team T's list (Team view) and role R's list (Role
    view) were the hidden T × R cell's: 14 of 39 hidden cells exactly, with no crossed view
    needed. A view by role now shows a text only where its team × role cell may show
    comments in the whole survey, so no hidden cell's comments are all among the shared texts
    (the sample repeats some template sentences, so a few may match by chance)."""
    from collections import Counter

    team = pipeline.analyze(prep, by=["Team"]).comments
    role = pipeline.analyze(prep, by=["Role"]).comments
    cross = pipeline.analyze(prep, by=["Team", "Role"])
    groups = cross.comment_groups
    truth = prep.comments[prep.comments["analysed"].astype(bool)]

    def texts(frame: pd.DataFrame, column: str = "text") -> Counter:
        return Counter(zip(frame["column"].astype(str), frame[column].astype(str), strict=True))

    hidden = 0
    for cell in groups.loc[~groups["visible"].astype(bool), "group"]:
        t, r = str(cell).split(" × ")
        real = texts(
            truth[(truth["Team"].astype(str) == t) & (truth["Role"].astype(str) == r)],
            "redacted",
        )
        if not real:
            continue
        hidden += 1
        shared = texts(team[team["Team"].astype(str) == t]) & texts(
            role[role["Role"].astype(str) == r]
        )
        assert (real & shared) != real, cell
    assert hidden >= 10


def test_c6_which_texts_a_grouping_shows_follows_the_minimum_group_size(prep: Prepared) -> None:
    """The cells whose texts a view by role may show are kept per minimum: a larger minimum
    must not reuse the cells allowed at a smaller one (nor the other way round)."""
    at5 = pipeline.analyze(prep, by=["Role"], policy=PrivacyPolicy(min_group=5))
    at30 = pipeline.analyze(prep, by=["Role"], policy=PrivacyPolicy(min_group=30))
    again = pipeline.analyze(prep, by=["Role"], policy=PrivacyPolicy(min_group=5))
    assert len(at30.comments) < len(at5.comments) == len(again.comments)
    assert at30.comment_summary["text_withheld"] > at5.comment_summary["text_withheld"]


def test_the_advice_for_reading_withheld_texts_holds(prep: Prepared) -> None:
    """The page and the CLI say "group by team, with no filter other than team" to read the
    texts a view withholds (they once said "group by team", which a tenure filter defeats)."""
    by_role = pipeline.analyze(prep, by=["Role"])
    team = str(prep.comments["Team"].astype(str).value_counts().index[0])
    tenure = str(prep.comments["Tenure"].astype(str).value_counts().index[0])
    filtered = pipeline.analyze(prep, by=["Team"], filters={"Tenure": [tenure]})
    assert by_role.comment_summary["text_withheld"] > 0
    assert filtered.comment_summary["text_withheld"] > 0
    for filters in ({}, {"Team": [team]}):
        advised = pipeline.analyze(prep, by=["Team"], filters=filters)
        assert advised.comment_summary.get("text_withheld", 0) == 0
        assert len(advised.comments) == advised.comment_summary["shown"] > 0
    assert "no filter other than team" in pipeline.TEXTS_WITHHELD


def test_c7_hot_spots_quote_and_count_only_what_the_comment_view_may_show(
    prep: Prepared,
) -> None:
    """A review of the crossed rule: hot spots read each group's comment evidence by their own
    per-grouping rule, so a team × role cell the comment view hides as a complement still had
    its comment counts in a flag ("32% of its 34 comments ask for training" on the 5k
    survey), which the comment view's hiding is there to prevent; and a view by role quoted
    texts of team × role cells that may not show texts. Every flag's comment evidence now
    belongs to a group whose comments the view shows, and every quote is a text the view's
    comment table shows."""
    for by in (["Role"], ["Team", "Role"], ["Team"]):
        res = pipeline.analyze(prep, by=by)
        groups = res.comment_groups
        shown = set(groups.loc[groups["visible"].astype(bool), "group"].astype(str))
        texts = set(res.comments["text"].astype(str))
        quoted = 0
        for flag in res.flags:
            if flag.scope == "organisation":  # the organisation's own flags
                continue
            label = " × ".join(str(flag.group[c]) for c in by)
            if flag.comments:
                assert label in shown, (by, label)
            for quote in flag.quotes:
                quoted += 1
                assert quote in texts, (by, label, quote)
        assert quoted, by  # the check read some quotes


def test_c8_a_filtered_view_shows_no_comments_of_a_hidden_crossed_cell(prep: Prepared) -> None:
    """A seventh review: a view filtered to one team and grouped by role shows the team ×
    role cells as its groups, so it showed the comment counts and shares of cells the Team ×
    Role view hides; with views filtered to one role by team as well, the comment, negative
    and training-request counts of 14 of 39 hidden cells came out exactly. A filtered view's
    group now shows its comments only where every cell of the crossing it holds may, and a
    view filtered to one hidden cell shows none of its comments."""
    cross = pipeline.analyze(prep, by=["Team", "Role"]).comment_groups
    counted = cross["group"].astype(str)
    hidden = {tuple(g.split(" × ")) for g in counted[~cross["visible"].astype(bool)]}
    has = prep.comments[prep.comments["analysed"].astype(bool)]
    hidden &= set(zip(has["Team"].astype(str), has["Role"].astype(str), strict=True))
    assert len(hidden) >= 10
    checked = 0
    for team in sorted({t for t, _ in hidden}):
        try:
            res = pipeline.analyze(prep, by=["Role"], filters={"Team": [team]})
        except PrivacyError:
            continue
        shown = res.comment_groups.loc[res.comment_groups["visible"].astype(bool), "group"]
        assert not {(team, str(r)) for r in shown} & hidden, team
        checked += 1
    assert checked
    size = has.groupby([has["Team"].astype(str), has["Role"].astype(str)]).size()
    team, role = max(hidden, key=lambda cell: (size[cell], cell))  # a complement: 36 comments
    assert size[team, role] >= PrivacyPolicy().min_comments
    alone = pipeline.analyze(prep, by=[], filters={"Team": [team], "Role": [role]})
    assert len(alone.comments) == 0 and alone.themes["size"].sum() == 0


def test_c9_a_three_column_cell_shows_texts_only_where_its_parent_may(prep: Prepared) -> None:
    """The same review: a (team, role, tenure) cell was judged within its own crossing only,
    so a view by tenure showed 16 texts of a team × role cell the Team × Role view hides (a
    complement). Every cell a three-column crossing allows now has an allowed parent."""
    from analysis.pipeline import comment_cells

    policy = PrivacyPolicy()
    three = comment_cells.allowed_cells(prep, ["Team", "Role", "Tenure"], policy)
    two = comment_cells.allowed_cells(prep, ["Team", "Role"], policy)
    allowed = three[three.to_numpy(dtype=bool)].index
    assert len(allowed) and len(two) > two.sum()  # some allowed, some parents hidden
    assert two.reindex(allowed.droplevel(-1)).fillna(False).to_numpy(dtype=bool).all()


def test_c10_a_union_of_teams_does_not_give_a_hidden_team_away(prep: Prepared) -> None:
    """A review: Facilities (7 comments) is hidden in the Team view, but a view filtered to
    Facilities or Sales showed 234 analysed comments with theme sizes and shares, and minus the
    Team view's Sales figures gave Facilities' 7 comments and its one training request. A
    filtered view whose people hold a group hidden in that column's own view now shows none of
    its comments, and says why instead of reading as a survey without comments."""
    has = prep.comments[prep.comments["analysed"].astype(bool)]
    size = has["Team"].astype(str).value_counts()
    small, big = size.index[-1], size.index[0]
    policy = PrivacyPolicy(min_comments=int(size[small]) + 1)
    teams = pipeline.analyze(prep, by=["Team"], policy=policy).comment_groups
    assert not teams.loc[teams["group"] == small, "visible"].any()
    both = pipeline.analyze(prep, by=[], filters={"Team": [small, big]}, policy=policy)
    assert len(both.comments) == 0 and both.themes["size"].sum() == 0
    assert both.comment_summary["analysed"] == 0
    assert "Comments are not shown for this filter" in both.comments_withheld
    alone = pipeline.analyze(prep, by=[], filters={"Team": [big]}, policy=policy)
    assert len(alone.comments) > 0 and not alone.comments_withheld


def test_c11_a_crossing_hides_the_same_cells_in_either_column_order(prep: Prepared) -> None:
    """An eighth review: Team × Role and Role × Team hid different cells (at a minimum of 3,
    the Team × Role score table hid three cells the other shows, and so its comment table
    too), and the comment rule picked complementary cells in each view's own column order.
    Two views of one crossing that hide different cells show, together, more than either may.
    Both orders now hide the same cells, scores and comments, and every cell the comment rule
    hides survey-wide (:func:`comment_cells.allowed_cells`)."""
    from analysis.pipeline import comment_cells

    def hidden(res: Results, table: str, flip: bool) -> set[tuple[str, ...]]:
        t = getattr(res, table)
        mask = t["suppressed" if table == "groups" else "visible"].astype(bool)
        labels = t.loc[mask if table == "groups" else ~mask, "group"].astype(str)
        return {tuple(g.split(" × ")[:: -1 if flip else 1]) for g in labels}

    has = prep.comments[prep.comments["analysed"].astype(bool)]
    for policy in (PrivacyPolicy(min_group=3, min_comments=5), PrivacyPolicy()):
        for a, b in (("Team", "Role"), ("Team", "Location"), ("Role", "Tenure")):
            ab = pipeline.analyze(prep, by=[a, b], policy=policy)
            ba = pipeline.analyze(prep, by=[b, a], policy=policy)
            for table in ("groups", "comment_groups"):
                assert hidden(ab, table, False) == hidden(ba, table, True), (a, b, table)
            allowed = comment_cells.allowed_cells(prep, [a, b], policy)
            cells = set(zip(has[a].astype(str), has[b].astype(str), strict=True))
            never = {c for c in cells if not bool(allowed.get(c, False))}
            assert never <= hidden(ab, "comment_groups", False), (a, b)
    assert never  # the last crossing hides some cells


def test_c12_a_three_column_crossing_is_protected_along_every_line(prep: Prepared) -> None:
    """A ninth review, on the 5k survey: the team × role × location rule checked only the
    team × role parent and single columns, so (a) the view filtered to Customer Support by
    role × location, the one filtered to Berlin by team × role, and the team × location view
    left the (Customer Support, Director, Berlin) cell alone on its line and gave its 5
    comments, 2 negative and 1 training request; (b) the view filtered to London by team ×
    role showed every IT Service Desk × role cell, whose sum was the hidden IT Service Desk ×
    London cell. Now an allowed cell has every parent (any two of its columns) allowed, and
    the totals of the lines and planes whose own cells show pin no hidden cell that is too
    small to show (the two-column audit keeps every hidden two-column total unknown)."""
    from analysis.pipeline import comment_cells

    policy = PrivacyPolicy()
    cols = ["Team", "Role", "Location"]
    three = comment_cells.allowed_cells(prep, cols, policy)
    allowed = three[three.to_numpy(dtype=bool)].index.to_frame(index=False)
    for pair in (["Team", "Role"], ["Team", "Location"], ["Role", "Location"]):
        two = comment_cells.allowed_cells(prep, pair, policy)
        assert two.reindex(pd.MultiIndex.from_frame(allowed[pair])).fillna(False).all(), pair
    has = prep.comments[prep.comments["analysed"].astype(bool)]
    count = has[cols].astype(str).value_counts().reindex(three.index).to_numpy()
    heads = prep.scored.groups[cols].astype(str).value_counts().reindex(three.index).fillna(0)
    small = (count < policy.min_comments) | (heads.to_numpy() < policy.min_group)
    hidden = ~three.to_numpy(dtype=bool)
    cells = three.index.to_frame(index=False)
    rows = []  # a line or plane whose own cell shows (its total known): an equation
    for sub in (["Team"], ["Role"], ["Location"], cols[:2], cols[::2], cols[1:]):
        shown_total = comment_cells.allowed_cells(prep, sub, policy)
        key = pd.MultiIndex.from_frame(cells[sub]) if len(sub) > 1 else pd.Index(cells[sub[0]])
        known = shown_total.reindex(key).fillna(False).to_numpy(dtype=bool)
        for value in key.unique():
            at = (key == value) & known
            if at.sum() >= 2:
                rows.append(at[hidden].astype(float))
    free = null_space(np.array(rows))
    pinned = np.linalg.norm(free, axis=1) < 1e-9
    assert not (pinned & small[hidden]).any(), list(three.index[hidden][pinned & small[hidden]])
    assert small.any() and (~hidden).sum() >= 10  # some cells hidden, some shown
    view = pipeline.analyze(prep, by=["Role", "Location"], filters={"Team": ["Customer Support"]})
    shown = view.comment_groups.loc[view.comment_groups["visible"].astype(bool), "group"]
    for group in shown.astype(str):
        role, location = group.split(" × ")
        assert three[("Customer Support", role, location)], group


def _commenters(prep: Prepared, by: Sequence[str]) -> pd.Series:
    """Distinct respondents with an analysed comment, per group label of the grouping."""
    has = prep.comments[prep.comments["analysed"].astype(bool)]
    labels = has[list(by)].astype(str).agg(" × ".join, axis=1)
    return has.assign(group=labels).groupby("group")["respondent"].nunique()


def test_c13_a_team_whose_comments_all_come_from_a_small_cell_hides_them(
    roster: tuple[str, ...],
) -> None:
    """A team of 47 whose only comments came from its two team leads: the Team × Role view
    listed (Legal & Compliance, Team Lead) as the team's one cell with comments, hidden, and
    the Team view showed the team's 6 comments, shares and all: the two leads' comments under
    the team's name. A group now shows comments only from ``min_group`` distinct commenters,
    in every view and every crossing."""
    import dataclasses as dc

    export, colmap = pipeline.load(SAMPLE.read_bytes(), SAMPLE.name)
    r = export.responses.copy()
    team, role = r[colmap.team].astype(str), r[colmap.role].astype(str)
    in_team = (team == "Legal & Compliance").to_numpy()
    leads = in_team & (role == "Team Lead").to_numpy()
    assert leads.sum() == 2 and in_team.sum() >= 40
    donors = r.loc[~in_team, colmap.comments[0]].astype(str)
    words = donors[donors.str.split().str.len() >= 12].head(6).tolist()
    for q in colmap.comments:
        r[q] = r[q].astype(object)
        r.loc[in_team, q] = None
    for i, (at, q) in enumerate((a, q) for a in np.flatnonzero(leads) for q in colmap.comments):
        r.iloc[at, r.columns.get_loc(q)] = words[i]
    prep = pipeline.prepare(dc.replace(export, responses=r), colmap, roster=roster)
    policy = PrivacyPolicy(min_comments=5)
    has = prep.comments[prep.comments["analysed"].astype(bool)]
    assert (has["Team"].astype(str) == "Legal & Compliance").sum() >= policy.min_comments
    teams = pipeline.analyze(prep, by=["Team"], policy=policy).comment_groups
    row = teams[teams["group"] == "Legal & Compliance"]
    assert len(row) == 1 and not row["visible"].any() and row["n_comments"].isna().all()
    only = pipeline.analyze(prep, by=[], filters={"Team": ["Legal & Compliance"]}, policy=policy)
    assert len(only.comments) == 0 and only.comments_withheld
    for by in (["Team"], ["Role"], ["Location"], ["Team", "Role"], ["Role", "Location"]):
        res = pipeline.analyze(prep, by=by, policy=policy)
        shown = res.comment_groups.loc[res.comment_groups["visible"].astype(bool), "group"]
        people = _commenters(prep, by).reindex(shown.astype(str))
        assert (people >= policy.min_group).all(), (by, people[people < policy.min_group])
        assert set(res.comments[by[0]].astype(str)) <= {g.split(" × ")[0] for g in shown}


def test_c14_a_filter_to_a_team_hidden_as_a_complement_shows_no_comments(prep: Prepared) -> None:
    """A review: at a minimum of 3 people and 5 comments the Team view hides Executive Office
    (4 comments by 3 people) and, so that it is not the survey's comments minus the shown
    teams', the smallest other team beside it; yet a view filtered to that other team showed
    its texts, and the whole survey's texts minus the Team view's minus that filter's were
    Executive Office's 4. A filter to one team follows the Team view's rule, complement
    included, and every team the Team view hides shows no comment in a filter to it."""
    policy = PrivacyPolicy(min_group=3, min_comments=5)
    teams = pipeline.analyze(prep, by=["Team"], policy=policy).comment_groups
    hidden = teams.loc[~teams["visible"].astype(bool), "group"].astype(str).tolist()
    has = prep.comments[prep.comments["analysed"].astype(bool)]
    own = has.groupby(has["Team"].astype(str)).size()
    assert len(hidden) >= 2 and (own[hidden] >= policy.min_comments).any()  # a complement
    for team in hidden:
        res = pipeline.analyze(prep, by=[], filters={"Team": [team]}, policy=policy)
        assert len(res.comments) == 0 and res.comment_summary["analysed"] == 0, team
        assert res.comments_withheld, team


def test_c15_a_team_minus_a_role_only_it_has_gives_no_few_peoples_comments(
    roster: tuple[str, ...],
) -> None:
    """All of Data Platform but six people (three of them commenting) hold a role no other
    team has: the team's 94 comments minus that role's 87 were the three's 7, whatever the
    Team × Role view hides (its audit leaves what the margins alone pin down to them), and
    six people pass the score tables' own check. One of the two margins now hides its
    comments (``comment_cells.margin_hidden``), so the Team view, the Role view and the whole
    survey pin down no small cell of their crossing, nor those three's total."""
    import dataclasses as dc

    export, colmap = pipeline.load(SAMPLE.read_bytes(), SAMPLE.name)
    r = export.responses.copy()
    prep0 = pipeline.prepare(export, colmap, roster=roster)
    has = prep0.comments[prep0.comments["analysed"].astype(bool)]
    team = r[colmap.team].astype(str)
    writers = has.loc[has["Team"].astype(str) == "Data Platform", "respondent"].unique()[:3]
    silent = r.index[(team == "Data Platform").to_numpy() & ~r.index.isin(has["respondent"])]
    few = r.index.isin(writers) | r.index.isin(silent[:3])  # 6 people, 3 of them commenting
    r[colmap.role] = r[colmap.role].astype(object)
    r.loc[(team == "Data Platform").to_numpy() & ~few, colmap.role] = "Platform Engineer"
    prep = pipeline.prepare(dc.replace(export, responses=r), colmap, roster=roster)
    policy = PrivacyPolicy(min_comments=5)
    has = prep.comments[prep.comments["analysed"].astype(bool)]
    rows, labels = [], []
    cells = has[["Team", "Role"]].astype(str).value_counts().sort_index()
    keys = cells.index.to_frame(index=False)
    for col in ("Team", "Role"):
        view = pipeline.analyze(prep, by=[col], policy=policy).comment_groups
        for group in view.loc[view["visible"].astype(bool), "group"].astype(str):
            rows.append((keys[col] == group).to_numpy(dtype=float))
            labels.append(group)
    assert not {"Data Platform", "Platform Engineer"} <= set(labels)  # one margin hides
    rows.append(np.ones(len(keys)))  # the whole survey's total
    free = null_space(np.array(rows))
    the_few = ((keys["Team"] == "Data Platform") & (keys["Role"] != "Platform Engineer")).to_numpy()
    assert np.linalg.norm(the_few.astype(float) @ free) > 1e-6  # their total stays unknown
    first = ~has["respondent"].duplicated().to_numpy()
    people = has[first][["Team", "Role"]].astype(str).value_counts().reindex(cells.index)
    small = (cells.to_numpy() < policy.min_comments) | (people.fillna(0).to_numpy() < 5)
    pinned = np.linalg.norm(free, axis=1) < 1e-9
    assert not (pinned & small).any(), list(cells.index[pinned & small])


def test_c16_crossings_of_three_columns_read_together_give_no_small_cell(prep: Prepared) -> None:
    """An eleventh review, at a minimum of 3 people and 5 comments: Sales × Remote by role
    (Coordinator 5, Specialist 15) and by tenure (16, 8, 6), Sales × Specialist × 3-5 years
    by location (Remote 8) and Remote by team (Sales 41) gave 5 + 15 + 16 + 8 + 6 − 8 − 41 =
    1 comment of one person (Sales × Coordinator × more than 10 years × Remote), its label
    and its theme; sister crossings released two hidden cells' total as a third's. Each
    crossing of three or more columns had been audited alone. A joint audit over the finest
    cells now finds such a pin, and crossings of three or more columns then show no
    comments; where it finds none (the default minimum), they still show theirs."""
    from analysis.pipeline import comment_cells

    low = PrivacyPolicy(min_group=3, min_comments=5)
    assert comment_cells.crossing_limit(prep, low) < 3
    views = [
        (["Role"], {"Team": ["Sales"], "Location": ["Remote"]}),
        (["Tenure"], {"Team": ["Sales"], "Location": ["Remote"]}),
        (["Location"], {"Team": ["Sales"], "Role": ["Specialist"], "Tenure": ["3-5 years"]}),
    ]
    for by, filters in views:
        res = pipeline.analyze(prep, by=by, filters=filters, policy=low)
        assert not res.comment_groups["visible"].astype(bool).any(), (by, filters)
        assert res.comment_groups["n_comments"].isna().all() and len(res.comments) == 0
        assert not res.theme_shares["count"].notna().any()
    default = PrivacyPolicy()
    assert comment_cells.crossing_limit(prep, default) == 4
    cs = {"Team": ["Customer Support"]}
    res = pipeline.analyze(prep, by=["Role", "Location"], filters=cs, policy=default)
    assert res.comment_groups["visible"].astype(bool).any()


def test_c17_filler_counts_do_not_tell_what_a_few_people_wrote(roster: tuple[str, ...]) -> None:
    """Six people of a site (and a team) of their own, one of whom wrote only "n/a". Everyone
    but that site: no analysed comment differs, so the view's comments showed, and its filler
    count, one lower than everyone's, said what one of the six wrote; filtered to the site
    itself, "1 comment, 1 filler". Now the first view leaves out its counts of every comment
    (``counts_withheld``; its analysed count is its own), the second shows no comment (its
    only writer is one person), and a manager of the six and Data Platform, filtered to Data
    Platform, is not given the organisation's counts instead (a review of the first fix)."""
    import dataclasses as dc

    from analysis.shared import access
    from analysis.shared.access import AccessPolicy, Rule

    export, colmap = pipeline.load(SAMPLE.read_bytes(), SAMPLE.name)
    r = export.responses.copy()
    six = r.index[r[colmap.team].astype(str).to_numpy() == "Data Platform"][:6]
    for col, value in (("Location", "Solo Site"), (colmap.team, "Solo Team")):
        r[col] = r[col].astype(object)
        r.loc[six, col] = value
    for col in colmap.comments:
        r[col] = r[col].astype(object)
        r.loc[six, col] = ""
    r.loc[six[0], colmap.comments[0]] = "n/a"
    prep = pipeline.prepare(dc.replace(export, responses=r), colmap, roster=roster)
    whole = pipeline.analyze(prep, by=[]).comment_summary
    counts = ("total", "filler", "not_english")
    assert "counts_withheld" not in whole and whole["filler"] > 0
    others = sorted(set(r["Location"].astype(str)) - {"Solo Site"})
    session = Session(prep)
    narrow = session.view((), {"Location": others}, 5)
    assert narrow.filters, "the filter leaves out six people: allowed on its own"
    b = narrow.comment_summary
    assert b["analysed"] == whole["analysed"] > 0, narrow.comments_withheld
    assert b["counts_withheld"] == 1 and not set(counts) & set(b)
    site = session.view((), {"Location": ["Solo Site"]}, 5)
    assert site.filters and site.comments_withheld.startswith("Comments are not shown: the people")
    assert {k: site.comment_summary[k] for k in counts} == dict.fromkeys(counts, 0)
    wide = session.view((), {"Location": others[:2]}, 5).comment_summary
    assert "counts_withheld" not in wide and 0 < wide["total"] < whole["total"]
    # a manager's filtered view: their scope's counts at most, never the organisation's
    policy = AccessPolicy(
        rules=(Rule(role="manager", email="m@x", teams=("Data Platform", "Solo Team")),)
    )
    manager = policy.viewer_for("m@x")
    scope = access.scoped_analyze(manager, prep, policy=policy, by=()).comment_summary
    dp = access.scoped_analyze(
        manager, prep, policy=policy, by=(), filters={"Team": ["Data Platform"]}
    ).comment_summary
    assert scope["total"] < whole["total"] and scope["filler"] > 0
    assert dp["counts_withheld"] == 1 and not set(counts) & set(dp)
    assert dp["analysed"] == scope["analysed"] > 0
