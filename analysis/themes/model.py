"""``ThemeModel``: comment themes about topics, not tone, with scikit-learn estimator conventions.

Two engines behind one estimator (``engine="auto" | "semantic" | "lexical"``):

**Semantic** (the default whenever ``analysis.embeddings.available()``): each comment's
vector is the unit mean of its sentences' all-MiniLM-L6-v2 embeddings
(``analysis.comment_vectors``), the vectors sentiment and signals read, so in an analysis the
themes embed only the sentences redaction changed and the codebook's and labels' phrasings.
Comments close to a known concern of the ``codebook`` join it; the rest are clustered into
discovered themes, as many as the amount of text supports (``grouping``); big themes are
split into sub-themes where the data supports it. Above ``semantic_sample`` distinct comments
a random sample is clustered and the rest join themes by the same rules (``grouping.assign``:
a known concern, else the nearest discovered theme). ``refit`` changes the granularity
without embedding again.

**Lexical** (fallback, or on request): word vectors learned from the comments themselves
(``lexical``), spherical k-means, k by silhouette within the user's range.

With either engine a comment without a topical word gets no theme (-1), and labels and terms
come from topical words only (``lexicon``), so they never carry sentiment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from threadpoolctl import threadpool_limits

from analysis import clustering, embeddings
from analysis.comment_vectors import comment_vectors
from analysis.themes import describe, grouping, lexical, lexicon
from analysis.themes.codebook import Codebook, load_codebook, named

__all__ = ["ENGINES", "SEMANTIC_SAMPLE", "SampleFit", "ThemeModel"]

ENGINES = ("auto", "semantic", "lexical")
# Thread pools (OpenMP and BLAS) limited to 1 around SVD and k-means. Measured on the 2-core
# machine under load, 3 k x 4 restarts on 20k x 13: 1.6-2.6 s with all pools at 1 thread;
# 21-49 s with default pools; 30 s with only BLAS limited (OpenMP threads spin and fight).
_THREADS = 1
_SELECT_SAMPLE = 2000  # distinct comment vectors used to choose k (lexical engine)
# Distinct comments the semantic engine clusters by their vectors; above it the rest join the
# sample's themes (``grouping.assign``). Before 2026-12-05 the rest were classified from
# word-piece vectors, which blurred concern-level themes on real single-subject comments, and
# the seed decided which comments were embedded (evals/themes_real.py, dev rows, whole-comment
# vectors, means over seeds 0-4): 400 gave staff comments NMI 0.30; 1,000 gave interviews 0.311
# (seeds 0.282-0.364) and staff 0.405; 3,000 (both sets whole) 0.337 (0.331-0.343) and 0.415.
# In an analysis the vectors are already there (sentiment and signals embed every sentence),
# so the sample costs clustering only.
SEMANTIC_SAMPLE = 3000
GRANULARITY_RANGE = (-2.0, 2.0)


@dataclass
class SampleFit:
    """Which distinct comments were clustered, and how many rows were assigned after."""

    sample: np.ndarray  # first row of each clustered distinct comment
    classified: int  # rows assigned by ``grouping.assign`` rather than clustered


def _resolve_codebook(codebook: Codebook | str | Path | None) -> Codebook | None:
    if codebook is None or isinstance(codebook, Codebook):
        return codebook
    return load_codebook(codebook)


class ThemeModel(BaseEstimator):
    """Cluster comments into topic themes; scikit-learn estimator conventions.

    Parameters
    ----------
    n_themes : int or None
        Number of discovered themes; None sets it from the amount of text (semantic engine,
        ``grouping.target_k``) or by silhouette within [min_themes, max_themes] (lexical).
    min_themes, max_themes : int
        Bounds on the number of discovered themes (the user can change them in the app).
    n_components : int or None
        Dimensions of the lexical engine's word vectors; None uses max(10, max_themes).
    max_fit_sample : int
        Lexical engine: above this many comments, learn words on a random sample.
    n_init : int
        k-means restarts per k (lexical engine).
    random_state : int
        Seed for sampling, SVD and k-means: the same input and seed give the same themes.
    engine : {"auto", "semantic", "lexical"}
        "auto" uses the semantic engine when its model is installed, else the lexical one.
        "semantic" raises ``embeddings.SemanticEngineError`` when it cannot run.
    semantic_sample : int
        Distinct comments the semantic engine clusters; above it the rest are assigned.
    codebook : Codebook, path, YAML text or None
        Known concerns to assign comments to before discovering themes (semantic engine).
        None: discovery only.
    granularity : float
        Fewer (-2) to more (+2) themes; each step doubles the number of discovered themes.

    Attributes
    ----------
    engine_, engine_note_ : the engine that ran, and why "auto" fell back (or "").
    labels_ : ndarray of int, theme per input text, -1 when the text has no topical word.
    themes_ : DataFrame with theme, label, size, share, terms, representatives (row indices).
    kinds_ : dict theme -> "guided" or "discovered"; concerns_ : dict theme -> concern id.
    sublabels_ : ndarray, sub-theme per text (-1 when its theme is not split).
    subthemes_ : DataFrame with subtheme, theme, label, size, share (of its theme),
        representatives.
    secondary_ : ndarray, a second theme per text when it clearly raises two concerns, else -1.
    representatives_ : dict theme -> row indices of its quotes.
    n_themes_ : number of themes; silhouette_ : dict k -> silhouette (lexical engine, k chosen).
    """

    def __init__(
        self,
        n_themes: int | None = None,
        min_themes: int = 3,
        max_themes: int = 12,
        n_components: int | None = None,
        max_fit_sample: int = 20_000,
        n_init: int = 4,
        random_state: int = 0,
        engine: str = "auto",
        semantic_sample: int = SEMANTIC_SAMPLE,
        codebook: Codebook | str | Path | None = None,
        granularity: float = 0.0,
    ) -> None:
        self.n_themes = n_themes
        self.min_themes = min_themes
        self.max_themes = max_themes
        self.n_components = n_components
        self.max_fit_sample = max_fit_sample
        self.n_init = n_init
        self.random_state = random_state
        self.engine = engine
        self.semantic_sample = semantic_sample
        self.codebook = codebook
        self.granularity = granularity

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        if self.n_themes is not None and int(self.n_themes) < 1:
            raise ValueError("n_themes must be at least 1, or None to choose it automatically.")
        if not 1 <= int(self.min_themes) <= int(self.max_themes):
            raise ValueError(
                "The theme range is empty: min_themes must be at least 1 and at most max_themes."
            )
        if int(self.max_fit_sample) < 100:
            raise ValueError("max_fit_sample must be at least 100 comments.")
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}.")
        if int(self.semantic_sample) < 10:
            raise ValueError("semantic_sample must be at least 10 comments.")
        lo, hi = GRANULARITY_RANGE
        if not lo <= float(self.granularity) <= hi:
            raise ValueError(f"granularity must be between {lo:g} (fewer) and {hi:g} (more).")

    def _resolve_engine(self) -> tuple[str, str]:
        """(engine to run, note) for the engine parameter; "auto" falls back to lexical."""
        if self.engine == "lexical":
            return "lexical", ""
        if embeddings.available():
            return "semantic", ""
        if self.engine == "semantic":
            raise embeddings.SemanticEngineError(embeddings.model_info()["reason"])
        return "lexical", (
            "Themes use the lexical engine because the semantic engine is not installed. "
            + embeddings.model_info()["reason"]
        )

    # ------------------------------------------------------------------ fit
    def fit(self, texts: Iterable, y: object = None) -> ThemeModel:
        """Learn themes from the comments (filler should be removed first)."""
        return self._fit(lexicon.as_texts(texts), cache=None)

    def refit(self, texts: Iterable, **params: object) -> ThemeModel:
        """A new model with ``params`` changed (e.g. granularity), fitted on the same texts.

        The semantic engine reuses this model's embeddings, so a change of granularity or
        codebook costs clustering only, not embedding.
        """
        new = ThemeModel(**{**self.get_params(), **params})
        cache = getattr(self, "_embedded", None)
        return new._fit(lexicon.as_texts(texts), cache=cache)

    def _fit(self, texts: list[str], cache: dict | None) -> ThemeModel:
        self._check_params()
        engine, note = self._resolve_engine()
        self.secondary_ = np.full(len(texts), -1)
        self.sublabels_ = np.full(len(texts), -1)
        self.kinds_, self.concerns_ = {}, {}
        self.subthemes_ = _empty_subthemes()
        if engine == "semantic":
            try:
                self._fit_semantic(texts, cache or {})
                self.themes_.attrs["engine"] = self.engine_
                return self
            except embeddings.SemanticEngineError as exc:
                if self.engine == "semantic":
                    raise
                note = f"Themes use the lexical engine because the semantic engine failed: {exc}"
        self.engine_, self.engine_note_ = "lexical", note
        self._semantic = None
        self._fit_lexical(texts)
        self.themes_.attrs["engine"] = self.engine_
        return self

    # ------------------------------------------------------------------ semantic engine
    def _encode(self, texts: list[str], cache: dict) -> np.ndarray:
        """Comment vectors of texts (``comment_vectors``: the unit mean of their sentences'
        embeddings, the vectors sentiment and signals read), reusing ``cache`` (text -> vector)
        from an earlier fit."""
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            vectors = comment_vectors(missing).astype(np.float32)  # kept for refits: half the bytes
            cache = {**cache, **dict(zip(missing, vectors, strict=True))}
        # NUL-prefixed keys (concern phrasings, the chosen k) are kept for the next refit.
        self._embedded = {t: cache[t] for t in texts} | {
            k: v for k, v in cache.items() if k.startswith("\x00")
        }
        if not texts:
            return np.zeros((0, embeddings.DIM), np.float32)
        return np.stack([cache[t] for t in texts]).astype(np.float32)

    def _phrase_vectors(self, kind: str, phrases: list[str], cache: dict) -> np.ndarray:
        """Vectors of codebook or label phrasings, one row per phrase, embedded once.

        Keyed "\x00<kind>:<phrase>" (a NUL prefix no comment can have, so a phrasing never
        collides with a comment) and kept with the fit's vectors, so a refit embeds none again.
        """
        keys = [f"\x00{kind}:{p}" for p in phrases]
        missing = [k for k in dict.fromkeys(keys) if k not in cache]
        if missing:
            vecs = embeddings.encode([k.removeprefix(f"\x00{kind}:") for k in missing])
            cache.update(zip(missing, vecs, strict=True))
        self._embedded.update({k: cache[k] for k in keys})
        if not keys:
            return np.zeros((0, embeddings.DIM))
        return np.stack([cache[k] for k in keys])

    def _concern_vectors(self, codebook: Codebook | None, cache: dict) -> np.ndarray:
        if codebook is None or not codebook.concerns:
            return np.zeros((0, embeddings.DIM))
        phrasings = [c.phrasings() for c in codebook.concerns]
        V = self._phrase_vectors("concern", [p for ps in phrasings for p in ps], cache)
        ends = np.cumsum([len(ps) for ps in phrasings])
        blocks = np.split(V, ends[:-1])
        return grouping.concern_vectors(np.stack([b[0] for b in blocks]), [b[1:] for b in blocks])

    def _background_vectors(self, codebook: Codebook | None, cache: dict) -> np.ndarray:
        """Unit vectors of the codebook's background phrasings (none without concerns)."""
        if codebook is None or not codebook.concerns:
            return np.zeros((0, embeddings.DIM))
        return self._phrase_vectors("background", list(codebook.background), cache)

    def _fit_semantic(self, texts: list[str], cache: dict) -> ThemeModel:
        """Vectors of the distinct comments with a topical word; cluster (a sample of) them,
        assign the rest by the same rules, describe."""
        codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
        memo: lexicon.Memo = {}  # per call: see lexicon._classify
        toks = [lexicon.tokens(u, memo) for u in uniques]
        has_u = np.array([bool(t[0]) for t in toks], dtype=bool)
        self.engine_, self.engine_note_ = "semantic", ""
        self.silhouette_ = {}
        self._semantic = None
        topical_u = np.flatnonzero(has_u)
        if len(topical_u) == 0:
            self._embedded = {}
            self._set_empty(len(texts))
            return self
        copies = np.bincount(codes, minlength=len(uniques)).astype(float)
        first = np.full(len(uniques), len(texts))
        np.minimum.at(first, codes, np.arange(len(texts)))
        chosen = topical_u
        if len(topical_u) > int(self.semantic_sample):
            rng = np.random.default_rng(int(self.random_state))
            chosen = np.sort(rng.choice(topical_u, int(self.semantic_sample), replace=False))
        E_u = np.zeros((len(uniques), embeddings.DIM), np.float32)
        E_u[topical_u] = self._encode([str(uniques[u]) for u in topical_u], cache)
        X = E_u[chosen]
        codebook = _resolve_codebook(self.codebook)
        P = self._concern_vectors(codebook, cache)
        B = self._background_vectors(codebook, cache)
        concerns = codebook.concerns if codebook else ()
        N_u = np.ones((len(uniques), len(concerns)), dtype=bool)
        N_u[topical_u] = named(concerns, [str(uniques[u]) for u in topical_u])
        worded = np.array([bool(c.terms) for c in concerns], dtype=bool)
        g = grouping.group(
            X,
            copies[chosen],
            P,
            background=B,
            named=N_u[chosen],
            worded=worded,
            granularity=float(self.granularity),
            n_themes=self.n_themes,
            lo=int(self.min_themes),
            hi=int(self.max_themes),
            random_state=int(self.random_state),
            scale=len(topical_u) / len(chosen),
            memo=self._embedded,
        )
        lab_u = np.full(len(uniques), -1)
        sub_u = np.full(len(uniques), -1)
        sec_u = np.full(len(uniques), -1)
        lab_u[chosen], sub_u[chosen], sec_u[chosen] = g.labels, g.sub, g.secondary
        rest = np.setdiff1d(topical_u, chosen)
        lab_u[rest], sub_u[rest], sec_u[rest] = grouping.assign(
            E_u[rest], P, g, B, N_u[rest], worded
        )
        self._semantic = SampleFit(first[chosen], int(np.isin(codes, rest).sum()))
        self._rules = (g, P, B, concerns, worded)  # what predict applies to new comments
        self.labels_ = lab_u[codes]
        self.sublabels_ = sub_u[codes]
        self.secondary_ = sec_u[codes]
        self.n_themes_ = len(g.concern)
        self.centers_ = g.centers
        self.sub_centers_ = g.sub_centers
        self.sub_parent_ = g.parent
        names = [c.label for c in codebook.concerns] if codebook else []
        cids = [c.id for c in codebook.concerns] if codebook else []
        self.kinds_ = {t: "guided" if c >= 0 else "discovered" for t, c in enumerate(g.concern)}
        self.concerns_ = {t: cids[c] for t, c in enumerate(g.concern) if c >= 0}
        guided_names = {t: names[c] for t, c in enumerate(g.concern) if c >= 0}
        self._describe(texts, codes, uniques, toks, E_u, has_u, guided_names)
        return self

    # ------------------------------------------------------------------ lexical engine
    def _fit_lexical(self, texts: list[str]) -> ThemeModel:
        codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
        memo: lexicon.Memo = {}  # per call: see lexicon._classify
        toks = [lexicon.tokens(u, memo) for u in uniques]
        topical = [t[0] for t in toks]
        opinion = [t[1] for t in toks]
        rng = np.random.default_rng(self.random_state)
        n = len(texts)
        fit_rows = np.arange(n)
        if n > self.max_fit_sample:
            fit_rows = np.sort(rng.choice(n, size=int(self.max_fit_sample), replace=False))
        fit_codes = codes[fit_rows]
        dims = self.n_components or max(10, int(self.max_themes))
        with threadpool_limits(limits=_THREADS):
            self._space = lexical.learn_words(
                [topical[c] for c in fit_codes],
                [opinion[c] for c in fit_codes],
                dims,
                self.random_state,
            )
        self.vocabulary_ = self._space.vocabulary
        E_u = self._space.vectors(topical, opinion) if len(uniques) else np.zeros((0, 1))
        has_u = np.linalg.norm(E_u, axis=1) > 0 if len(uniques) else np.zeros(0, bool)
        rows = fit_rows[has_u[fit_codes]] if n else fit_rows
        X = E_u[codes[rows]]
        distinct = len(np.unique(np.round(X, 6), axis=0)) if len(X) else 0
        self.silhouette_ = {}
        if distinct == 0:
            self._set_empty(n)
            return self
        fitted = self._cluster(X, distinct)
        k = len(fitted.centers)
        raw_u = np.full(len(uniques), -1)
        if has_u.any():
            raw_u[has_u] = embeddings.assign(E_u[has_u], fitted.centers)
        raw = raw_u[codes]
        sizes = np.bincount(raw[raw >= 0], minlength=k)
        order = np.lexsort((np.arange(k), -sizes))  # biggest first, ties by id
        remap = np.empty(k, int)
        remap[order] = np.arange(k)
        self.centers_ = fitted.centers[order]
        self.labels_ = np.where(raw >= 0, remap[np.maximum(raw, 0)], -1)
        self.n_themes_ = k
        self.kinds_ = dict.fromkeys(range(k), "discovered")
        self._describe(texts, codes, uniques, toks, E_u, has_u, {})
        return self

    def _cluster(self, X: np.ndarray, distinct: int) -> clustering.Clusters:
        """Spherical k-means at the fixed k, or at the k in range with the best silhouette.

        Both in exact arithmetic (``analysis.clustering``), so the themes do not depend on the
        processor. k is chosen on at most 2,000 distinct comment vectors.
        """
        seed = int(self.random_state)
        if self.n_themes is not None:
            k = max(1, min(int(self.n_themes), distinct))
        else:
            lo = min(int(self.min_themes), distinct)
            hi = min(int(self.max_themes), distinct - 1)
            k = max(1, lo)
            if hi >= max(lo, 2):
                k, self.silhouette_ = clustering.choose_k(
                    X, lo, hi, random_state=seed, max_rows=_SELECT_SAMPLE
                )
        return clustering.spherical_kmeans(X, k, random_state=seed, n_init=self.n_init)

    def _set_empty(self, n: int) -> None:
        self.labels_ = np.full(n, -1)
        self.n_themes_ = 0
        self.centers_ = np.zeros((0, 1))
        self.representatives_ = {}
        self.themes_ = _empty_themes()

    # ------------------------------------------------------------------ predict
    def predict(self, texts: Iterable) -> np.ndarray:
        """Theme of new comments; -1 when a text has no topical word. Semantic engine: the rules
        of the fit (``grouping.assign``: a known concern, else the nearest discovered theme);
        lexical engine: the nearest theme centre."""
        if not hasattr(self, "labels_"):
            raise ValueError("Fit the theme model on comments before predicting themes.")
        texts = lexicon.as_texts(texts)
        if not texts:
            return np.zeros(0, int)
        if self.n_themes_ == 0:
            return np.full(len(texts), -1)
        memo: lexicon.Memo = {}  # per call: see lexicon._classify
        toks = [lexicon.tokens(t, memo) for t in texts]
        if self.engine_ == "semantic":
            has = np.array([bool(t[0]) for t in toks], dtype=bool)
            out = np.full(len(texts), -1)
            if has.any():
                keep = [t for t, h in zip(texts, has, strict=True) if h]
                g, P, B, concerns, worded = self._rules
                # float32, as the fit's vectors are kept: the same grid, the same rules
                X = comment_vectors(keep).astype(np.float32)
                out[has] = grouping.assign(X, P, g, B, named(concerns, keep), worded)[0]
            return out
        E = self._space.vectors([t[0] for t in toks], [t[1] for t in toks])
        has = np.linalg.norm(E, axis=1) > 0
        out = np.full(len(texts), -1)
        if has.any():
            out[has] = embeddings.assign(E[has], self.centers_)
        return out

    # ------------------------------------------------------------------ description
    def _describe(self, texts, codes, uniques, toks, E_u, embedded, guided_names) -> None:
        """Labels, top terms and representative comments per theme and sub-theme."""
        labels = self.labels_
        k = self.n_themes_
        n_valid = int((labels >= 0).sum())
        df_all: Counter = Counter()
        for code, copies in zip(*np.unique(codes[labels >= 0], return_counts=True), strict=True):
            for s in set(toks[code][0]):
                df_all[s] += int(copies)
        surface: dict[str, Counter] = {}
        for top, _, surf in toks:
            for s, w in zip(top, surf, strict=True):
                surface.setdefault(s, Counter())[w] += 1
        member_docs, records, reps = [], [], {}
        for theme in range(k):
            members = np.flatnonzero(labels == theme)
            member_codes, copies = np.unique(codes[members], return_counts=True)
            member_docs.append(
                [(str(uniques[c]), int(n)) for c, n in zip(member_codes, copies, strict=True)]
            )
            df_in: Counter = Counter()
            for code, c in zip(member_codes, copies, strict=True):
                for s in set(toks[code][0]):
                    df_in[s] += int(c)
            terms = describe.top_terms(df_in, df_all, len(members), n_valid)
            words = [surface[s].most_common(1)[0][0] for s in terms]
            reps[theme] = self._quotes(member_codes, codes, E_u, embedded, self.centers_[theme])
            records.append(
                {
                    "theme": theme,
                    "label": "",
                    "size": len(members),
                    "share": len(members) / len(labels) if len(labels) else 0.0,
                    "terms": words,
                    "representatives": reps[theme],
                }
            )
        taken = [guided_names[t] for t in sorted(guided_names)]
        discovered = [t for t in range(k) if t not in guided_names]
        cands = describe.keyphrases([member_docs[t] for t in discovered], top=10)
        cands = self._closest_first(cands, [self.centers_[t] for t in discovered])
        # no keyphrase: the best top term that can be a noun (the first term if none can)
        cands = [
            c
            or [w for w in records[t]["terms"] if describe.names_a_thing(w)][:1]
            or records[t]["terms"][:1]
            for c, t in zip(cands, discovered, strict=True)
        ]
        found = dict(zip(discovered, describe.unique_labels(cands, taken), strict=True))
        for r in records:
            r["label"] = guided_names.get(r["theme"], found.get(r["theme"], ""))
        self.representatives_ = reps
        self.themes_ = pd.DataFrame.from_records(records) if records else _empty_themes()
        self._describe_subthemes(codes, uniques, E_u, embedded)

    def _closest_first(self, cands: list[list[str]], centers: list) -> list[list[str]]:
        """Label candidates re-ordered by closeness to their theme's centre (semantic engine;
        the lexical engine's centres are not in the sentence space, so it keeps c-TF-IDF's
        order). Phrase vectors are kept with the fit's, so a refit embeds no phrase twice."""
        if self.engine_ != "semantic":
            return cands
        heads = [c[: describe.RERANK_TOP] for c in cands]
        V = self._phrase_vectors("phrase", [p for h in heads for p in h], self._embedded)
        blocks = np.split(V, np.cumsum([len(h) for h in heads])[:-1]) if heads else []
        return [
            describe.closest_first(c, b, center) if len(b) else c
            for c, b, center in zip(cands, blocks, centers, strict=True)
        ]

    def _quotes(self, member_codes, codes, E_u, embedded, center) -> list[int]:
        """Row indices of up to 3 central, different comments (first copy of each text)."""
        usable = member_codes[embedded[member_codes]]
        if not len(usable):
            usable = member_codes
        picks = describe.representatives(E_u[usable], center)
        first = {int(c): int(np.flatnonzero(codes == c)[0]) for c in usable[picks]}
        return [first[int(c)] for c in usable[picks]]

    def _describe_subthemes(self, codes, uniques, E_u, embedded) -> None:
        sub = self.sublabels_
        parents = getattr(self, "sub_parent_", np.zeros(0, int))
        if not len(parents):
            self.subthemes_ = _empty_subthemes()
            return
        docs = []
        for s in range(len(parents)):
            member_codes, copies = np.unique(codes[sub == s], return_counts=True)
            docs.append(
                [(str(uniques[c]), int(n)) for c, n in zip(member_codes, copies, strict=True)]
            )
        taken = list(self.themes_["label"])
        cands = self._closest_first(describe.keyphrases(docs, top=10), list(self.sub_centers_))
        labels = describe.unique_labels(cands, taken)
        rows = []
        for s, parent in enumerate(parents):
            members = np.flatnonzero(sub == s)
            in_theme = max(int((self.labels_ == parent).sum()), 1)
            member_codes = np.unique(codes[members])
            rows.append(
                {
                    "subtheme": s,
                    "theme": int(parent),
                    "label": labels[s],
                    "size": len(members),
                    "share": len(members) / in_theme,
                    "representatives": self._quotes(
                        member_codes, codes, E_u, embedded, self.sub_centers_[s]
                    ),
                }
            )
        self.subthemes_ = pd.DataFrame.from_records(rows)


def _empty(dtypes: dict[str, type]) -> pd.DataFrame:
    """A table with no rows and these columns' dtypes (a fit that found no theme)."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})


def _empty_themes() -> pd.DataFrame:
    return _empty(
        {"theme": int, "label": str, "size": int, "share": float, "terms": object,
         "representatives": object}
    )  # fmt: skip


def _empty_subthemes() -> pd.DataFrame:
    return _empty(
        {"subtheme": int, "theme": int, "label": str, "size": int, "share": float,
         "representatives": object}
    )  # fmt: skip
