"""Word-piece ids of many texts, held compactly: what the encoder and the static word-piece
vectors (:mod:`analysis.embeddings`) read of the tokenizer's output."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

__all__ = ["TOKEN_BATCH", "piece_ids"]

#: Texts tokenised at a time by :func:`piece_ids`.
TOKEN_BATCH = 4096


def piece_ids(tokenizer: Any, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Word-piece ids of every text, flat (int32), and where each starts: text i's are
    ``ids[starts[i]:starts[i + 1]]``, [CLS] and [SEP] included.

    Tokenised :data:`TOKEN_BATCH` texts at a time, keeping only the ids: the tokenizer's
    Encoding objects hold about 5 KB a text (tokens, offsets, masks), 0.3 GB for 60,000
    comments. Padding is off, so every text's ids are its own whatever its batch.
    """
    if getattr(tokenizer, "padding", None):
        raise ValueError("piece_ids needs a tokenizer without padding: pads are not pieces.")
    parts: list[np.ndarray] = []
    lengths: list[int] = []
    for lo in range(0, len(texts), TOKEN_BATCH):
        ids = [e.ids for e in tokenizer.encode_batch(texts[lo : lo + TOKEN_BATCH])]
        lengths.extend(len(x) for x in ids)
        parts.append(np.fromiter(itertools.chain.from_iterable(ids), np.int32))
    flat = np.concatenate(parts) if parts else np.zeros(0, np.int32)
    return flat, np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
