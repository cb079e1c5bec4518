"""Word-piece ids held compactly: each text's ids exactly as the tokenizer gives them, whatever
the batch they were tokenised in."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import word_pieces
from analysis.word_pieces import piece_ids


@dataclass
class _Encoding:
    ids: list[int]


class _Tokenizer:
    """[CLS] + one id per character + [SEP]; records the batch sizes it was asked for."""

    padding = None

    def __init__(self) -> None:
        self.batches: list[int] = []

    def encode_batch(self, texts: list[str]) -> list[_Encoding]:
        self.batches.append(len(texts))
        return [_Encoding([101, *(ord(c) for c in t), 102]) for t in texts]


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(st.text(max_size=12), max_size=30), batch=st.integers(1, 8))
def test_each_texts_ids_are_the_tokenizers_whatever_the_batch(texts, batch):
    tok = _Tokenizer()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(word_pieces, "TOKEN_BATCH", batch)
        flat, starts = piece_ids(tok, texts)
    assert flat.dtype == np.int32 and len(starts) == len(texts) + 1 and starts[0] == 0
    for i, t in enumerate(texts):
        assert flat[starts[i] : starts[i + 1]].tolist() == [101, *(ord(c) for c in t), 102]
    assert all(b <= batch for b in tok.batches) and sum(tok.batches) == len(texts)


def test_no_texts_give_no_ids():
    flat, starts = piece_ids(_Tokenizer(), [])
    assert flat.size == 0 and starts.tolist() == [0]


def test_a_padding_tokenizer_is_refused():
    tok = _Tokenizer()
    tok.padding = {"length": 16}  # type: ignore[assignment]
    with pytest.raises(ValueError, match="without padding"):
        piece_ids(tok, ["a"])


def test_the_models_tokenizer_gives_the_same_ids_one_text_at_a_time():
    from analysis import embeddings

    if not (embeddings.available() or os.environ.get("CHANGERADAR_REQUIRE_SEMANTIC") == "1"):
        pytest.skip("the semantic engine is not installed")
    tok = embeddings._model().tokenizer
    texts = ["More training please.", "", "I worry AI will take my job " * 40, "ok"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(word_pieces, "TOKEN_BATCH", 3)
        flat, starts = piece_ids(tok, texts)
    for i, t in enumerate(texts):
        assert flat[starts[i] : starts[i + 1]].tolist() == tok.encode(t).ids
