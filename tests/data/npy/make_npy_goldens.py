#!/usr/bin/python3
"""Writes the small .npy golden files that tests/test_npy.cpp reads.

The files are written by numpy itself, so the C++ reader is checked against the real
writer rather than against its own encoder. Every value is chosen to be exactly
representable in its stored type, so the test can compare doubles with ==; the test
hard-codes the same values, so numpy is needed only to regenerate the files:

    /usr/bin/python3 tests/data/npy/make_npy_goldens.py

Files (all in this directory):
    f2_little.npy            '<f2', shape (2, 4), C order, version 1.0:
                             [[f16(0.1), -0.0, 2^-24, 1023 * 2^-24], [65504, -inf, nan, 1.5]]
    f4_big_fortran.npy       '>f4', shape (2, 3, 4), Fortran order, version 1.0:
                             x[i, j, k] = (12 i + 4 j + k) * 0.5 - 5.75
    f8_v2.npy                '<f8', shape (5,), C order, version 2.0:
                             [0.1, 1/3, -1e300, 5e-324, pi]
    f8_big_v3_scalar.npy     '>f8', shape (), version 3.0: e
    f4_little_c.npy          '<f4', shape (2, 3), C order, version 1.0:
                             [[0.5, -1, 2], [3.25, -0.125, 1024]]
                             (npy::encode must reproduce this file byte for byte)
"""
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, array, version):
    path = os.path.join(HERE, name)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=False)
    back = np.load(path, allow_pickle=False)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array, equal_nan=True)
    print(f"{name}: {array.dtype.str} {array.shape} version {version[0]}.{version[1]} "
          f"fortran_order={np.isfortran(array)} {os.path.getsize(path)} bytes")


def main():
    f2 = np.array([[0.1, -0.0, 2.0**-24, 1023 * 2.0**-24],
                   [65504.0, -np.inf, np.nan, 1.5]], dtype="<f2")
    write("f2_little.npy", f2, (1, 0))

    i, j, k = np.meshgrid(np.arange(2), np.arange(3), np.arange(4), indexing="ij")
    f4 = np.asfortranarray(((12 * i + 4 * j + k) * 0.5 - 5.75).astype(">f4"))
    assert np.isfortran(f4)
    write("f4_big_fortran.npy", f4, (1, 0))

    f8 = np.array([0.1, 1.0 / 3.0, -1e300, 5e-324, math.pi], dtype="<f8")
    write("f8_v2.npy", f8, (2, 0))

    scalar = np.array(math.e, dtype=">f8")
    write("f8_big_v3_scalar.npy", scalar, (3, 0))

    f4 = np.array([[0.5, -1.0, 2.0], [3.25, -0.125, 1024.0]], dtype="<f4")
    write("f4_little_c.npy", f4, (1, 0))


if __name__ == "__main__":
    main()
