"""Writes ``analysis/data/minilm_channel_scales.json``: per-channel power-of-two scales for the
encoder's 8-bit activations (``analysis.integer_linear``, SmoothQuant).

A few channels of MiniLM's residual stream (62, 63, 99, 223, ...) reach 10-30 where the typical
channel stays below 2, so an 8-bit grid per token spends its steps on them. For the two layers
fed by a LayerNorm (query-key-value and the feed-forward input), channel k of the input is
divided by c_k and row k of the weight multiplied by it, with

    c_k = max|x_k|**alpha / max|W_k|**(1 - alpha),  alpha = 0.75  (Xiao et al. 2023, eq. 4),

normalised by its median and rounded to a power of two (so both multiplications are exact).
max|x_k| is measured over the real word pieces of the distinct comments of the built-in
synthetic sample, one text per batch so that no padding counts (calibration
needs ordinary English, not labels; no evaluation set is used). alpha was chosen by the cosine
to the float32 model on the MiniLM reference sentences and on 300 real short answers: 8-bit
activations without scales 0.9982 mean / 0.9895 min (reference); alpha 0.5 0.9994 / 0.9971;
alpha 0.75 0.9995 / 0.9975.

Run: ``python -m evals.calibrate_encoder`` (then refit the models that read the vectors:
``python -m evals.train_signals`` and ``python -m evals.train_sentiment``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ai_pulse_qualtrics.csv"
ALPHA = 0.75
LIMITS = (-4, 6)  # exponents kept within 1/16 .. 64


def calibration_texts() -> list[str]:
    """The distinct answers of the sample's open questions (columns of mostly long text)."""
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    texts: list[str] = []
    for column in frame.columns:
        values = frame[column]
        if values.str.split().str.len().mean() > 4:
            texts.extend(v for v in values if len(v.split()) > 2)
    return sorted(set(texts))


def measure(texts: list[str]) -> dict[str, np.ndarray]:
    """max |x_k| of the inputs of each layer's qkv and feed-forward products, unscaled."""
    from analysis import embeddings, integer_linear

    integer_linear.channel_exponents.cache_clear()
    original = embeddings.channel_exponents
    embeddings.channel_exponents = dict  # unscaled: no exponents  # type: ignore[assignment]
    embeddings._CACHE.clear()
    try:
        model = embeddings._model()
        maxima: dict[str, np.ndarray] = {}
        weights: dict[str, np.ndarray] = {}  # max |W_k| per input channel (unscaled levels)
        for i, layer in enumerate(model.layers):
            for key in ("qkv", "in"):
                inner = layer[key]
                weights[f"{i}.{key}"] = np.abs(inner.levels() * inner.scale).max(axis=1)

                def spy(x, inner=inner, name=f"{i}.{key}"):
                    seen = np.abs(x).max(axis=0)
                    maxima[name] = np.maximum(maxima.get(name, seen), seen)
                    return inner(x)

                layer[key] = spy
        # one text per batch: a batch's padded positions never reach a real token, but they do
        # pass through the products, and their values would count in the maxima
        embeddings.encode(texts, batch_size=1)
    finally:
        embeddings.channel_exponents = original
        embeddings._CACHE.clear()
    return {name: _exponents(maxima[name], weights[name]) for name in sorted(maxima)}


def _exponents(x_max: np.ndarray, w_max: np.ndarray) -> np.ndarray:
    c = np.maximum(x_max, 1e-3) ** ALPHA / np.maximum(w_max, 1e-6) ** (1 - ALPHA)
    c = c / np.median(c)
    return np.clip(np.rint(np.log2(c)), *LIMITS).astype(int)


def main() -> None:
    from analysis.integer_linear import SCALES_FILE, scales_digest

    texts = calibration_texts()
    exponents = {name: e.tolist() for name, e in measure(texts).items()}
    doc = {
        "about": "Power-of-two scales per input channel of MiniLM's qkv and feed-forward "
        "products (analysis.integer_linear); written by python -m evals.calibrate_encoder.",
        "alpha": ALPHA,
        "calibration": f"{len(texts)} distinct answers of {SAMPLE.relative_to(ROOT)}",
        "exponents": exponents,
    }
    doc["weights_sha256"] = scales_digest(doc)
    SCALES_FILE.write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n", "utf-8")
    nonzero = {k: int(np.count_nonzero(v)) for k, v in exponents.items()}
    where = SCALES_FILE.relative_to(ROOT)
    print(f"wrote {where} from {len(texts)} texts; channels scaled: {nonzero}")


if __name__ == "__main__":
    main()
