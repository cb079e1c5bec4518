"""Comment themes about topics, not tone: sentence embeddings when installed, else a lexical engine.

Two engines behind one estimator (``ThemeModel(engine="auto" | "semantic" | "lexical")``):

**Semantic** (the default whenever ``analysis.embeddings.available()``): all-MiniLM-L6-v2 sentence
vectors in numpy, spherical k-means, k by cosine silhouette. On our multi-domain set it recovers
the domains with ARI about 0.78 (k auto) against 0.32 for the lexical engine (evals/themes.py).
Embedding costs about 3 ms of CPU per comment, so above ``semantic_sample`` distinct comments a
random sample is embedded and the rest labelled by a classifier trained on the sample's themes
(``embeddings.fit_sample_assign``). ``BackgroundFit`` runs the fit in a helper process so the
pipeline scores sentiment and signals meanwhile.

**Lexical** (fallback, or on request):

Why not TF-IDF + k-means: on short comments the clusters follow the most frequent words, and those
are opinion words ("great", "bad"), so themes come out as "positive" and "negative" piles. This
engine (1) keeps every sentiment-bearing word (VADER lexicon, |valence| >= 0.5), negation,
intensifier and generic word out of the theme vocabulary; (2) learns word vectors from the
comments' own co-occurrence (SVD of positive PMI), so two comments that share no word but talk
about the same thing ("battery died", "charger is slow") land close together; (3) clusters the
comment vectors with k-means and picks k by silhouette within the user's range.

With either engine, a comment without a topical word (tone or filler only: "great", "not bad")
gets no theme (-1), and theme labels and terms come from the topical words of each theme's
comments, so they never carry sentiment.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from nltk.collocations import BigramCollocationFinder
from nltk.metrics import BigramAssocMeasures
from nltk.stem.snowball import SnowballStemmer
from sklearn.base import BaseEstimator
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from analysis import clustering, embeddings, exact

__all__ = [
    "ENGINES",
    "BackgroundFit",
    "ThemeModel",
    "merge_themes",
    "theme_group_shares",
    "theme_table",
    "topical_tokens",
]

DATA = Path(__file__).with_name("data")
SENTIMENT_THRESHOLD = 0.5  # |VADER valence| at or above which a word is tone, not topic
OPINION_WEIGHT = 0.3  # weak weight of tone words in a comment's vector (never in terms/labels)
NEGATIONS = frozenset(
    {"not", "no", "nor", "never", "none", "nobody", "nothing", "neither", "nowhere", "without"}
    | {"cannot", "lack", "lacks", "lacking"}
)
_WORD = re.compile(r"[a-z]+")
_APOSTROPHES = str.maketrans({"'": "", "’": "", "‘": ""})
# Thread pools (OpenMP and BLAS) limited to 1 around SVD and k-means. Measured on the 2-core
# machine under load, 3 k x 4 restarts on 20k x 13: 1.6-2.6 s with all pools at 1 thread;
# 21-49 s with default pools; 30 s with only BLAS limited (OpenMP threads spin and fight).
_THREADS = 1
_SELECT_SAMPLE = 2000  # distinct comment vectors used to choose k
ENGINES = ("auto", "semantic", "lexical")
# Distinct comments embedded by the semantic engine; the rest are classified from the sample.
# 1.3-2.7 CPU-s at 150-300 comments per CPU-second (two-sentence comments are the slow end),
# which the pipeline hides behind sentiment and signals by fitting in a helper process.
# Agreement of the classified comments with full embedding: 0.84-0.91 with 300-500 embedded
# (evals/themes_semantic.py).
SEMANTIC_SAMPLE = 400


def _load_stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words: set[str] = set(ENGLISH_STOP_WORDS) | NEGATIONS
    for line in (DATA / "theme_stopwords.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)


def _load_sentiment_words() -> frozenset[str]:
    """Words whose VADER valence says tone; read from the lexicon file vaderSentiment ships."""
    import vaderSentiment

    path = Path(vaderSentiment.__file__).with_name("vader_lexicon.txt")
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].isalpha() and abs(float(parts[1])) >= SENTIMENT_THRESHOLD:
            words.add(parts[0].lower())
    return frozenset(words)


STOPWORDS = _load_stopwords()
SENTIMENT_WORDS = _load_sentiment_words()
_stem = SnowballStemmer("english").stem
SENTIMENT_STEMS = frozenset(_stem(w) for w in SENTIMENT_WORDS)


#: word -> (stem, is_topical) or None, owned by one call: comment words never outlive it.
_Memo = dict[str, tuple[str, bool] | None]


def _classify(word: str, memo: _Memo) -> tuple[str, bool] | None:
    """(stem, is_topical) for a content word; None for stop words and very short tokens."""
    if word in memo:
        return memo[word]
    out = None
    if len(word) >= 3 and word not in STOPWORDS:
        stem = _stem(word)
        out = stem, word not in SENTIMENT_WORDS and stem not in SENTIMENT_STEMS
    memo[word] = out
    return out


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    return _WORD.findall(text)


def topical_tokens(text: str, memo: _Memo | None = None) -> list[str]:
    """The stems of a text that carry topic: no stop words, no sentiment, negation or filler.
    Pass one ``memo`` dict for the texts of one call to stem each distinct word once."""
    memo = {} if memo is None else memo
    out = []
    for w in _words(text):
        c = _classify(w, memo)
        if c is not None and c[1]:
            out.append(c[0])
    return out


def _tokens(text: str, memo: _Memo) -> tuple[list[str], list[str], list[str]]:
    """(topical stems, opinion stems, topical surface words in order) for one text."""
    topical, opinion, surface = [], [], []
    for w in _words(text):
        c = _classify(w, memo)
        if c is None:
            continue
        if c[1]:
            topical.append(c[0])
            surface.append(w)
        else:
            opinion.append(c[0])
    return topical, opinion, surface


def _as_texts(texts: Iterable) -> list[str]:
    return ["" if pd.isna(t) else str(t) for t in texts] if not isinstance(texts, str) else [texts]


class ThemeModel(BaseEstimator):
    """Cluster comments into topic themes; scikit-learn estimator conventions.

    Parameters
    ----------
    n_themes : int or None
        Number of themes; None chooses it by silhouette within [min_themes, max_themes].
    min_themes, max_themes : int
        The range searched when n_themes is None (the user can change it in the app).
    n_components : int or None
        Dimensions of the learned word vectors; None uses max(10, max_themes) so k themes have
        at least k - 1 directions to separate along.
    max_fit_sample : int
        Above this many comments, fit on a random sample of this size and assign the rest to the
        nearest learned centre (same vectors, so assignment is exact nearest-centre, not a guess).
    n_init : int
        k-means restarts per k.
    random_state : int
        Seed for sampling, SVD and k-means: the same input and seed give the same themes.
    engine : {"auto", "semantic", "lexical"}
        "auto" uses the semantic engine when its model is installed, else the lexical one.
        "semantic" raises ``embeddings.SemanticEngineError`` (a sentence saying what to install)
        when it cannot run.
    semantic_sample : int
        Distinct comments the semantic engine embeds; above it the rest are classified.

    Attributes
    ----------
    engine_ : "semantic" or "lexical", the engine that ran.
    engine_note_ : "" or a sentence saying why "auto" fell back to the lexical engine.
    labels_ : ndarray of int, theme per input text, -1 when the text has no topical word.
    themes_ : DataFrame with theme, label, size, share, terms, representatives.
    representatives_ : dict theme -> list of row indices closest to the theme centre.
    n_themes_ : chosen number of themes.
    silhouette_ : dict k -> silhouette (cosine) on the evaluation sample (empty when k fixed,
        and with the semantic engine, which chooses k inside ``embeddings.cluster_embeddings``).
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

    # ------------------------------------------------------------------ representation
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

    def _vectors(self, topical: Sequence[list[str]], opinion: Sequence[list[str]]) -> np.ndarray:
        """Comment vectors: weighted sum of learned word vectors, L2-normalised (0 when empty)."""
        vocab = self.vocabulary_
        rows, cols, vals = [], [], []
        for i, (top, op) in enumerate(zip(topical, opinion, strict=True)):
            counts: Counter = Counter()
            for s in top:
                j = vocab.get(s)
                if j is not None:
                    counts[j] += 1.0
            for s in op:
                j = vocab.get(s)
                if j is not None:
                    counts[j] += OPINION_WEIGHT
            for j, c in counts.items():
                rows.append(i)
                cols.append(j)
                vals.append(1.0 + np.log(c) if c >= 1 else c)
        X = sp.csr_matrix((vals, (rows, cols)), shape=(len(topical), len(vocab)))
        X = X @ sp.diags(self.idf_)
        has_topic = np.array(
            [any(s in vocab and self.topical_mask_[vocab[s]] for s in t) for t in topical]
        )
        E = np.asarray(X @ self.word_vectors_)
        E[~has_topic] = 0.0
        return normalize(E)

    def _learn_words(self, topical: Sequence[list[str]], opinion: Sequence[list[str]]) -> None:
        """Vocabulary, idf and word vectors from PPMI co-occurrence with topical context words.

        Notes
        -----
        Co-occurrence counts c(w, t) of word w and topical word t in the same comment give
        PPMI(w, t) = max(0, log c(w,t) N / (c(w) P_a(t) N)), with context smoothing
        P_a(t) = c(t)^0.75 / sum c^0.75 (Levy, Goldberg & Dagan 2015, TACL 3:211-225). Word
        vectors are U S^(1/2) of a truncated SVD of the PPMI matrix, rows L2-normalised. Only
        topical words are contexts, so a word's vector says which topics it occurs with and
        never its tone; opinion words get vectors but weigh OPINION_WEIGHT in a comment.
        """
        n = len(topical)
        min_df = 2 if n >= 50 else 1
        df_top = Counter(s for t in topical for s in set(t))
        df_op = Counter(s for o in opinion for s in set(o))
        top_words = sorted(s for s, c in df_top.items() if c >= min_df)
        op_words = sorted(s for s, c in df_op.items() if c >= min_df and s not in df_top)
        words = top_words + op_words
        self.vocabulary_ = {w: j for j, w in enumerate(words)}
        self.topical_mask_ = np.r_[np.ones(len(top_words), bool), np.zeros(len(op_words), bool)]
        df = np.array([df_top.get(w, 0) + df_op.get(w, 0) for w in words], dtype=float)
        self.idf_ = np.log((1 + n) / (1 + df)) + 1.0
        rows, cols = [], []
        for i, (top, op) in enumerate(zip(topical, opinion, strict=True)):
            for j in {self.vocabulary_[s] for s in (*top, *op) if s in self.vocabulary_}:
                rows.append(i)
                cols.append(j)
        B = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(words)))
        n_top = len(top_words)
        if n_top == 0:
            self.word_vectors_ = np.zeros((len(words), 1))
            return
        C = (B.T @ B[:, :n_top]).tocoo()
        off = C.row != C.col
        r, c, v = C.row[off], C.col[off], C.data[off]
        dims = self.n_components or max(10, int(self.max_themes))
        if v.size == 0 or min(len(words), n_top) <= 2:
            # Too little text to learn co-occurrence: each topical word is its own direction.
            self.word_vectors_ = np.eye(len(words), n_top)
            return
        row_sum = np.bincount(r, v, minlength=len(words))
        ctx = np.bincount(c, v, minlength=n_top) ** 0.75
        ctx /= ctx.sum()
        pmi = np.log(v / (row_sum[r] * ctx[c]))
        keep = pmi > 0
        P = sp.csr_matrix((pmi[keep], (r[keep], c[keep])), shape=(len(words), n_top))
        dims = min(dims, min(P.shape) - 1)
        svd = TruncatedSVD(dims, algorithm="randomized", random_state=self.random_state)
        U = svd.fit_transform(P)
        W = U / np.sqrt(np.maximum(svd.singular_values_, 1e-12))
        # Words absent from the PPMI rows (no positive association) keep their own direction.
        lonely = np.asarray(abs(P).sum(axis=1)).ravel() == 0
        W = normalize(W)
        if lonely.any():
            W = np.hstack([W, np.zeros((len(words), 1))])
            W[lonely, -1] = 1.0
        self.word_vectors_ = W

    # ------------------------------------------------------------------ fit / predict
    def fit(self, texts: Iterable, y: object = None) -> ThemeModel:
        """Learn themes from the comments (filler should be removed first)."""
        self._check_params()
        engine, note = self._resolve_engine()
        texts = _as_texts(texts)
        if engine == "semantic":
            try:
                self._fit_semantic(texts)
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

    def _fit_semantic(self, texts: list[str]) -> ThemeModel:
        """Embed (a sample of) the comments with a topical word, cluster, describe by words."""
        codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
        memo: _Memo = {}  # per call: see _classify
        toks = [_tokens(u, memo) for u in uniques]
        has_u = np.array([bool(t[0]) for t in toks], dtype=bool)
        self.engine_, self.engine_note_ = "semantic", ""
        self.silhouette_ = {}
        self._semantic = None
        rows = np.flatnonzero(has_u[codes]) if len(texts) else np.zeros(0, int)
        if len(rows) == 0:
            self._set_empty(len(texts))
            return self
        distinct = int(has_u.sum())
        if self.n_themes is not None:
            lo = hi = max(1, min(int(self.n_themes), distinct))
        else:
            lo, hi = int(self.min_themes), int(self.max_themes)
        res = embeddings.fit_sample_assign(
            [texts[i] for i in rows],
            sample_size=int(self.semantic_sample),
            min_k=lo,
            max_k=hi,
            random_state=int(self.random_state),
        )
        self._semantic = res
        labels = np.full(len(texts), -1)
        labels[rows] = res.labels
        self.labels_ = labels
        self.n_themes_ = int(res.k)
        self.centers_ = res.centers
        # Representatives come from the embedded comments: the only ones with a true distance.
        E_u = np.zeros((len(uniques), res.embeddings.shape[1]), np.float32)
        E_u[codes[rows[res.sample]]] = res.embeddings
        self._describe(texts, codes, uniques, toks, E_u)
        return self

    def _fit_lexical(self, texts: list[str]) -> ThemeModel:
        codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
        memo: _Memo = {}  # per call: see _classify
        toks = [_tokens(u, memo) for u in uniques]
        topical = [t[0] for t in toks]
        opinion = [t[1] for t in toks]
        rng = np.random.default_rng(self.random_state)
        n = len(texts)
        fit_rows = np.arange(n)
        if n > self.max_fit_sample:
            fit_rows = np.sort(rng.choice(n, size=int(self.max_fit_sample), replace=False))
        fit_codes = codes[fit_rows]
        with threadpool_limits(limits=_THREADS):
            self._learn_words([topical[c] for c in fit_codes], [opinion[c] for c in fit_codes])
        E_u = self._vectors(topical, opinion) if len(uniques) else np.zeros((0, 1))
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
        self._describe(texts, codes, uniques, toks, E_u)
        return self

    def _set_empty(self, n: int) -> None:
        self.labels_ = np.full(n, -1)
        self.n_themes_ = 0
        self.centers_ = np.zeros((0, 1))
        self.representatives_ = {}
        self.themes_ = pd.DataFrame(
            {
                "theme": pd.Series(dtype=int),
                "label": pd.Series(dtype=str),
                "size": pd.Series(dtype=int),
                "share": pd.Series(dtype=float),
                "terms": pd.Series(dtype=object),
                "representatives": pd.Series(dtype=object),
            }
        )

    def _cluster(self, X: np.ndarray, distinct: int) -> clustering.Clusters:
        """Spherical k-means at the fixed k, or at the k in range with the best silhouette.

        Both in exact arithmetic (``analysis.clustering``), so the themes do not depend on the
        processor. k is chosen on at most 2,000 distinct comment vectors (stacks of identical
        one-word comments would otherwise reward every cluster that isolates a stack).
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

    def _transform_texts(self, texts: list[str]) -> np.ndarray:
        memo: _Memo = {}  # per call: see _classify
        toks = [_tokens(t, memo) for t in texts]
        return self._vectors([t[0] for t in toks], [t[1] for t in toks])

    def predict(self, texts: Iterable) -> np.ndarray:
        """Theme of new comments (nearest learned centre); -1 when a text has no topical word."""
        if not hasattr(self, "labels_"):
            raise ValueError("Fit the theme model on comments before predicting themes.")
        texts = _as_texts(texts)
        if not texts:
            return np.zeros(0, int)
        if self.n_themes_ == 0:
            return np.full(len(texts), -1)
        if self.engine_ == "semantic":
            memo: _Memo = {}  # per call: see _classify
            has = np.array([bool(topical_tokens(t, memo)) for t in texts], dtype=bool)
            out = np.full(len(texts), -1)
            if has.any():
                out[has] = self._semantic.predict([t for t, h in zip(texts, has, strict=True) if h])
            return out
        E = self._transform_texts(texts)
        has = np.linalg.norm(E, axis=1) > 0
        out = np.full(len(texts), -1)
        if has.any():
            out[has] = embeddings.assign(E[has], self.centers_)
        return out

    # ------------------------------------------------------------------ description
    def _describe(self, texts, codes, uniques, toks, E_u) -> None:
        """Top terms, a short label and representative comments per theme."""
        labels = self.labels_
        k = self.n_themes_
        n_valid = int((labels >= 0).sum())
        df_all: Counter = Counter()
        surface: dict[str, Counter] = {}
        # Document frequencies: each distinct comment's words once, weighted by its copies.
        for code, copies in zip(*np.unique(codes[labels >= 0], return_counts=True), strict=True):
            for s in set(toks[code][0]):
                df_all[s] += int(copies)
        for top, _, surf in toks:
            for s, w in zip(top, surf, strict=True):
                surface.setdefault(s, Counter())[w] += 1
        records, reps = [], {}
        for theme in range(k):
            members = np.flatnonzero(labels == theme)
            size = len(members)
            df_in: Counter = Counter()
            member_codes, copies = np.unique(codes[members], return_counts=True)
            for code, c in zip(member_codes, copies, strict=True):
                for s in set(toks[code][0]):
                    df_in[s] += int(c)
            docs = [toks[code][2] for code in member_codes]
            terms = _top_terms(df_in, df_all, size, n_valid)
            words = [surface[s].most_common(1)[0][0] for s in terms]
            label = _label(docs, words, size)
            # Exact grid dot products: the same representatives on every machine.
            sims = (
                exact.to_grid(E_u[codes[members]])
                @ exact.to_grid(self.centers_[theme : theme + 1]).ravel()
            )
            chosen, seen = [], set()
            for i in members[np.argsort(-sims, kind="stable")]:
                if codes[i] not in seen:
                    seen.add(codes[i])
                    chosen.append(int(i))
                if len(chosen) == 5:
                    break
            reps[theme] = chosen
            records.append(
                {
                    "theme": theme,
                    "label": label,
                    "size": size,
                    "share": size / len(labels) if len(labels) else 0.0,
                    "terms": words,
                    "representatives": chosen,
                }
            )
        self.representatives_ = reps
        self.themes_ = pd.DataFrame.from_records(records)


def _top_terms(df_in: Counter, df_all: Counter, size: int, n_valid: int, top: int = 6) -> list[str]:
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
        scored.append((p_in * np.log1p(p_in / p_all), s))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return [s for _, s in scored[:top]]


def _label(docs: list[list[str]], words: list[str], size: int) -> str:
    """A key phrase (adjacent topical words that recur together) or the top two terms.

    A collocation is used only when it recurs (>= 3 times and >= 5% of the theme) and holds the
    theme's top term, so the label names what the theme is mostly about.
    """
    if not words:
        return "(no topic words)"
    finder = BigramCollocationFinder.from_documents(docs)
    finder.apply_freq_filter(max(3, int(0.05 * size)))
    finder.apply_ngram_filter(lambda a, b: a == b or words[0] not in (a, b))
    best = finder.nbest(BigramAssocMeasures.likelihood_ratio, 1) if finder.ngram_fd else []
    if best:
        a, b = best[0]
        rest = [w for w in words if w not in (a, b)]
        return f"{a} {b}" + (f" · {rest[0]}" if rest else "")
    return " · ".join(words[:2])


# ---------------------------------------------------------------------- background fit
class BackgroundFit:
    """``ThemeModel.fit`` in a helper process, so embedding runs on the other core meanwhile.

    The helper starts (imports, loads and checks the model) as soon as this object is made, then
    waits for texts. It is a plain subprocess running this module, not multiprocessing: the
    caller's ``__main__`` (the Streamlit script) is never re-imported and nothing is forked from
    a threaded server. If the helper fails for any reason, ``result`` fits in this process, so
    the outcome is the same ThemeModel either way (same parameters, same seed).
    """

    def __init__(self, model: ThemeModel) -> None:
        model._check_params()
        params = model.get_params()
        engine, note = model._resolve_engine()
        if engine == "lexical":  # decided here, where the caller's environment is
            params["engine"] = "lexical"
        self.model = model
        self._params = params
        self._note = note
        self._texts: list[str] | None = None
        root = str(Path(__file__).resolve().parents[1])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
        }
        try:
            self.proc: subprocess.Popen | None = subprocess.Popen(
                [sys.executable, "-c", "from analysis.themes import _serve_fit; _serve_fit()"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
            assert self.proc.stdin is not None
            pickle.dump(params, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.flush()
        except OSError:
            self.proc = None

    def submit(self, texts: Iterable) -> None:
        """Send the comments to fit on; returns at once."""
        self._texts = _as_texts(texts)
        if self.proc is None:
            return
        try:
            assert self.proc.stdin is not None
            pickle.dump(self._texts, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.close()
        except OSError:
            self.close()

    def result(self) -> ThemeModel:
        """The fitted model (waits for the helper; fits here if the helper failed)."""
        if self._texts is None:
            raise ValueError("Submit the comments before asking for the fitted theme model.")
        fitted = None
        if self.proc is not None:
            try:
                assert self.proc.stdout is not None
                reply = pickle.load(self.proc.stdout)
                if isinstance(reply, ThemeModel):
                    fitted = reply
                elif isinstance(reply, BaseException):
                    raise reply
            except (OSError, EOFError, pickle.UnpicklingError):
                fitted = None
            finally:
                self.close()
        if fitted is None:
            fitted = ThemeModel(**self._params)
            start, cpu = time.perf_counter(), time.process_time()
            fitted.fit(self._texts)
            fitted.fit_seconds_ = time.perf_counter() - start
            fitted.fit_cpu_seconds_ = time.process_time() - cpu
        if self._note and not fitted.engine_note_:
            fitted.engine_note_ = self._note
        return fitted

    def close(self) -> None:
        """Stop the helper (it exits by itself after one fit) and release its pipes."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _serve_fit() -> None:
    """Helper-process side of BackgroundFit: parameters, warm-up, texts, then one fit."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        params = pickle.load(stdin)
    except EOFError:
        return
    model = ThemeModel(**params)
    if model._resolve_engine()[0] == "semantic":
        # Load and verify the weights while the caller is still preparing the comments; a
        # failure here is reported (or falls back) by fit(), in the same words as in-process.
        with contextlib.suppress(embeddings.SemanticEngineError):
            embeddings.encode(["warm up"])
    try:
        texts = pickle.load(stdin)
    except EOFError:
        return
    start, cpu = time.perf_counter(), time.process_time()
    try:
        model.fit(texts)
        model.fit_seconds_ = time.perf_counter() - start
        model.fit_cpu_seconds_ = time.process_time() - cpu
        reply: object = model
    except (ValueError, embeddings.SemanticEngineError) as exc:
        reply = exc
    pickle.dump(reply, stdout, protocol=pickle.HIGHEST_PROTOCOL)
    stdout.flush()


# ---------------------------------------------------------------------- tables
def merge_themes(labels: Sequence[int] | np.ndarray, mapping: Mapping[int, int]) -> np.ndarray:
    """Relabel themes the user merged: mapping old theme -> new theme; -1 stays -1."""
    labels = np.asarray(labels, dtype=int)
    out = labels.copy()
    for old, new in mapping.items():
        out[labels == int(old)] = int(new)
    return out


def _theme_names(model: ThemeModel, labels: np.ndarray, names: Mapping[int, str] | None) -> dict:
    auto = dict(zip(model.themes_["theme"], model.themes_["label"], strict=True))
    out = {}
    for t in np.unique(labels[labels >= 0]):
        t = int(t)
        if names and t in names:
            out[t] = str(names[t])
        else:
            out[t] = auto.get(t, f"theme {t}")
    return out


def theme_table(
    model: ThemeModel,
    texts: Sequence[str],
    sentiment: Sequence[float] | np.ndarray | None = None,
    signals: pd.DataFrame | None = None,
    groups: pd.DataFrame | None = None,
    min_comments: int = 10,
    *,
    labels: Sequence[int] | np.ndarray | None = None,
    names: Mapping[int, str] | None = None,
) -> pd.DataFrame:
    """One row per theme: size, mean sentiment, signal shares and share of each visible group.

    `labels` overrides model.labels_ (after merge_themes); `names` overrides labels shown. A
    group's share column ("<column>: <value>" = share of that group's comments in the theme) is
    shown only for groups with >= min_comments comments; hidden groups are listed in
    result.attrs["hidden_groups"] so nobody reads a few people's words off a small team.
    """
    labels = np.asarray(model.labels_ if labels is None else labels, dtype=int)
    n = len(labels)
    if len(texts) != n:
        raise ValueError(
            "texts and theme labels differ in length: pass the texts the model was fit on."
        )
    names_by = _theme_names(model, labels, names)
    themes = sorted(names_by)
    table = pd.DataFrame({"theme": themes, "label": [names_by[t] for t in themes]})
    size = np.array([(labels == t).sum() for t in themes], dtype=int)
    table["size"] = size
    valid = max(int((labels >= 0).sum()), 1)
    table["share"] = size / valid
    if sentiment is not None:
        s = np.asarray(sentiment, dtype=float)
        table["mean_sentiment"] = [float(np.nanmean(s[labels == t])) for t in themes]
    if signals is not None:
        for col in signals.columns:
            if pd.api.types.is_bool_dtype(signals[col]):
                v = signals[col].to_numpy(dtype=bool)
                table[f"share_{col}"] = [float(v[labels == t].mean()) for t in themes]
    hidden: list[str] = []
    if groups is not None:
        long = theme_group_shares(labels, groups, min_comments)
        for (col, grp), part in long.groupby(["grouping", "group"], sort=True):
            name = f"{col}: {grp}"
            if part["hidden"].iloc[0]:
                hidden.append(name)
                continue
            shares = dict(zip(part["theme"], part["share"], strict=True))
            table[name] = [shares.get(t, 0.0) for t in themes]
    table.attrs["hidden_groups"] = hidden
    table.attrs["engine"] = getattr(model, "engine_", "lexical")
    return table


def theme_group_shares(
    labels: Sequence[int] | np.ndarray, groups: pd.DataFrame, min_comments: int = 10
) -> pd.DataFrame:
    """Long table: grouping, group, n_comments, theme, count, share, hidden.

    share = comments of the group in the theme / the group's comments with a theme. Rows of
    groups under min_comments carry hidden=True and NaN count and share.
    """
    labels = np.asarray(labels, dtype=int)
    if len(groups) != len(labels):
        raise ValueError("groups must have one row per comment, in the same order as the texts.")
    valid = labels >= 0
    themes = np.unique(labels[valid])
    # Counts per (group, theme) in one pass over integer codes.
    theme_code = np.searchsorted(themes, labels)
    rows = []
    for col in groups.columns:
        values = groups[col].astype(object).where(groups[col].notna(), "(no answer)").astype(str)
        codes, uniques = pd.factorize(values)
        k = max(len(themes), 1)
        n_of = np.bincount(codes[valid], minlength=len(uniques))
        counts = np.bincount(
            codes[valid] * k + theme_code[valid], minlength=len(uniques) * k
        ).reshape(len(uniques), k)
        order = sorted(range(len(uniques)), key=lambda i: str(uniques[i]))
        for g in order:
            grp = str(uniques[g])
            n_g = int(n_of[g])
            hidden = n_g < min_comments
            for j, t in enumerate(themes):
                c = int(counts[g, j])
                rows.append(
                    {
                        "grouping": str(col),
                        "group": grp,
                        "n_comments": np.nan if hidden else n_g,
                        "theme": int(t),
                        "count": np.nan if hidden else c,
                        "share": np.nan if hidden else (c / n_g if n_g else 0.0),
                        "hidden": hidden,
                    }
                )
    return pd.DataFrame(
        rows, columns=["grouping", "group", "n_comments", "theme", "count", "share", "hidden"]
    )
