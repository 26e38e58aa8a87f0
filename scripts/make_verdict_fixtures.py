#!/usr/bin/python3
"""Writes the numeric cases of tests/test_verdict.cpp: inputs whose every output agrees only
because it is infinite or NaN, inputs that overflow on conversion, and a correct convolution that
is mostly zero. The tests run them through the binary and check the verdict; they need only the
committed files, not numpy:

    /usr/bin/python3 scripts/make_verdict_fixtures.py

Writes tests/data/verdict/<case>/{input,weight[,bias]}.npy, little-endian, format 1.0, C order:

    inf_input     x (1, 2, 16) float32 all +inf; w (4, 2, 3) float32, each output channel's taps
                  of one sign, the channels' signs mixed (+, -, +, -); no bias. Every output is
                  +inf or -inf and every path agrees: mistrusted, never passed.
    inf_bias      x (1, 2, 16), w (4, 2, 3) float32, ordinary values; b (4,) = (inf, -inf, inf,
                  -inf). Every output is +-inf: mistrusted.
    overflow_all  x (1, 2, 16) float64 all 1e39, w (4, 2, 3) float64 with one sign per output
                  channel; run with --dtype float32: all 32 input values overflow to +inf
                  (1e39 > FLT_MAX), every output is +-inf: mistrusted.
    overflow_one  as overflow_all but x ordinary except x[0, 1, 5] = 1e39: one value overflows,
                  12 of 56 outputs are infinite (fewer than half: the comparisons alone would
                  pass); the input overflow alone makes the run mistrusted. x[0, 0, 9] = 1e-50
                  flushes to zero in float32, counted but harmless.
    all_nan       x (1, 2, 16) float32 all NaN, w (4, 2, 3) ordinary: every output NaN. With
                  --equal-nan every comparison "agrees": mistrusted (nothing finite compared);
                  without it, failed.
    path_overflow x (1, 1, 4) float32 all 3e38, w (1, 1, 2) = (1, 1): the exact outputs, 6e38, are
                  finite (the float64 reference holds them) but overflow float32, so every path's
                  output is +inf where the reference is finite: failed.
    wide_padding  x (1, 1, 4) = (1, -2, 3, 0.5), w (1, 1, 1) = (0.75,), no bias; run with
                  --padding 4: output (1, 1, 12), 8 of 12 exactly zero. A correct result: passed.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "tests", "data", "verdict")


def ordinary(rng, shape, dtype):
    # Magnitudes in [0.5, 1.5) with random signs: no zero, no value near overflow.
    values = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return values.astype(dtype)


def signed_per_channel(rng, shape, dtype):
    # Every output channel's taps share one sign, alternating over the channels: an infinite
    # input then gives +inf or -inf, never inf - inf = NaN.
    magnitudes = rng.uniform(0.5, 1.5, size=shape)
    signs = np.array([1.0 if o % 2 == 0 else -1.0 for o in range(shape[0])])
    return (magnitudes * signs.reshape(-1, *([1] * (len(shape) - 1)))).astype(dtype)


def cases():
    rng = np.random.default_rng(11)
    x_shape, w_shape = (1, 2, 16), (4, 2, 3)
    one_x = ordinary(rng, x_shape, np.float64)
    one_x[0, 1, 5] = 1e39
    one_x[0, 0, 9] = 1e-50
    return {
        "inf_input": {
            "input": np.full(x_shape, np.inf, dtype=np.float32),
            "weight": signed_per_channel(rng, w_shape, np.float32),
        },
        "inf_bias": {
            "input": ordinary(rng, x_shape, np.float32),
            "weight": ordinary(rng, w_shape, np.float32),
            "bias": np.array([np.inf, -np.inf, np.inf, -np.inf], dtype=np.float32),
        },
        "overflow_all": {
            "input": np.full(x_shape, 1e39, dtype=np.float64),
            "weight": signed_per_channel(rng, w_shape, np.float64),
        },
        "overflow_one": {
            "input": one_x,
            "weight": signed_per_channel(rng, w_shape, np.float64),
        },
        "all_nan": {
            "input": np.full(x_shape, np.nan, dtype=np.float32),
            "weight": ordinary(rng, w_shape, np.float32),
        },
        "path_overflow": {
            "input": np.full((1, 1, 4), 3e38, dtype=np.float32),
            "weight": np.ones((1, 1, 2), dtype=np.float32),
        },
        "wide_padding": {
            "input": np.array([[[1.0, -2.0, 3.0, 0.5]]], dtype=np.float32),
            "weight": np.array([[[0.75]]], dtype=np.float32),
        },
    }


def check(name, arrays):
    # What each case claims about its data, so that the tests' expectations rest on facts.
    x, w = arrays["input"], arrays["weight"]
    with np.errstate(over="ignore"):
        x32 = x.astype(np.float32)
    if name == "overflow_all":
        assert np.isinf(x32).all() and np.isfinite(x).all()
    if name == "overflow_one":
        assert np.isinf(x32).sum() == 1 and (x32 == 0).sum() == 1 and (x == 0).sum() == 0
    if name in ("inf_input", "overflow_all", "overflow_one"):
        for o in range(w.shape[0]):
            assert (w[o] > 0).all() or (w[o] < 0).all()


def main():
    for name, arrays in cases().items():
        check(name, arrays)
        directory = os.path.join(OUT, name)
        os.makedirs(directory, exist_ok=True)
        for role, array in arrays.items():
            path = os.path.join(directory, role + ".npy")
            np.save(path, np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")))
            back = np.load(path)
            assert back.dtype == array.dtype and back.shape == array.shape
            assert np.array_equal(back, array, equal_nan=True)
            print(f"{os.path.relpath(path, os.path.dirname(HERE))}: {array.dtype} {array.shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
