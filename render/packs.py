"""Team packs: HR's overview and one folder per team, every format, from one writer.

:func:`pack_files` is the one place that decides what a pack holds and where each file goes:
``overview/overview.{xlsx,html}``, ``overview/groups.csv``, ``overview/comments.csv``, and
``teams/<slug>/<slug>.xlsx``, ``<slug>.html``, ``<slug>_scores.csv``, ``<slug>_comments.csv``.
The CLI writes them to a folder (:func:`write_packs`); shared mode keeps them in memory for the
viewer's own scope (:func:`scoped_packs`).
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from analysis import access, pipeline
from analysis.privacy import PrivacyPolicy
from render import teams as T
from render.csv import comments_csv, group_csv
from render.html import overview_html, team_html
from render.xlsx import team_workbook

__all__ = [
    "FORMATS",
    "pack_files",
    "pack_formats",
    "pack_slug",
    "packs_zip",
    "scoped_packs",
    "write_packs",
]

FORMATS = ("xlsx", "csv", "html")


#: Names Windows reserves for devices: a folder "con" cannot be made there.
_RESERVED = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{i}" for i in range(1, 10)),
        *(f"lpt{i}" for i in range(1, 10)),
    }
)


def _ascii_or_as_is(ch: str) -> str:
    """'Ä' -> 'A' (a Latin letter without its accent); '営', 'й' or a vowel sign as written
    (dropping a mark changes a Cyrillic letter or an Indic syllable)."""
    if unicodedata.category(ch).startswith("M"):
        return ch  # a mark on its own: part of a letter of another script
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base if base.isascii() and base else unicodedata.normalize("NFC", ch)


def _kept(ch: str) -> bool:
    """Letters, marks and digits of any script; everything else separates words."""
    return unicodedata.category(ch)[0] in "LMN"


def pack_slug(name: str) -> str:
    """A file-name-safe slug, in the name's own script: never empty, never a path ('../x' ->
    'x'), no separator or symbol. Until 2026-12-07 it was ASCII only, and every team named in
    another script got the folder 'team', 'team-2', ...: no manager could find theirs."""
    text = "".join(_ascii_or_as_is(ch) for ch in unicodedata.normalize("NFC", str(name)))
    words = "".join(ch if _kept(ch) else " " for ch in text.casefold()).split()
    slug = "-".join(words)[:60].strip("-")
    if slug in _RESERVED:
        slug = f"{slug}-team"
    return slug or "team"


def pack_formats(formats: Sequence[str] | str) -> list[str]:
    """``("xlsx", "csv")`` or ``"xlsx,csv"`` -> the list; ``ValueError`` names the valid ones."""
    fmts = [f.strip().lower() for f in ([formats] if isinstance(formats, str) else formats)]
    fmts = [f.strip() for part in fmts for f in part.split(",") if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise ValueError(
            f"Unknown format(s) {', '.join(map(repr, bad)) or '(none given)'}; "
            f"choose from {', '.join(FORMATS)}."
        )
    return fmts


def _overview_files(results: Any, fmts: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    if "xlsx" in fmts:
        yield "overview/overview.xlsx", team_workbook(results)
    if "csv" in fmts:
        yield "overview/groups.csv", group_csv(results)
        yield "overview/comments.csv", comments_csv(results)
    if "html" in fmts:
        yield "overview/overview.html", overview_html(results).encode("utf-8")


def _team_files(
    results: Any, team: str, slug: str, fmts: Sequence[str]
) -> Iterator[tuple[str, bytes]]:
    folder = f"teams/{slug}"
    if "xlsx" in fmts:
        yield f"{folder}/{slug}.xlsx", team_workbook(results, [team])
    if "csv" in fmts:
        yield f"{folder}/{slug}_scores.csv", group_csv(results, team)
        yield f"{folder}/{slug}_comments.csv", comments_csv(results, team)
    if "html" in fmts:
        yield f"{folder}/{slug}.html", team_html(results, team).encode("utf-8")


def _slugs(teams: Sequence[str]) -> list[tuple[str, str]]:
    """(team, slug) with slugs made unique by a -2, -3… suffix."""
    used: set[str] = set()
    out = []
    for team in teams:
        slug = base = pack_slug(team)
        k = 2
        while slug in used:
            slug, k = f"{base}-{k}", k + 1
        used.add(slug)
        out.append((team, slug))
    return out


def pack_files(
    results: Any,
    formats: Sequence[str] | str = FORMATS,
    teams: Sequence[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Every file of the packs as ``(relative path, bytes)``, overview first, then each team.

    ``teams`` picks group labels (default: all); ``progress(done, total, team)`` is called
    after each team's files. Unknown teams or formats raise ``ValueError`` naming the valid
    ones, before anything is rendered.
    """
    fmts = pack_formats(formats)
    if not results.by:
        raise ValueError("Choose a grouping column (for example 'team') to make team packs.")
    chosen = T.check_teams(results, teams)
    yield from _overview_files(results, fmts)
    for i, (team, slug) in enumerate(_slugs(chosen), 1):
        yield from _team_files(results, team, slug, fmts)
        if progress is not None:
            progress(i, len(chosen), team)


def write_packs(
    prepared: Any,
    by: Sequence[str] | str,
    out_dir: str | Path,
    teams: Sequence[str] | None = None,
    formats: Sequence[str] = FORMATS,
    policy: PrivacyPolicy | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    theme_names: Mapping[int, str] | None = None,
    theme_merges: Mapping[int, int] | None = None,
) -> list[Path]:
    """Write one manager pack per team plus HR's overview pack; returns the files written.

    The layout is :func:`pack_files`'s under ``out_dir``. A name that would land outside
    ``out_dir`` is refused. ``theme_names`` / ``theme_merges``: the user's theme edits.
    """
    fmts = pack_formats(formats)
    results = pipeline.analyze(
        prepared,
        by=by,
        policy=policy or PrivacyPolicy(),
        theme_names=theme_names,
        theme_merges=theme_merges,
    )
    out = Path(out_dir)
    written: list[Path] = []
    for name, data in pack_files(results, fmts, teams, progress):
        path = out / name
        if out.resolve() not in path.resolve().parents:
            raise ValueError(f"Refusing to write outside {out}: {name!r}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def scoped_packs(
    viewer: access.Viewer,
    prepared: pipeline.Prepared,
    *,
    policy: access.AccessPolicy,
    by: Sequence[str] | str | None = None,
    privacy: PrivacyPolicy | None = None,
    formats: Sequence[str] = FORMATS,
) -> dict[str, bytes]:
    """The packs the viewer may download, in memory: ``{relative path: bytes}``.

    Built from :func:`analysis.access.scoped_analyze`, so a manager's packs hold only their
    teams under the policy's thresholds.
    """
    fmts = pack_formats(formats)
    res = access.scoped_analyze(viewer, prepared, policy=policy, by=by, privacy=privacy)
    return dict(pack_files(res, fmts))


def packs_zip(packs: Mapping[str, bytes]) -> bytes:
    """The packs as one ZIP (for a single download button)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(packs):
            zf.writestr(name, packs[name])
    return buf.getvalue()
