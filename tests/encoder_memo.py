"""A test-run memo of the sentence encoder, so each distinct text is embedded once per process.

The encoder is a pure function of the text: exact integer products, each row independent of
its batch and thread (``tests/test_embeddings.py`` checks both, with the real encoder, under
other SIMD and BLAS kernels). So the memo returns the very bits a new call would, and the many
tests that prepare the same sample or real files do not each re-embed its comments (the suite
spent most of its time there). Test-only: the app keeps no survey text between analyses.

The browser journeys run the app as it ships.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

#: The real encoder once :func:`install` has run (for the tests of the encoder itself).
REAL: list[Callable[..., np.ndarray]] = []


def install() -> Callable[[], None]:
    """Put the memo in place of ``analysis.embeddings.encode``; returns the undo."""
    from analysis import embeddings

    real = embeddings.encode
    memo: dict[str, np.ndarray] = {}

    def encode(
        texts: Iterable[str], batch_size: int = 64, threads: int | None = None
    ) -> np.ndarray:
        texts = embeddings._as_texts(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in memo]
        if missing:
            kw = {} if threads is None else {"threads": threads}
            memo.update(zip(missing, real(missing, batch_size=batch_size, **kw), strict=True))
        if not texts:
            return real([])
        return np.stack([memo[t] for t in texts])

    embeddings.encode = encode
    REAL[:] = [real]

    def undo() -> None:
        embeddings.encode = real

    return undo
