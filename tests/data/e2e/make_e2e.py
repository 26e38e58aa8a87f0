#!/usr/bin/python3
"""Writes the end-to-end cases that tests/test_npy_cli.cpp checks with `conveq compare --expect`.

Each case is what a user would export from PyTorch: an input, a weight, a bias and the output
of F.conv1d / F.conv2d, saved with numpy (numpy.save, or numpy.lib.format.write_array, which
numpy.save calls, where a format version is forced). PyTorch computes the expected output, so
conveq is checked against an independent implementation; the tests need neither PyTorch nor
numpy, only the committed files:

    /usr/bin/python3 tests/data/e2e/make_e2e.py

Cases (one directory each, plus cases.json with the options the files cannot carry):
    f32_conv1d        float32, (N, C, L), stride 2, padding 1, dilation 2
    f64_conv2d        float64, (N, C, H, W), kernel 3x2, padding 'same', dilation (2, 1)
    f16_conv1d        float16 everywhere; PyTorch's CPU conv has no float16 kernel, so the output
                      is computed in float32 from the (exactly widened) float16 tensors and
                      rounded to float16, as a mixed-precision model would
    big_endian_conv2d '>f4' tensors and output, stride (2, 1)
    fortran_conv1d    float64 tensors in Fortran order; input in format version 2.0, expected in
                      version 3.0
    unbatched_conv2d  float32, input (C, H, W) and output (Cout, OH, OW), as PyTorch accepts them
    grouped_conv2d    float32, groups 3 (Cin 6 -> Cout 9), stride 2, padding (1, 0)
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def save(case, name, array, version=None):
    os.makedirs(os.path.join(HERE, case), exist_ok=True)
    path = os.path.join(HERE, case, name + ".npy")
    if version is None:
        np.save(path, array, allow_pickle=False)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, array, version=version, allow_pickle=False)
    back = np.load(path, allow_pickle=False)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array)
    return os.path.getsize(path)


def make(case, rank, x, w, b, options, torch_args, convert=None, expected_dtype=None, **kw):
    """x, w, b: float64 tensors with the case's values; convert(array, role) stores them."""
    conv = F.conv1d if rank == 1 else F.conv2d
    dtype = expected_dtype or x.dtype
    y = conv(x.to(dtype), w.to(dtype), b.to(dtype), **torch_args)
    arrays = {"input": x.numpy(), "weight": w.numpy(), "bias": b.numpy(), "expected": y.numpy()}
    total = 0
    for role, array in arrays.items():
        stored = convert(array, role) if convert else array
        total += save(case, role, stored, kw.get("versions", {}).get(role))
    print(f"{case}: input {tuple(x.shape)} weight {tuple(w.shape)} -> {tuple(y.shape)}, "
          f"{total} bytes")
    return {"name": case, "options": options}


def main():
    gen = torch.Generator().manual_seed(20261124)

    def randn(*shape, dtype=torch.float32):
        return torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)

    def init(*shape, fan_in, dtype=torch.float32):
        bound = 1 / fan_in ** 0.5
        return ((torch.rand(*shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound).to(dtype)

    cases = []
    cases.append(make("f32_conv1d", 1, randn(2, 5, 41), init(7, 5, 3, fan_in=15),
                      init(7, fan_in=15), ["--stride", "2", "--padding", "1", "--dilation", "2"],
                      dict(stride=2, padding=1, dilation=2)))

    f64 = torch.float64
    cases.append(make("f64_conv2d", 2, randn(2, 3, 9, 11, dtype=f64),
                      init(4, 3, 3, 2, fan_in=18, dtype=f64), init(4, fan_in=18, dtype=f64),
                      ["--padding", "same", "--dilation", "2,1"],
                      dict(padding="same", dilation=(2, 1))))

    f16 = torch.float16
    cases.append(make("f16_conv1d", 1, randn(1, 8, 30, dtype=f16), init(6, 8, 5, fan_in=40, dtype=f16),
                      init(6, fan_in=40, dtype=f16), ["--padding", "2"], dict(padding=2),
                      expected_dtype=torch.float32,
                      convert=lambda a, role: a.astype(np.float16)))

    cases.append(make("big_endian_conv2d", 2, randn(1, 4, 8, 7), init(5, 4, 3, 3, fan_in=36),
                      init(5, fan_in=36), ["--stride", "2,1"], dict(stride=(2, 1)),
                      convert=lambda a, role: a.astype(">f4")))

    cases.append(make("fortran_conv1d", 1, randn(3, 4, 25, dtype=f64),
                      init(6, 4, 4, fan_in=16, dtype=f64), init(6, fan_in=16, dtype=f64), [], {},
                      convert=lambda a, role: np.asfortranarray(a),
                      versions={"input": (2, 0), "expected": (3, 0)}))

    cases.append(make("unbatched_conv2d", 2, randn(3, 10, 9), init(4, 3, 3, 3, fan_in=27),
                      init(4, fan_in=27), ["--padding", "1"], dict(padding=1)))

    cases.append(make("grouped_conv2d", 2, randn(2, 6, 9, 8), init(9, 2, 3, 2, fan_in=12),
                      init(9, fan_in=12), ["--stride", "2", "--padding", "1,0"],
                      dict(stride=2, padding=(1, 0), groups=3)))

    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(cases, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
