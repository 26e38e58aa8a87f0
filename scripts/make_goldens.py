#!/usr/bin/python3
"""Golden convolution results computed by PyTorch, for conveq's tests.

Writes, for every case below,
    data/goldens/<name>/input.npy   float32 '<f4', (N, C, L) or (N, C, H, W)
    data/goldens/<name>/weight.npy  float32 '<f4', (O, C/g, K) or (O, C/g, KH, KW)
    data/goldens/<name>/bias.npy    float32 '<f4', (O,)          (only when the case has a bias)
    data/goldens/<name>/output.npy  float64 '<f8', (N, O, L') or (N, O, H', W')
plus data/goldens/cases.json (the parameters of every case) and data/goldens/README.md.

The stored float32 values are random draws rounded to float32; output.npy is the
float64 torch.nn.functional.conv1d / conv2d of exactly those float32 values (widened
to float64 exactly). Every .npy file is written with numpy's format version 1.0 in
C order. Everything is deterministic: each case has its own fixed seed.

Checks made before anything is written (the script fails on any of them):
  * the padding recorded as applied ([top, bottom, left, right]) reproduces PyTorch:
    F.pad with those numbers and then a convolution without padding gives the same
    result as the convolution with the padding spec (this is how 'same' with an odd
    total padding is verified to put the extra element on the right / bottom);
  * an independent numpy implementation (explicit zero padding, one einsum per kernel
    tap) agrees with PyTorch to a max abs difference < 1e-12;
  * the output shape matches the closed-form formula;
  * a Conv2d case on H = 1 that reuses a Conv1d case's data gives the same output.
After writing, every file is reloaded with numpy and checked again (dtype, order,
format version, values, and the numpy recomputation).

Run from the repository root:  /usr/bin/python3 scripts/make_goldens.py
Needs PyTorch and numpy; the tests that read the goldens need neither.
"""

import json
import os
import shutil
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "data", "goldens")
COMMAND = "/usr/bin/python3 scripts/make_goldens.py"
TOLERANCE = 1e-12

# name, rank, batch, in, out, groups, spatial (L,) or (H, W), kernel, stride, padding spec,
# dilation, bias, seed. 1D kernel/stride/dilation are single integers.
CASES = [
    dict(name="conv1d_pointwise_b2", rank=1, batch=2, in_channels=3, out_channels=5, groups=1,
         length=17, kernel=1, stride=1, padding="0", dilation=1, bias=True, seed=101),
    dict(name="conv1d_k3_same", rank=1, batch=1, in_channels=5, out_channels=7, groups=1,
         length=13, kernel=3, stride=1, padding="same", dilation=1, bias=True, seed=102),
    # Total padding dilation*(kernel-1) = 3*3 = 9 is odd: PyTorch pads 4 left, 5 right.
    dict(name="conv1d_k4_same_dil3", rank=1, batch=1, in_channels=3, out_channels=5, groups=1,
         length=23, kernel=4, stride=1, padding="same", dilation=3, bias=True, seed=103),
    # Total padding 1*(4-1) = 3 is odd: 1 left, 2 right.
    dict(name="conv1d_k4_same", rank=1, batch=1, in_channels=5, out_channels=3, groups=1,
         length=13, kernel=4, stride=1, padding="same", dilation=1, bias=True, seed=104),
    dict(name="conv1d_stride2_pad1", rank=1, batch=1, in_channels=5, out_channels=7, groups=1,
         length=23, kernel=3, stride=2, padding="1", dilation=1, bias=True, seed=105),
    dict(name="conv1d_stride3_dil2", rank=1, batch=2, in_channels=3, out_channels=5, groups=1,
         length=23, kernel=3, stride=3, padding="valid", dilation=2, bias=True, seed=106),
    dict(name="conv1d_groups2", rank=1, batch=1, in_channels=6, out_channels=10, groups=2,
         length=13, kernel=3, stride=1, padding="1", dilation=1, bias=True, seed=107),
    dict(name="conv1d_depthwise7", rank=1, batch=1, in_channels=7, out_channels=7, groups=7,
         length=17, kernel=5, stride=1, padding="2", dilation=1, bias=True, seed=108),
    dict(name="conv1d_no_bias", rank=1, batch=2, in_channels=5, out_channels=3, groups=1,
         length=13, kernel=3, stride=1, padding="0", dilation=1, bias=False, seed=109),
    dict(name="conv2d_k3x3_pad1", rank=2, batch=1, in_channels=3, out_channels=5, groups=1,
         height=7, width=9, kernel=(3, 3), stride=(1, 1), padding="1", dilation=(1, 1),
         bias=True, seed=201),
    # The Conv2d twin of conv1d_k3_same: the same values (seed 102) viewed with H = 1.
    dict(name="conv2d_k1x3_h1", rank=2, batch=1, in_channels=5, out_channels=7, groups=1,
         height=1, width=13, kernel=(1, 3), stride=(1, 1), padding="0,1", dilation=(1, 1),
         bias=True, seed=102, twin_of="conv1d_k3_same"),
    dict(name="conv2d_s2x1_d1x2_g2", rank=2, batch=1, in_channels=6, out_channels=10, groups=2,
         height=9, width=11, kernel=(3, 3), stride=(2, 1), padding="1,2", dilation=(1, 2),
         bias=True, seed=202),
    # kh = 2: total 1 -> 0 top, 1 bottom; kw = 3: 1 left, 1 right.
    dict(name="conv2d_k2x3_same", rank=2, batch=1, in_channels=3, out_channels=5, groups=1,
         height=7, width=9, kernel=(2, 3), stride=(1, 1), padding="same", dilation=(1, 1),
         bias=True, seed=203),
    dict(name="conv2d_pointwise_b2", rank=2, batch=2, in_channels=7, out_channels=5, groups=1,
         height=5, width=7, kernel=(1, 1), stride=(1, 1), padding="0", dilation=(1, 1),
         bias=True, seed=204),
]


def as_pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (1, value)


def applied_padding(case):
    """[top, bottom, left, right] as PyTorch applies the padding spec."""
    spec = case["padding"]
    kh, kw = as_pair(case["kernel"])
    dh, dw = as_pair(case["dilation"])
    if spec == "valid":
        return [0, 0, 0, 0]
    if spec == "same":
        def split(k, d):
            total = d * (k - 1)
            return [total // 2, total - total // 2]  # the odd extra goes after
        return split(kh, dh) + split(kw, dw) if case["rank"] == 2 else [0, 0] + split(kw, dw)
    parts = [int(p) for p in spec.split(",")]
    if case["rank"] == 1:
        assert len(parts) == 1, spec
        return [0, 0, parts[0], parts[0]]
    ph, pw = (parts[0], parts[0]) if len(parts) == 1 else parts
    return [ph, ph, pw, pw]


def torch_padding_arg(case):
    spec = case["padding"]
    if spec in ("same", "valid"):
        return spec
    parts = [int(p) for p in spec.split(",")]
    return parts[0] if len(parts) == 1 else tuple(parts)


def shapes(case):
    n, c, o, g = case["batch"], case["in_channels"], case["out_channels"], case["groups"]
    if case["rank"] == 1:
        return (n, c, case["length"]), (o, c // g, case["kernel"])
    kh, kw = case["kernel"]
    return (n, c, case["height"], case["width"]), (o, c // g, kh, kw)


def draw(case):
    """float32-rounded standard normal draws; the 2D twin reshapes its 1D case's draws."""
    rng = np.random.default_rng(case["seed"])
    x_shape, w_shape = shapes(case)
    x = rng.standard_normal(int(np.prod(x_shape))).astype(np.float32).reshape(x_shape)
    w = rng.standard_normal(int(np.prod(w_shape))).astype(np.float32).reshape(w_shape)
    b = rng.standard_normal(case["out_channels"]).astype(np.float32) if case["bias"] else None
    return x, w, b


def torch_conv(case, x, w, b, padding):
    """float64 PyTorch convolution of the float32 values (widened exactly)."""
    xt = torch.from_numpy(x.astype(np.float64))
    wt = torch.from_numpy(w.astype(np.float64))
    bt = None if b is None else torch.from_numpy(b.astype(np.float64))
    if case["rank"] == 1:
        y = F.conv1d(xt, wt, bt, stride=case["stride"], padding=padding,
                     dilation=case["dilation"], groups=case["groups"])
    else:
        y = F.conv2d(xt, wt, bt, stride=case["stride"], padding=padding,
                     dilation=case["dilation"], groups=case["groups"])
    assert y.dtype == torch.float64
    return y.numpy().copy()


def torch_conv_explicit_pad(case, x, w, b, pad):
    """F.pad with [top, bottom, left, right], then a convolution without padding."""
    top, bottom, left, right = pad
    xt = torch.from_numpy(x.astype(np.float64))
    if case["rank"] == 1:
        xp = F.pad(xt, (left, right))
    else:
        xp = F.pad(xt, (left, right, top, bottom))
    return torch_conv(case, xp.numpy(), w, b, 0)


def numpy_conv(case, x, w, b, pad):
    """Independent reference: explicit zero padding, one einsum per kernel tap, float64."""
    x4 = x.astype(np.float64)
    w4 = w.astype(np.float64)
    if case["rank"] == 1:
        x4 = x4[:, :, None, :]
        w4 = w4[:, :, None, :]
    top, bottom, left, right = pad
    sh, sw = as_pair(case["stride"])
    dh, dw = as_pair(case["dilation"])
    n, c, h, wd = x4.shape
    o, cg, kh, kw = w4.shape
    g = case["groups"]
    og = o // g
    assert cg * g == c and og * g == o
    xp = np.zeros((n, c, h + top + bottom, wd + left + right))
    xp[:, :, top:top + h, left:left + wd] = x4
    oh = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + left + right - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, o, oh, ow))
    for gi in range(g):
        xg = xp[:, gi * cg:(gi + 1) * cg]
        wg = w4[gi * og:(gi + 1) * og]
        for ky in range(kh):
            for kx in range(kw):
                y0, x0 = ky * dh, kx * dw
                window = xg[:, :, y0:y0 + sh * (oh - 1) + 1:sh, x0:x0 + sw * (ow - 1) + 1:sw]
                y[:, gi * og:(gi + 1) * og] += np.einsum("nchw,oc->nohw", window, wg[:, :, ky, kx])
    if b is not None:
        y += b.astype(np.float64)[None, :, None, None]
    if case["rank"] == 1:
        y = y[:, :, 0, :]
    return y


def expected_output_shape(case, pad):
    top, bottom, left, right = pad
    kh, kw = as_pair(case["kernel"])
    sh, sw = as_pair(case["stride"])
    dh, dw = as_pair(case["dilation"])
    ow_in = case["length"] if case["rank"] == 1 else case["width"]
    ow = (ow_in + left + right - dw * (kw - 1) - 1) // sw + 1
    if case["rank"] == 1:
        return [case["batch"], case["out_channels"], ow]
    oh = (case["height"] + top + bottom - dh * (kh - 1) - 1) // sh + 1
    return [case["batch"], case["out_channels"], oh, ow]


def max_abs_diff(a, b):
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def save_npy(path, array, dtype):
    array = np.ascontiguousarray(array, dtype=dtype)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=(1, 0), allow_pickle=False)


def load_npy(path, dtype):
    with open(path, "rb") as f:
        assert np.lib.format.read_magic(f) == (1, 0), path
        shape, fortran_order, file_dtype = np.lib.format.read_array_header_1_0(f)
    assert not fortran_order, path
    assert file_dtype == np.dtype(dtype), (path, file_dtype)
    array = np.load(path, allow_pickle=False)
    assert array.shape == shape
    return array


def case_entry(case, pad, out_shape):
    kh, kw = as_pair(case["kernel"])
    sh, sw = as_pair(case["stride"])
    dh, dw = as_pair(case["dilation"])
    entry = {"name": case["name"], "rank": case["rank"], "batch": case["batch"],
             "in_channels": case["in_channels"], "out_channels": case["out_channels"],
             "groups": case["groups"]}
    if case["rank"] == 1:
        entry["length"] = case["length"]
    else:
        entry["height"] = case["height"]
        entry["width"] = case["width"]
    entry.update({"kernel": [kh, kw], "stride": [sh, sw], "padding": pad,
                  "padding_spec": case["padding"], "dilation": [dh, dw], "bias": case["bias"],
                  "output_shape": out_shape})
    return entry


def compute(case):
    x, w, b = draw(case)
    pad = applied_padding(case)
    y = torch_conv(case, x, w, b, torch_padding_arg(case))
    out_shape = expected_output_shape(case, pad)
    assert list(y.shape) == out_shape, (case["name"], y.shape, out_shape)
    pad_diff = max_abs_diff(y, torch_conv_explicit_pad(case, x, w, b, pad))
    assert pad_diff < TOLERANCE, (case["name"], "explicit F.pad disagrees", pad_diff)
    np_diff = max_abs_diff(y, numpy_conv(case, x, w, b, pad))
    assert np_diff < TOLERANCE, (case["name"], "numpy reference disagrees", np_diff)
    return x, w, b, y, pad, out_shape, pad_diff, np_diff


def write_readme(entries):
    lines = [
        "# Golden convolution results (PyTorch)",
        "",
        "Reference outputs for conveq's tests, computed by an independent implementation:",
        "PyTorch's `torch.nn.functional.conv1d` / `conv2d` in float64.",
        "",
        "## Files",
        "",
        "- `cases.json`: a list with one object per case: `name`, `rank` (1 or 2), `batch`,",
        "  `in_channels`, `out_channels`, `groups`, `length` (rank 1) or `height` and `width`",
        "  (rank 2), `kernel` [kh, kw] (kh = 1 for rank 1), `stride` [sh, sw], `padding`",
        "  [top, bottom, left, right] as applied (explicit numbers, also for 'same'; top and",
        "  bottom are 0 for rank 1), `padding_spec` (the string given to PyTorch: an integer,",
        "  \"h,w\", \"same\" or \"valid\"; the same syntax as conveq's `--padding`), `dilation`",
        "  [dh, dw], `bias` (bool) and `output_shape`.",
        "- `<name>/input.npy`: float32 (`<f4`), shape (N, C, L) or (N, C, H, W).",
        "- `<name>/weight.npy`: float32 (`<f4`), shape (O, C/groups, K) or (O, C/groups, KH, KW).",
        "- `<name>/bias.npy`: float32 (`<f4`), shape (O,); absent when `bias` is false.",
        "- `<name>/output.npy`: float64 (`<f8`), shape `output_shape`.",
        "",
        "All `.npy` files are numpy format version 1.0, C order, little endian, no pickles.",
        "",
        "## How they were made",
        "",
        "Inputs, weights and biases are standard normal draws (`numpy.random.default_rng` with",
        "a fixed seed per case) rounded to float32. `output.npy` is the float64 convolution of",
        "exactly those float32 values (widened to float64 without rounding), so it is the",
        "exact convolution up to float64 rounding (about 1e-15 relative), not a float32 result.",
        "",
        "`conv2d_k1x3_h1` holds the same values as `conv1d_k3_same` viewed with H = 1 (padding",
        "\"0,1\" equals \"same\" there), and its output equals that case's output.",
        "",
        "Before writing, the script checks that the recorded `padding` reproduces PyTorch",
        "(F.pad with those numbers, then a convolution without padding; this confirms that",
        "'same' with an odd total puts the extra element on the right / bottom), and that an",
        "independent numpy implementation agrees with PyTorch to a max abs difference below",
        "1e-12. After writing it reloads every file with numpy and checks it again.",
        "",
        "Command, from the repository root (deterministic; rerunning rewrites identical files):",
        "",
        "    " + COMMAND,
        "",
        "Versions used: torch %s, numpy %s, Python %s." % (
            torch.__version__, np.__version__, sys.version.split()[0]),
        "",
        "The tests read these files directly and do not need PyTorch or numpy.",
        "",
        "## Cases",
        "",
        "| name | rank | N | C -> O | groups | input | kernel | stride | padding spec -> applied (t,b,l,r) | dilation | bias | output |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in entries:
        spatial = str(e["length"]) if e["rank"] == 1 else "%dx%d" % (e["height"], e["width"])
        lines.append("| %s | %d | %d | %d -> %d | %d | %s | %s | %s | %s -> %s | %s | %s | %s |" % (
            e["name"], e["rank"], e["batch"], e["in_channels"], e["out_channels"], e["groups"],
            spatial, e["kernel"], e["stride"], e["padding_spec"], e["padding"], e["dilation"],
            "yes" if e["bias"] else "no", e["output_shape"]))
    with open(os.path.join(OUT_DIR, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    torch.set_num_threads(1)
    # PyTorch notes that 'same' with an even kernel and odd dilation (an odd total) pads a
    # copy of the input; expected here, and the padding is checked against F.pad anyway.
    warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")
    print("torch %s, numpy %s, Python %s" % (torch.__version__, np.__version__,
                                             sys.version.split()[0]))
    results = {}
    entries = []
    for case in CASES:
        x, w, b, y, pad, out_shape, pad_diff, np_diff = compute(case)
        results[case["name"]] = y
        entries.append(case_entry(case, pad, out_shape))
        print("%-22s pad %-14s out %-18s |F.pad - torch| %.1e  |numpy - torch| %.1e" % (
            case["name"], pad, out_shape, pad_diff, np_diff))
    for case in CASES:
        if "twin_of" in case:
            twin = results[case["twin_of"]]
            diff = max_abs_diff(results[case["name"]], twin[:, :, None, :])
            assert diff < TOLERANCE, (case["name"], "differs from its Conv1d twin", diff)

    # Write (the directory is owned by this script: stale cases are removed).
    os.makedirs(OUT_DIR, exist_ok=True)
    names = {c["name"] for c in CASES}
    for entry in os.listdir(OUT_DIR):
        path = os.path.join(OUT_DIR, entry)
        if os.path.isdir(path) and entry not in names:
            shutil.rmtree(path)
    for case in CASES:
        x, w, b = draw(case)
        case_dir = os.path.join(OUT_DIR, case["name"])
        os.makedirs(case_dir, exist_ok=True)
        save_npy(os.path.join(case_dir, "input.npy"), x, "<f4")
        save_npy(os.path.join(case_dir, "weight.npy"), w, "<f4")
        bias_path = os.path.join(case_dir, "bias.npy")
        if b is not None:
            save_npy(bias_path, b, "<f4")
        elif os.path.exists(bias_path):
            os.remove(bias_path)
        save_npy(os.path.join(case_dir, "output.npy"), results[case["name"]], "<f8")
    with open(os.path.join(OUT_DIR, "cases.json"), "w") as f:  # one case per line
        f.write("[\n" + ",\n".join("  " + json.dumps(e) for e in entries) + "\n]\n")
    write_readme(entries)

    # Reload everything with numpy alone and check it again.
    with open(os.path.join(OUT_DIR, "cases.json")) as f:
        reloaded = json.load(f)
    assert reloaded == entries
    total = 0
    for case, entry in zip(CASES, reloaded):
        case_dir = os.path.join(OUT_DIR, entry["name"])
        x = load_npy(os.path.join(case_dir, "input.npy"), "<f4")
        w = load_npy(os.path.join(case_dir, "weight.npy"), "<f4")
        bias_path = os.path.join(case_dir, "bias.npy")
        assert os.path.exists(bias_path) == entry["bias"], entry["name"]
        b = load_npy(bias_path, "<f4") if entry["bias"] else None
        y = load_npy(os.path.join(case_dir, "output.npy"), "<f8")
        assert list(y.shape) == entry["output_shape"], entry["name"]
        assert max_abs_diff(y, results[entry["name"]]) == 0.0, entry["name"]
        diff = max_abs_diff(y, numpy_conv(case, x, w, b, entry["padding"]))
        assert diff < TOLERANCE, (entry["name"], "reloaded files: numpy disagrees", diff)
        for name in os.listdir(case_dir):
            size = os.path.getsize(os.path.join(case_dir, name))
            assert size < 8192, (entry["name"], name, size)
            total += size
    total += os.path.getsize(os.path.join(OUT_DIR, "cases.json"))
    assert total < 100 * 1024, total
    print("wrote %d cases to %s (%d bytes of data); all checks passed" % (
        len(entries), os.path.relpath(OUT_DIR, ROOT), total))


if __name__ == "__main__":
    main()
