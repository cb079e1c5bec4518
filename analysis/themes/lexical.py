"""The lexical theme engine's comment vectors: word vectors learned from the comments themselves.

Used when the sentence-embedding model is not installed (or on request). Why not TF-IDF +
k-means: on short comments the clusters follow the most frequent words, and those are opinion
words ("great", "bad"), so themes come out as "positive" and "negative" piles. Here (1) only
topical words are contexts (``lexicon``); (2) word vectors come from the comments' own
co-occurrence (SVD of positive PMI), so two comments that share no word but talk about the same
thing ("battery died", "charger is slow") land close together.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

__all__ = ["OPINION_WEIGHT", "WordSpace", "learn_words"]

OPINION_WEIGHT = 0.3  # weak weight of tone words in a comment's vector (never in terms/labels)


@dataclass
class WordSpace:
    """Vocabulary (stem -> column), idf, topical mask and word vectors of one fit."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    topical_mask: np.ndarray
    word_vectors: np.ndarray

    def vectors(self, topical: Sequence[list[str]], opinion: Sequence[list[str]]) -> np.ndarray:
        """Comment vectors: weighted sum of word vectors, L2-normalised (0 when no topic word)."""
        vocab = self.vocabulary
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
        X = X @ sp.diags(self.idf)
        has_topic = np.array(
            [any(s in vocab and self.topical_mask[vocab[s]] for s in t) for t in topical]
        )
        E = np.asarray(X @ self.word_vectors)
        E[~has_topic] = 0.0
        return normalize(E)


def learn_words(
    topical: Sequence[list[str]], opinion: Sequence[list[str]], dims: int, random_state: int
) -> WordSpace:
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
    vocab_words = top_words + op_words
    vocabulary = {w: j for j, w in enumerate(vocab_words)}
    mask = np.r_[np.ones(len(top_words), bool), np.zeros(len(op_words), bool)]
    df = np.array([df_top.get(w, 0) + df_op.get(w, 0) for w in vocab_words], dtype=float)
    idf = np.log((1 + n) / (1 + df)) + 1.0
    rows, cols = [], []
    for i, (top, op) in enumerate(zip(topical, opinion, strict=True)):
        for j in {vocabulary[s] for s in (*top, *op) if s in vocabulary}:
            rows.append(i)
            cols.append(j)
    B = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(vocab_words)))
    n_top = len(top_words)
    if n_top == 0:
        return WordSpace(vocabulary, idf, mask, np.zeros((len(vocab_words), 1)))
    C = (B.T @ B[:, :n_top]).tocoo()
    off = C.row != C.col
    r, c, v = C.row[off], C.col[off], C.data[off]
    if v.size == 0 or min(len(vocab_words), n_top) <= 2:
        # Too little text to learn co-occurrence: each topical word is its own direction.
        return WordSpace(vocabulary, idf, mask, np.eye(len(vocab_words), n_top))
    row_sum = np.bincount(r, v, minlength=len(vocab_words))
    ctx = np.bincount(c, v, minlength=n_top) ** 0.75
    ctx /= ctx.sum()
    pmi = np.log(v / (row_sum[r] * ctx[c]))
    keep = pmi > 0
    P = sp.csr_matrix((pmi[keep], (r[keep], c[keep])), shape=(len(vocab_words), n_top))
    dims = min(dims, min(P.shape) - 1)
    svd = TruncatedSVD(dims, algorithm="randomized", random_state=random_state)
    U = svd.fit_transform(P)
    W = U / np.sqrt(np.maximum(svd.singular_values_, 1e-12))
    # Words absent from the PPMI rows (no positive association) keep their own direction.
    lonely = np.asarray(abs(P).sum(axis=1)).ravel() == 0
    W = normalize(W)
    if lonely.any():
        W = np.hstack([W, np.zeros((len(vocab_words), 1))])
        W[lonely, -1] = 1.0
    return WordSpace(vocabulary, idf, mask, W)
