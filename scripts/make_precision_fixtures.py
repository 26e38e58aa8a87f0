#!/usr/bin/python3
"""Writes the --expect files of tests/test_precision.cpp: outputs of one Conv1d computed with less
precision than float32, but inside float32's rigorous bound, and correct ones, so that the tests
check that conveq reads their effective precision and fails the reduced ones. Needs only numpy:

    /usr/bin/python3 scripts/make_precision_fixtures.py

Writes tests/data/precision/, little-endian, format 1.0, C order:

    input.npy             x (1, 256, 16) float32, standard normal
    weight.npy            w (4, 256, 9) float32, uniform in +-1/sqrt(fan_in) (PyTorch's init)
    bias.npy              b (4,) float32, same law
                          run with --padding 4: output (1, 4, 16), 2,305 terms per output
    expect_float32.npy    the exact convolution (float64) rounded to float32: correct
    expect_float16.npy    the exact convolution rounded to float16: correct for a float16 file
    expect_tf32.npy       x and w rounded to TF32 (10 explicit mantissa bits, nearest even), the
                          exact convolution of those, rounded to float32: what a TF32 kernel gives
    expect_bfloat16.npy   as expect_tf32 with bfloat16's 7 explicit bits
    expect_float16_3pct.npy  the exact convolution times (1 + 0.03 s), s = +-1 at random per
                          output, stored as float16: a 3 % error that float16's bound (infinite
                          at 2,305 terms) cannot see
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "tests", "data", "precision")
PADDING = 4


def round_mantissa(values, explicit_bits):
    # Round to nearest even keeping `explicit_bits` bits after the leading one.
    m, e = np.frexp(values.astype(np.float64))  # m in [0.5, 1)
    return np.ldexp(np.round(np.ldexp(m, explicit_bits + 1)), e - (explicit_bits + 1))


def conv1d(x, w, b):
    # Exact enough in float64 for float32-sized inputs: (N, C, L) * (O, C, K) + b, padding 4.
    n, c, length = x.shape
    o, _, k = w.shape
    padded = np.zeros((n, c, length + 2 * PADDING))
    padded[:, :, PADDING:PADDING + length] = x
    out_length = length + 2 * PADDING - k + 1
    out = np.empty((n, o, out_length))
    for t in range(out_length):
        out[:, :, t] = np.einsum("nck,ock->no", padded[:, :, t:t + k], w) + b
    return out


def main():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((1, 256, 16)).astype(np.float32)
    bound = 1 / np.sqrt(256 * 9)
    w = rng.uniform(-bound, bound, (4, 256, 9)).astype(np.float32)
    b = rng.uniform(-bound, bound, (4,)).astype(np.float32)
    exact = conv1d(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64))
    signs = rng.choice([-1.0, 1.0], size=exact.shape)
    arrays = {
        "input": x,
        "weight": w,
        "bias": b,
        "expect_float32": exact.astype(np.float32),
        "expect_float16": exact.astype(np.float16),
        "expect_tf32": conv1d(round_mantissa(x, 10), round_mantissa(w, 10), b).astype(np.float32),
        "expect_bfloat16": conv1d(round_mantissa(x, 7), round_mantissa(w, 7), b).astype(np.float32),
        "expect_float16_3pct": (exact * (1 + 0.03 * signs)).astype(np.float16),
    }
    os.makedirs(OUT, exist_ok=True)
    for name, array in arrays.items():
        path = os.path.join(OUT, name + ".npy")
        np.save(path, np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")))
        back = np.load(path)
        assert back.dtype == array.dtype and np.array_equal(back, array)
        print(f"{os.path.relpath(path, os.path.dirname(HERE))}: {array.dtype} {array.shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
