"""Exact 8-bit linear layers: ONNX Runtime and numpy give the same bits, and both the exact sum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from analysis import integer_linear as IL

needs_ort = pytest.mark.skipif(
    IL.backend() != "onnxruntime", reason="onnxruntime is a dependency: `make` installs it"
)


def _pair(w: np.ndarray, b: np.ndarray, exponents=None) -> tuple[IL.IntegerLinear, ...]:
    return (
        IL.IntegerLinear.from_float(w, b, exponents, use_ort=True),
        IL.IntegerLinear.from_float(w, b, exponents, use_ort=False),
    )


def _exact(layer: IL.IntegerLinear, x: np.ndarray) -> np.ndarray:
    """The layer's arithmetic with Python integers (no float product anywhere)."""
    q, z, s = IL.quantize_rows(x if layer.input_scale is None else x * layer.input_scale)
    n = layer.bias.shape[0]
    levels = layer.halves[:, :n].astype(np.int64) * IL.W_SPLIT + layer.halves[:, n:]
    exact = (q.astype(np.int64) - z) @ levels  # int64: exact for any order
    out = exact.astype(np.float32)
    out *= s
    out *= layer.scale
    out += layer.bias
    return out


def test_split_levels_never_saturate_or_overflow():
    # uint8 x int8 pairs fit int16 (vpmaddubsw on processors without VNNI), sums fit int32
    assert 2 * IL.A_LEVELS * IL.HI_MAX < 2**15
    assert IL.A_LEVELS * IL.W_LEVELS * 1536 < 2**31
    rng = np.random.default_rng(0)
    layer = IL.IntegerLinear.from_float(rng.normal(size=(64, 16)), np.zeros(16), use_ort=False)
    assert np.abs(layer.halves).max() <= IL.HI_MAX
    n = 16
    levels = layer.halves[:, :n].astype(np.int64) * IL.W_SPLIT + layer.halves[:, n:]
    assert np.abs(levels).max() == IL.W_LEVELS  # each column's largest weight uses the grid
    np.testing.assert_array_equal(layer.levels(), levels)


@needs_ort
def test_extreme_values_come_out_exact_through_onnxruntime():
    """Every activation at 255 against weights at +-63 in both halves: the largest pair sums
    any kernel meets. A saturating kernel would return a different integer."""
    k, n = 1536, 8
    w = np.where(np.arange(k)[:, None] % 2 == 0, 1.0, -1.0) * np.ones((k, n))
    w[:, 1] = 1.0
    w[:, 2] = -1.0
    layer = IL.IntegerLinear.from_float(w.astype(np.float32), np.zeros(n, np.float32))
    q = np.full((3, k), 255, np.uint8)
    q[1, ::2] = 0
    halves = layer.halves.astype(np.int64)
    got = layer._session.run(
        None, {"x": q, "z": np.zeros((3, 1), np.int32), "s": np.ones((3, 1), np.float32)}
    )[0]
    levels = halves[:, :n] * IL.W_SPLIT + halves[:, n:]
    want = (q.astype(np.int64) @ levels).astype(np.float32) * layer.scale
    np.testing.assert_array_equal(got, want)


@needs_ort
@settings(max_examples=60, deadline=None)
@given(
    x=hnp.arrays(
        np.float32,
        st.tuples(st.integers(1, 9), st.just(40)),
        elements=st.floats(-30, 30, width=32, allow_subnormal=False),
    ),
    seed=st.integers(0, 2**16),
    shift=st.booleans(),
)
def test_onnxruntime_numpy_and_integer_arithmetic_agree_bit_for_bit(x, seed, shift):
    rng = np.random.default_rng(seed)
    w = (rng.standard_t(3, size=(40, 24)) * 0.1).astype(np.float32)
    b = rng.normal(size=24).astype(np.float32)
    exponents = rng.integers(-2, 4, size=40) if shift else None
    with_ort, with_numpy = _pair(w, b, exponents)
    a, c = with_ort(x), with_numpy(x)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(a, _exact(with_numpy, x))


def test_quantized_layer_is_close_to_the_float_layer():
    rng = np.random.default_rng(1)
    w = (rng.normal(size=(384, 96)) * 0.05).astype(np.float32)
    b = rng.normal(size=96).astype(np.float32)
    x = rng.normal(size=(50, 384)).astype(np.float32)
    x[:, 7] *= 15  # an outlier channel, as in BERT's residual stream
    plain = IL.IntegerLinear.from_float(w, b, use_ort=False)
    exponents = np.zeros(384, int)
    exponents[7] = 3
    scaled = IL.IntegerLinear.from_float(w, b, exponents, use_ort=False)
    want = x.astype(np.float64) @ w + b
    err_plain = np.abs(plain(x) - want).mean()
    err_scaled = np.abs(scaled(x) - want).mean()
    assert err_plain < 0.02 * np.abs(want).mean()
    assert err_scaled < 0.6 * err_plain  # the channel scale keeps the grid fine for the rest


def test_rows_quantize_independently_and_zero_stays_zero():
    x = np.array([[0, 0, 0], [1, -2, 3], [5, 6, 7]], np.float32)
    q, z, s = IL.quantize_rows(x)
    assert q.dtype == np.uint8
    np.testing.assert_array_equal(q[0], [z[0, 0]] * 3)  # an all-zero row: q == z
    np.testing.assert_allclose((q.astype(np.float32) - z) * s, x, atol=float(s.max()) / 2 + 1e-6)
    assert z[2, 0] == 0  # all-positive row: range widened to include 0
    q1, _, _ = IL.quantize_rows(x[1:2])
    np.testing.assert_array_equal(q1, q[1:2])


def test_channel_scales_file_is_checked():
    exponents = IL.channel_exponents()
    assert set(exponents) == {f"{i}.{k}" for i in range(6) for k in ("qkv", "in")}
    assert all(len(e) == 384 for e in exponents.values())
    assert any(np.any(e) for e in exponents.values())


@needs_ort
def test_onnxruntime_is_imported_with_its_telemetry_off(tmp_path):
    """Imported our way, ONNX Runtime writes no device id, event database or session file."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "HOME": str(tmp_path), "TMPDIR": str(tmp_path), "PYTHONPATH": str(root)}
    env.pop("ORT_DISABLE_TELEMETRY", None)
    code = (
        "from analysis import integer_linear as IL; import os; "
        "IL.IntegerLinear.from_float([[1.0], [2.0]], [0.0], use_ort=True); "
        "print(os.environ['ORT_DISABLE_TELEMETRY'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "1"
    assert sorted(p.name for p in tmp_path.rglob("*")) == []
