"""What a person reads about a theme: a keyphrase label, top terms and three different quotes.

Labels are one keyphrase chosen by class-based TF-IDF over n-grams of topical words (never two
stray words glued together, never across punctuation: "Events, meetups" gives no "events
meetups"), ending in a word that can name a thing (a noun, or a name the lexicon does not
know: never "continue" or "reasonable"), unique across themes. With sentence embeddings, the
label is the one of the five best candidates closest in meaning to the theme's centre
("research" over "read"; Grootendorst 2022, BERTopic's KeyBERT-inspired representation).
Quotes are picked by maximal marginal relevance on the exact grid: central to the theme and
unlike each other.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from analysis import exact, lexicons
from analysis.themes import lexicon

__all__ = [
    "closest_first",
    "keyphrases",
    "names_a_thing",
    "representatives",
    "top_terms",
    "unique_labels",
]

#: Words allowed inside (never at the ends of) a keyphrase: "quality of work", "time and pay".
CONNECTORS = frozenset({"of", "and", "for", "to", "in", "on", "with", "the", "a"})
MAX_N = 3
N_QUOTES = 3
MMR_WEIGHT = 0.7  # relevance vs. difference from the quotes already chosen
RERANK_TOP = 5  # candidates (best c-TF-IDF first) re-ordered by closeness to the theme's centre
NEAR_DUPLICATE = 0.95  # cosine above which a quote says the same as one already chosen
#: Where a phrase cannot run on: sentence and list punctuation, brackets, quotes, spaced dashes.
_BREAK = re.compile(r"[.,;:!?()\[\]{}<>/\\|\"“”•·…*&+=—–\n\r\t]+|\s-+\s")


def _grid_score(share_in: float, share_all: float, bonus: float = 1.0) -> int:
    """share_in * log(1 + share_in / share_all) * bonus on a 2**-32 grid, as an integer.

    Python's scalar ``math.log1p``, not numpy's, whose SIMD kernels are picked per processor
    and may differ in the last bits: two near-tied phrases could then swap places, and with
    them a label. On the grid, a last-bit difference changes a score only at a grid boundary.
    """
    return round(share_in * math.log1p(share_in / share_all) * bonus * 2**32)


def _ngrams(text: str, memo: lexicon.Memo) -> set[str]:
    """Distinct 1-3 word phrases of a text that start and end with a topical word, inside one
    stretch between punctuation marks."""
    out = set()
    for part in _BREAK.split(text):
        ws = lexicon.words(part)
        top = [lexicon.is_topical(w, memo) for w in ws]
        for i in range(len(ws)):
            if not top[i]:
                continue
            out.add(ws[i])
            for j in range(i + 1, min(i + MAX_N, len(ws))):
                if not (top[j] or ws[j] in CONNECTORS):
                    break
                if top[j]:
                    out.add(" ".join(ws[i : j + 1]))
    return out


#: Nouns that name no subject alone ("example", "things"), and endings that add nothing to a
#: phrase ("deepfakes for example", "skills in areas", labels on the real sets); "practical
#: examples" or "lack of examples" still name something.
EMPTY_NOUNS = frozenset(
    {"example", "examples", "instance", "instances", "lot", "lots", "thing", "things", "way"}
    | {"ways", "kind", "kinds", "sort", "sorts", "bit", "bits", "area", "areas", "aspect"}
    | {"aspects", "stuff"}
)
EMPTY_ENDINGS = frozenset(
    {("for", "example"), ("for", "instance"), ("in", "areas")}
    | {("in", "area"), ("of", "things"), ("and", "things"), ("and", "stuff"), ("of", "stuff")}
)


def names_a_thing(phrase: str) -> bool:
    """A label must end in a word that can be a noun ("graduation process", "kubecon") and
    name something (not "example", "skills in areas")."""
    words = phrase.lower().split()
    if not words:
        return False
    if (len(words) == 1 and words[0] in EMPTY_NOUNS) or tuple(words[-2:]) in EMPTY_ENDINGS:
        return False
    return lexicons.can_be_noun(words[-1])


def keyphrases(docs_by_theme: Sequence[Sequence[tuple[str, int]]], top: int = 5) -> list[list[str]]:
    """Best keyphrases per theme; docs are (distinct text, copies).

    Notes
    -----
    score(p, c) = s_c(p) log(1 + s_c(p) / s(p)) * (1 + (n_words(p) - 1) / 2), with s_c(p) the
    share of theme c's comments containing phrase p and s(p) its share over all themes: a
    class-based TF-IDF (Grootendorst 2022, BERTopic, arXiv:2203.05794) over n-grams, with a
    bonus for longer phrases so "graduation process" beats "graduation". A phrase must occur in
    at least max(2, 5%) of the theme's comments and end in a word that can be a noun; ties
    break alphabetically.
    """
    memo: lexicon.Memo = {}
    per_theme: list[Counter] = []
    overall: Counter = Counter()
    sizes = []
    for docs in docs_by_theme:
        c: Counter = Counter()
        for text, copies in docs:
            for p in _ngrams(text, memo):
                c[p] += copies
        per_theme.append(c)
        overall.update(c)
        sizes.append(sum(copies for _, copies in docs))
    total = max(sum(sizes), 1)
    out = []
    for c, size in zip(per_theme, sizes, strict=True):
        need = max(2, 0.05 * size) if size >= 10 else 1
        scored = []
        for p, n in c.items():
            if n < need or not names_a_thing(p):
                continue
            bonus = 1 + (p.count(" ")) / 2
            scored.append((-_grid_score(n / size, overall[p] / total, bonus), p))
        scored.sort()
        out.append([p for _, p in scored[:top]])
    return out


def closest_first(cands: Sequence[str], V: np.ndarray, center: np.ndarray) -> list[str]:
    """The first RERANK_TOP candidates by cosine to ``center``, then the rest as they came.

    V holds the candidates' unit embeddings (rows in ``cands`` order). Cosines are exact grid
    dot products, so every machine orders them alike; ties keep the c-TF-IDF order. The five
    come from the class-based TF-IDF, so a label stays distinctive of its theme; among them the
    embedding picks the phrase that says what the theme is about. Judged blind on the real
    sets' themes, the labels chosen so left fewer themes with a label that names nothing
    (evals/data/real/theme_labels/GUIDELINE.md).
    """
    head = list(cands[:RERANK_TOP])
    if len(head) < 2:
        return list(cands)
    Vg = exact.to_grid(np.asarray(V[: len(head)], np.float64))
    cg = exact.to_grid(np.asarray(center, np.float64).reshape(1, -1)).ravel()
    order = np.argsort(-(Vg @ cg), kind="stable")
    return [head[i] for i in order] + list(cands[RERANK_TOP:])


def unique_labels(candidates: Sequence[Sequence[str]], taken: Sequence[str] = ()) -> list[str]:
    """One label per theme: its best candidate not used by an earlier theme (case-insensitive)."""
    used = {t.casefold() for t in taken}
    out = []
    for cands in candidates:
        label = next((c for c in cands if c.casefold() not in used), None)
        if label is None:
            base = cands[0] if cands else "other comments"
            label, n = base, 2
            while label.casefold() in used:
                label, n = f"{base} ({n})", n + 1
        used.add(label.casefold())
        out.append(label)
    return out


def top_terms(df_in: Counter, df_all: Counter, size: int, n_valid: int, top: int = 6) -> list[str]:
    """Terms frequent in the theme and over-represented against all themes.

    Notes
    -----
    score(t) = p_in(t) * log(1 + p_in(t) / p_all(t)), p the share of comments containing t:
    a class-based TF-IDF in the spirit of Grootendorst (2022, BERTopic, arXiv:2203.05794).
    """
    if size == 0 or not df_in:
        return []
    scored = []
    for s, c in df_in.items():
        p_in = c / size
        p_all = df_all[s] / max(n_valid, 1)
        scored.append((_grid_score(p_in, p_all), s))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [s for _, s in scored[:top]]


def representatives(E: np.ndarray, center: np.ndarray, n: int = N_QUOTES) -> list[int]:
    """Row indices of E: central to ``center`` and different from each other (MMR).

    Notes
    -----
    Maximal marginal relevance (Carbonell & Goldstein 1998, SIGIR): next = argmax over rows of
    w cos(x, centre) - (1 - w) max_j cos(x, chosen_j), w = MMR_WEIGHT; rows closer than
    NEAR_DUPLICATE to a chosen quote are skipped. Cosines are exact grid dot products, so the
    same quotes come out on every machine; ties go to the lower row.
    """
    if len(E) == 0:
        return []
    Xg = exact.to_grid(E)
    cg = exact.to_grid(np.asarray(center, np.float64).reshape(1, -1)).ravel()
    g2 = float(exact.GRID) ** 2
    rel = (Xg @ cg) / g2
    chosen = [int(np.argmax(rel))]
    near = (Xg @ Xg[chosen[0]]) / g2
    while len(chosen) < min(n, len(E)):
        score = MMR_WEIGHT * rel - (1 - MMR_WEIGHT) * near
        score[chosen] = -np.inf
        score[near >= NEAR_DUPLICATE] = -np.inf
        if not np.isfinite(score).any():
            break
        nxt = int(np.argmax(score))
        chosen.append(nxt)
        near = np.maximum(near, (Xg @ Xg[nxt]) / g2)
    # Too few different comments: fill with the next most central ones.
    for i in np.argsort(-rel, kind="stable"):
        if len(chosen) >= min(n, len(E)):
            break
        if int(i) not in chosen:
            chosen.append(int(i))
    return chosen
