"""Theme membership from sentence embeddings: known concerns first, then discovered themes.

1. **Guided.** Each codebook concern is a unit vector (its description plus the mean of its
   example phrasings). A comment whose cosine to the nearest concern reaches
   ``CONCERN_THRESHOLD``, and is no lower than its cosine to every background phrasing of the
   codebook (talk about the subject that voices no concern: "I use AI to draft emails"),
   joins that concern. A concern with terms (``Concern.terms``: the words that name it) takes
   only comments that use one: a comment joins the closest concern it names among those it is
   close enough to (``NAMED_THRESHOLD``: the words keep out what is merely near), and one
   that names none of them is discovered. Closeness alone put answers
   about oversight, hype and regulation in "Power and control" and ideas for using AI in
   "Misuse of AI" (short AI answers, dev rows: a guided theme was right for 12% of the 74
   comments that named no term of their concern, 39% of the 57 that did). A concern that
   gathers fewer than ``min_concern_size`` comments (of the survey: a row of a sample counts
   for the comments it stands for) gives
   them back to discovery. Without the background test, every answer about AI sat above the
   threshold for some AI concern: on the real sets' dev rows, 9% of the 416 interview
   answers in "Leadership communication" were about leadership.
2. **Discovered.** The other comments are clustered by spherical k-means into k themes. The
   amount of text sets a target t (``target_k``, about 11 for 1,000 comments); a smaller k
   down to t/3 is taken only when it separates the comments better beyond sampling error
   (``separated_k``), so comments on clearly different subjects are not cut into t pieces,
   while single-subject surveys (flat silhouettes) keep concern-level detail, unlike a
   silhouette argmax over 2-12, which collapses them to 2-5 themes. When most comments
   are close to known concerns (``SINGLE_SUBJECT``; close, named or not: it says what the
   survey is about), the rest keeps k = t. The fewer <-> more
   control scales that k by 2**granularity.
3. **Sub-themes.** A broad theme with enough comments is split in two to four where the split
   has a mean silhouette of at least ``SUBTHEME_SILHOUETTE``.
4. **Secondary theme.** A comment close to two concerns (both above ``SECONDARY_THRESHOLD``,
   within ``SECONDARY_MARGIN``) carries the second as its secondary theme.

Every decision compares exact integer dot products of grid vectors (``analysis.exact``), so
the same embeddings give the same themes on every machine, and 1e-6 noise moves nothing but
vectors sitting on a grid boundary.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from analysis import clustering, exact

__all__ = [
    "CONCERN_THRESHOLD",
    "NAMED_THRESHOLD",
    "Grouping",
    "assign",
    "concern_vectors",
    "group",
    "separated_k",
    "target_k",
]

#: Cosine to a concern's vector at or above which a comment is that concern's (chosen on the
#: dev split of the real sets: evals/themes_real.py; 0.35-0.45 score alike on AI answers, and
#: at 0.40 about 2% of the non-AI staff comments match an AI concern).
CONCERN_THRESHOLD = 0.40
#: The same for a concern with terms, which a comment must also name: the words keep out what
#: is merely near, so less closeness is needed (dev rows of the four coded sets, means over
#: seeds 0-4, against 0.40: 0.491 -> 0.498, 0.400 -> 0.415, 0.283 -> 0.298, 0.403 -> 0.422;
#: guided themes as often right; 0.25 and 0.35 scored lower on three of the four sets).
NAMED_THRESHOLD = 0.30
SECONDARY_THRESHOLD = 0.45
SECONDARY_MARGIN = 0.03
#: k = round(sqrt(n) / K_DIVISOR * 2**granularity): 11 themes for 1,000 comments, 4 for 160.
K_DIVISOR = 3.0
#: Candidate k for discovered themes: [K_RANGE[0] * t, t] below the target t (``separated_k``).
K_RANGE = (1 / 3, 1.0)
#: Share of comments matching known concerns above which the rest keeps k = t (no separation
#: test). On the AI answers' dev rows (77% guided) the test cut the rest to 2 themes and NMI
#: fell from 0.33 to 0.28; staff comments (1% guided) and mixed subjects are unaffected.
SINGLE_SUBJECT = 0.5
SELECT_ROWS = 1000  # distinct comment vectors used to compare candidate k
SUBTHEME_MIN = 40  # comments a theme needs before it is split
SUBTHEME_SILHOUETTE = 0.05
N_INIT = 4


def target_k(n: int, granularity: float = 0.0, lo: int = 1, hi: int = 12) -> int:
    """Number of discovered themes for n distinct comments: round(sqrt(n) / 3 * 2**g) in [lo, hi].

    The square-root rule (Mardia, Kent & Bibby 1979, Multivariate Analysis, p. 365: k ~
    sqrt(n / 2)) scaled so 1,000 substantive comments give about 11 themes, the middle of the
    8-15 range analysts work with; ``granularity`` +1 doubles it, -1 halves it.
    """
    if n <= 0:
        return 0
    k = int(np.floor(np.sqrt(n) / K_DIVISOR * 2.0 ** float(granularity) + 0.5))
    return int(min(max(k, lo, 1), hi, n))


def _silhouettes(X: np.ndarray, a: int, b: int, seed: int) -> dict[int, tuple[float, float]]:
    """k -> (mean silhouette, its standard error) of spherical k-means for k in [a, b].

    On distinct rows in input order, at most ``SELECT_ROWS`` of them drawn with the seed.
    """
    G = exact.to_grid(X)
    U = G[np.sort(np.unique(G, axis=0, return_index=True)[1])]
    if len(U) > SELECT_ROWS:
        U = U[np.sort(np.random.default_rng(seed).choice(len(U), SELECT_ROWS, replace=False))]
    S = U @ U.T
    out = {}
    for k in range(a, min(b, len(U) - 1) + 1):
        labels = clustering.spherical_kmeans(U, k, random_state=seed, n_init=2).labels
        if len(np.unique(labels)) >= 2:
            out[k] = clustering.silhouette(U, labels, S)
    return out


def separated_k(X: np.ndarray, n: int, lo: int = 1, hi: int = 12, random_state: int = 0) -> int:
    """k for n distinct comments: the target t = ``target_k(n)`` unless fewer separate better.

    Candidates are [max(2, lo, round(t / 3)), t]. The answer is the largest candidate whose
    mean silhouette (Rousseeuw 1987) is within one standard error of the best (the one-
    standard-error rule, Breiman et al. 1984, CART 3.4.3, here leaning to detail): on
    single-subject comments the silhouettes are flat and t stands; comments about clearly
    different subjects (restaurants, phones, films) give a clear peak at their number.
    """
    t = target_k(n, 0.0, lo, hi)
    a = max(2, lo, int(np.floor(t * K_RANGE[0] + 0.5)))
    if t < 3 or t <= a:
        return t
    scores = _silhouettes(X, a, t, random_state)
    if not scores:
        return t
    best = max(scores, key=lambda k: (scores[k][0], k))
    floor = scores[best][0] - scores[best][1]
    return max(k for k, (v, _) in scores.items() if v >= floor)


def _discovered_k(
    X: np.ndarray,
    n: int,
    granularity: float,
    lo: int,
    hi: int,
    seed: int,
    memo: dict | None,
    select: bool = True,
) -> int:
    """``separated_k`` (``target_k`` when not ``select``) scaled by 2**granularity, in [lo, hi].

    ``memo`` keeps the k chosen for these rows, so a refit at another granularity does not
    compare candidates again.
    """
    if not select:
        return target_k(n, granularity, lo, hi)
    key = (
        "\x00k:"
        + hashlib.sha256(exact.to_grid(X).tobytes() + f"{n},{lo},{hi},{seed}".encode()).hexdigest()
    )
    if memo is not None and key in memo:
        k0 = int(memo[key])
    else:
        k0 = separated_k(X, n, lo, hi, seed)
        if memo is not None:
            memo[key] = k0
    k = int(np.floor(k0 * 2.0 ** float(granularity) + 0.5))
    return int(min(max(k, lo, 1), hi, n))


def concern_vectors(desc: np.ndarray, examples: list[np.ndarray]) -> np.ndarray:
    """Unit vector per concern: grid(description) + mean grid(examples), summed exactly."""
    out = []
    for d, ex in zip(desc, examples, strict=True):
        eg = exact.to_grid(ex)
        v = exact.to_grid(d.reshape(1, -1)).ravel() + eg.sum(axis=0) / len(eg)
        out.append(v)
    if not out:
        return np.zeros((0, desc.shape[1] if desc.ndim == 2 else 0))
    return exact.to_grid(np.asarray(out)) / exact.GRID


@dataclass(frozen=True)
class Grouping:
    """Per-row theme (broad), sub-theme (leaf, -1 if none), secondary theme and concern ids.

    Themes are numbered biggest first; ``concern[t]`` is the codebook index of theme t, or -1
    for a discovered theme; ``parent[s]`` is the theme of sub-theme s.
    """

    labels: np.ndarray
    sub: np.ndarray
    secondary: np.ndarray
    concern: np.ndarray
    parent: np.ndarray
    centers: np.ndarray
    sub_centers: np.ndarray


@dataclass(frozen=True)
class _Match:
    """Per row: concern joined (-1: none), secondary concern (-1: none), and whether the row is
    close to some concern, named or not (what ``SINGLE_SUBJECT`` counts)."""

    first: np.ndarray
    second: np.ndarray
    near: np.ndarray


def _match(
    Xg: np.ndarray,
    Pg: np.ndarray,
    Bg: np.ndarray | None = None,
    named: np.ndarray | None = None,
    worded: np.ndarray | None = None,
) -> _Match:
    """Concerns of grid rows Xg against concern rows Pg, on exact integer scores.

    A concern is a candidate for a row when its score reaches ``CONCERN_THRESHOLD``
    (``NAMED_THRESHOLD`` for a concern with terms: ``worded``, one flag per concern), is no
    lower than the row's best background phrasing (Bg; ties go to the concern) and, where
    ``named`` (rows x concerns, from ``codebook.named``) is given, the row names it. The row
    joins its best candidate (ties to the lower index); the secondary concern is the next
    candidate when it reaches ``SECONDARY_THRESHOLD`` within ``SECONDARY_MARGIN`` of the first.
    """
    g2 = float(exact.GRID) ** 2
    n = len(Xg)
    if len(Pg) == 0:
        none = np.full(n, -1)
        return _Match(none, none.copy(), np.zeros(n, dtype=bool))
    S = Xg @ Pg.T  # exact integers
    # the best background phrasing's score; -inf without one (no rival)
    rival = (Xg @ Bg.T).max(axis=1) if Bg is not None and len(Bg) else np.full(n, -np.inf)
    worded = np.zeros(S.shape[1], dtype=bool) if worded is None else np.asarray(worded, bool)
    if worded.shape != (S.shape[1],):
        raise ValueError(f"worded needs one flag per concern ({S.shape[1]}), not {worded.shape}")
    floor = np.where(worded, NAMED_THRESHOLD, CONCERN_THRESHOLD) * g2  # exact: g2 is 2**k
    beats_background = rival[:, None] <= S
    close = (floor[None, :] <= S) & beats_background
    # close at the closeness-only threshold: the single-subject test asks what the survey is
    # about, which must not move with the words' lower threshold (a review: 400 comments at
    # cosine 0.35 to a worded concern, none naming it, went from 2 discovered themes to 7)
    near = ((CONCERN_THRESHOLD * g2 <= S) & beats_background).any(axis=1)
    if named is not None:
        close &= np.asarray(named, dtype=bool)
    # not a candidate: a score below any cosine's (|cos| <= 1), finite so differences are too
    out = -4.0 * g2
    C = np.where(close, S, out)
    rows = np.arange(n)
    best = np.argmax(C, axis=1)  # the first of equal maxima: ties to the lower index
    top = C[rows, best]
    first = np.where(top > out, best, -1)
    second = np.full(n, -1)
    if S.shape[1] > 1:
        C[rows, best] = out
        b2 = np.argmax(C, axis=1)
        s2 = C[rows, b2]
        ok = (first >= 0) & (s2 >= SECONDARY_THRESHOLD * g2) & (top - s2 <= SECONDARY_MARGIN * g2)
        second = np.where(ok, b2, -1)
    return _Match(first, second, near)


def _centre(Xg: np.ndarray, w: np.ndarray) -> np.ndarray:
    return exact.to_grid((w[:, None] * Xg).sum(axis=0, keepdims=True)).ravel() / exact.GRID


def _split(
    X: np.ndarray, Xg: np.ndarray, w: np.ndarray, granularity: float, seed: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Sub-theme labels and unit centres for one theme's rows, or None when no split holds."""
    if len(Xg) < SUBTHEME_MIN:
        return None
    k = min(max(target_k(len(Xg), granularity), 2), 4)
    res = clustering.spherical_kmeans(X, k, sample_weight=w, random_state=seed, n_init=N_INIT)
    if len(np.unique(res.labels)) < 2:
        return None
    score, _ = clustering.silhouette(Xg, res.labels)
    if score < SUBTHEME_SILHOUETTE:
        return None
    return res.labels, res.centers


def group(
    X: np.ndarray,
    weights: np.ndarray,
    P: np.ndarray,
    *,
    granularity: float = 0.0,
    n_themes: int | None = None,
    lo: int = 1,
    hi: int = 12,
    min_concern_size: int = 3,
    random_state: int = 0,
    scale: float = 1.0,
    memo: dict | None = None,
    background: np.ndarray | None = None,
    named: np.ndarray | None = None,
    worded: np.ndarray | None = None,
) -> Grouping:
    """Themes for distinct comments X (unit rows) weighted by copies, concerns P (unit rows).

    ``n_themes`` fixes the number of discovered themes (the total when there is no codebook).
    ``scale`` is the number of distinct comments each row of X stands for (the survey's
    distinct comments / the clustered sample), so k follows the survey, not the sample.
    ``memo`` (any dict kept between fits) saves comparing candidate k again on a refit.
    ``background`` (unit rows): phrasings that voice no concern (see the module docstring).
    ``named`` (rows x concerns): whether each row names each concern (``codebook.named``);
    ``worded`` (per concern): whether it has terms (``NAMED_THRESHOLD`` applies).
    """
    Xg = exact.to_grid(X)
    Pg = exact.to_grid(P) if len(P) else np.zeros((0, Xg.shape[1]))
    Bg = exact.to_grid(background) if background is not None and len(background) else None
    w = np.asarray(weights, dtype=np.float64)
    m = _match(Xg, Pg, Bg, named, worded)
    first, second = m.first, m.second
    # Concerns with too few comments give them back to discovery.
    mass = np.bincount(first[first >= 0], weights=w[first >= 0], minlength=len(Pg))
    # counted in the survey's comments, not the sample's: each sampled row stands for ``scale``
    keep = np.r_[mass * float(scale) >= max(int(min_concern_size), 1), False]  # -1: none
    first = np.where(keep[first], first, -1)
    second = np.where(keep[second], second, -1)
    rest = np.flatnonzero(first < 0)
    raw = np.where(first >= 0, first, -1)
    if len(rest):
        distinct = round(len(np.unique(Xg[rest], axis=0)) * float(scale))
        if n_themes is not None:
            k_rest = max(1, min(int(n_themes), distinct))
        else:  # with known concerns found, the rest may form a single theme
            floor = 1 if (first >= 0).any() else lo
            # A survey mostly about the codebook's subject: the leftovers of one subject split
            # by who writes (AI answers: by interview group), not by concern, so t stands.
            # close to a concern, named or not: what the survey is about, whatever the words
            select = w[m.near].sum() < SINGLE_SUBJECT * w.sum()
            k_rest = _discovered_k(
                X[rest], distinct, granularity, floor, hi, random_state, memo, select
            )
        res = clustering.spherical_kmeans(
            X[rest], k_rest, sample_weight=w[rest], random_state=random_state, n_init=N_INIT
        )
        k_rest = len(res.centers)
        raw[rest] = len(Pg) + res.labels
    # Renumber: biggest first (weighted), ties to guided then lower raw id.
    ids = np.unique(raw)
    size = np.array([w[raw == i].sum() for i in ids])
    order = ids[np.lexsort((ids, -size))]
    remap = {int(r): t for t, r in enumerate(order)}
    labels = np.array([remap[int(r)] for r in raw], dtype=int)
    concern = np.array([int(r) if r < len(Pg) else -1 for r in order], dtype=int)
    inv = {int(c): t for t, c in enumerate(concern) if c >= 0}
    sec = np.array([inv.get(int(s), -1) for s in second], dtype=int)
    sec[sec == labels] = -1
    centers = np.stack([_centre(Xg[labels == t], w[labels == t]) for t in range(len(order))])
    sub, parent, sub_centers = _subthemes(X, Xg, w, labels, len(order), granularity, random_state)
    return Grouping(labels, sub, sec, concern, parent, centers.astype(np.float32), sub_centers)


def assign(
    X: np.ndarray,
    P: np.ndarray,
    g: Grouping,
    background: np.ndarray | None = None,
    named: np.ndarray | None = None,
    worded: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(theme, sub-theme, secondary theme) of new unit rows X under a fitted ``Grouping``.

    The rules :func:`group` applied to its own rows: a row matching a concern that became a
    theme joins it; any other row joins the nearest discovered theme, or gets no theme (-1)
    when every theme is guided (a concern's name is never given to a row that does not match
    it); a split theme's row takes its nearest sub-theme. Used for the distinct comments
    beyond the clustered sample, whose vectors the analysis has anyway, and for
    ``ThemeModel.predict``.
    """
    n = len(X)
    labels, sub, sec = np.full(n, -1), np.full(n, -1), np.full(n, -1)
    if n == 0 or len(g.centers) == 0:
        return labels, sub, sec
    Xg = exact.to_grid(X)  # as group() grids its rows
    Pg = exact.to_grid(P) if len(P) else np.zeros((0, Xg.shape[1]))
    Bg = exact.to_grid(background) if background is not None and len(background) else None
    m = _match(Xg, Pg, Bg, named, worded)
    first, second = m.first, m.second
    theme_of = np.full(len(Pg) + 1, -1)  # concern -> its theme (-1: none, or given back)
    for t, c in enumerate(g.concern):
        if c >= 0:
            theme_of[c] = t
    labels = theme_of[first]  # index -1 (no concern) reads the last entry, -1
    found = np.flatnonzero(g.concern < 0)
    rest = np.flatnonzero(labels < 0)
    if len(found) and len(rest):
        labels[rest] = found[clustering.nearest(Xg[rest], exact.to_grid(g.centers[found]))]
    sec = np.where(theme_of[second] != labels, theme_of[second], -1)
    for t in np.unique(g.parent):
        rows = np.flatnonzero(labels == t)
        subs = np.flatnonzero(g.parent == t)
        if len(rows):
            sub[rows] = subs[clustering.nearest(Xg[rows], exact.to_grid(g.sub_centers[subs]))]
    return labels, sub, sec


def _subthemes(
    X: np.ndarray,
    Xg: np.ndarray,
    w: np.ndarray,
    labels: np.ndarray,
    k: int,
    granularity: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sub = np.full(len(labels), -1)
    parent: list[int] = []
    centres: list[np.ndarray] = []
    for t in range(k):
        rows = np.flatnonzero(labels == t)
        split = _split(X[rows], Xg[rows], w[rows], granularity, seed)
        if split is None:
            continue
        lab, cen = split
        sub[rows] = len(parent) + lab
        parent.extend([t] * len(cen))
        centres.extend(cen)
    dim = Xg.shape[1]
    C = np.asarray(centres, np.float32) if centres else np.zeros((0, dim), np.float32)
    return sub, np.asarray(parent, dtype=int), C
