"""A comment's vector: the unit mean of its sentences' all-MiniLM-L6-v2 embeddings.

One vector per comment for every reader of comments (the learned sentiment layer, the signal
classifiers, the themes), so an analysis embeds each distinct sentence once
(``embeddings.shared_vectors``) and nothing twice. Why sentences rather than the comment
whole: the encoder reads at most 128 word pieces and a long answer's concerns blur in one
pass; and on the real sets' dev rows (evals/themes_real.py, means over seeds 0-4) the themes
of sentence-mean vectors matched the human codes better on the AI-at-work interviews (NMI
0.337 -> 0.368, their guided themes right for 0.50 -> 0.65 of the answers they take) and
about as well on the staff comments (0.415 / 0.411) and the short AI answers (0.313 / 0.304).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["comment_vectors", "text_vectors"]


def text_vectors(sentence_vectors: Iterable[np.ndarray]) -> np.ndarray:
    """(n, dim) unit mean of each comment's sentence vectors (zero row for a comment without).

    Read one comment at a time: callers pass a generator, so every comment's sentence vectors
    are never copied out at once (as many bytes again as the survey's sentence embeddings)."""
    rows = []
    for vs in sentence_vectors:
        vs = np.asarray(vs, dtype=np.float64).reshape(-1, vs.shape[-1])
        if not len(vs):
            rows.append(np.zeros(vs.shape[1]))
            continue
        v = vs.mean(axis=0)
        # numpy's own sum, not a BLAS dot: its order is fixed, a BLAS kernel's is the processor's
        norm = float(np.sqrt(np.sum(v * v)))
        rows.append(v / norm if norm > 0 else v)
    return np.vstack(rows) if rows else np.zeros((0, 0))


def comment_vectors(texts: Sequence[str]) -> np.ndarray:
    """(n, ``embeddings.DIM``) unit mean sentence embedding per text; a text the splitter finds
    no sentence in is embedded whole. Each distinct sentence is embedded once."""
    from analysis import embeddings
    from analysis.signals.tokens import split_sentences

    if not len(texts):
        return np.zeros((0, embeddings.DIM))
    sentences = [split_sentences(t) or [t] for t in texts]
    distinct = list(dict.fromkeys(s for ss in sentences for s in ss))
    index = {s: i for i, s in enumerate(distinct)}
    E = embeddings.encode(distinct)
    return text_vectors(E[[index[s] for s in ss]] for ss in sentences)
