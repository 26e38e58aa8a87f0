#!/usr/bin/python3
"""Makes the small ONNX models under tests/data/models/ with PyTorch's own ONNX exporter.

Run with /usr/bin/python3 (python3-torch, python3-onnx, python3-numpy); the tests use the
committed outputs and never run this script.

  speech_conv1d.onnx   a Conv1d speech-style stack: pointwise, depthwise, dilated, 'same' with an
                       even kernel (asymmetric pads), strided without bias
  cnn2d.onnx           a small 2D CNN: 1x1, 3x3 strided, grouped, 'same' with a 2x3 kernel
  single_conv1d/       an ONNX test-data directory: model.onnx and test_data_set_N/input_0.pb,
                       output_0.pb (torch's output), as the ONNX backend tests lay them out
  layers.json          the exporter's record of every Conv layer: the module's attributes and
                       the ONNX attributes they must become (pads in ONNX's begin..., end...
                       order), in graph order
"""
import json
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "models")


def onnx_pads(conv, input_spatial):
    """ONNX's pads (begin..., end...) for a torch conv module's padding."""
    rank = len(conv.kernel_size)
    if conv.padding == "same":
        begins, ends = [], []
        for k, d in zip(conv.kernel_size, conv.dilation):
            total = d * (k - 1)
            begins.append(total // 2)
            ends.append(total - total // 2)
        return begins + ends
    if conv.padding == "valid":
        return [0] * (2 * rank)
    return list(conv.padding) * 2


def record(name, conv, input_shape):
    return {
        "module": name,
        "op_type": "Conv",
        "input_shape": list(input_shape),
        "weight_shape": list(conv.weight.shape),
        "kernel_shape": list(conv.kernel_size),
        "strides": list(conv.stride),
        "pads": onnx_pads(conv, input_shape[2:]),
        "dilations": list(conv.dilation),
        "group": conv.groups,
        "bias": conv.bias is not None,
        "padding": conv.padding if isinstance(conv.padding, str) else list(conv.padding),
    }


class Stack(torch.nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.names = [name for name, _ in layers]
        for name, layer in layers:
            self.add_module(name, layer)

    def forward(self, x):
        for i, name in enumerate(self.names):
            x = getattr(self, name)(x)
            if i + 1 < len(self.names):
                x = torch.relu(x)
        return x


def layer_records(model, x):
    """Each conv's record, with the input shape it sees (hooks on a real forward pass)."""
    records = []
    hooks = [
        module.register_forward_hook(
            lambda m, inputs, out, name=name: records.append(record(name, m, inputs[0].shape)))
        for name, module in model.named_children()
    ]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return records


def convolution_mode_symbolic(g, x, weight, bias, stride, padding, dilation, groups):
    """padding='same' as ONNX Conv pads: torch 1.13's exporter has no symbolic for
    aten::_convolution_mode. The pads are PyTorch's own: total d*(k-1), the odd extra at the
    end (what a converter writing explicit pads must produce)."""
    from torch.onnx import symbolic_helper as sh
    kernel = weight.type().sizes()[2:]
    strides = sh._parse_arg(stride, "is")
    dilations = sh._parse_arg(dilation, "is")
    mode = sh._parse_arg(padding, "s")
    assert mode == "same", mode
    begins = [d * (k - 1) // 2 for k, d in zip(kernel, dilations)]
    ends = [d * (k - 1) - b for k, d, b in zip(kernel, dilations, begins)]
    inputs = [x, weight] if sh._is_none(bias) else [x, weight, bias]
    return g.op("Conv", *inputs, kernel_shape_i=kernel, strides_i=strides, pads_i=begins + ends,
                dilations_i=dilations, group_i=sh._parse_arg(groups, "i"))


torch.onnx.register_custom_op_symbolic("aten::_convolution_mode", convolution_mode_symbolic, 13)


def export(model, x, path):
    torch.onnx.export(model, x, path, opset_version=13, input_names=["x"], output_names=["y"],
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def to_float_data(path):
    """Rewrites every initializer from raw_data to float_data: conveq must read both."""
    model = onnx.load(path)
    for i, tensor in enumerate(model.graph.initializer):
        array = onnx.numpy_helper.to_array(tensor)
        model.graph.initializer[i].CopyFrom(onnx.helper.make_tensor(
            tensor.name, onnx.TensorProto.FLOAT, array.shape, array.flatten().tolist()))
    onnx.checker.check_model(model)
    onnx.save(model, path)


def tensor_file(array, name, path):
    with open(path, "wb") as f:
        f.write(onnx.numpy_helper.from_array(array, name).SerializeToString())


def main():
    torch.manual_seed(20261127)
    os.makedirs(OUT, exist_ok=True)
    speech = Stack([
        ("pointwise", torch.nn.Conv1d(8, 16, 1)),
        ("depthwise", torch.nn.Conv1d(16, 16, 5, padding=2, groups=16)),
        ("dilated", torch.nn.Conv1d(16, 16, 3, padding=4, dilation=4)),
        ("same_even", torch.nn.Conv1d(16, 12, 4, padding="same")),
        ("strided", torch.nn.Conv1d(12, 8, 3, stride=2, padding=1, bias=False)),
    ]).eval()
    cnn = Stack([
        ("pointwise", torch.nn.Conv2d(3, 8, 1)),
        ("strided3x3", torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)),
        ("grouped", torch.nn.Conv2d(16, 16, 3, padding=1, groups=4)),
        ("same2x3", torch.nn.Conv2d(16, 8, (2, 3), padding="same")),
    ]).eval()
    single = Stack([("conv", torch.nn.Conv1d(4, 6, 3, padding=1))]).eval()

    layers = {}
    for file, model, x in [
        ("speech_conv1d.onnx", speech, torch.randn(2, 8, 50)),
        ("cnn2d.onnx", cnn, torch.randn(1, 3, 12, 10)),
    ]:
        export(model, x, os.path.join(OUT, file))
        layers[file] = layer_records(model, x)
    to_float_data(os.path.join(OUT, "cnn2d.onnx"))

    test_dir = os.path.join(OUT, "single_conv1d")
    os.makedirs(test_dir, exist_ok=True)
    x0 = torch.randn(1, 4, 20)
    export(single, x0, os.path.join(test_dir, "model.onnx"))
    layers["single_conv1d/model.onnx"] = layer_records(single, x0)
    for n in range(2):
        x = x0 if n == 0 else torch.randn(1, 4, 20)
        with torch.no_grad():
            y = single(x)
        set_dir = os.path.join(test_dir, f"test_data_set_{n}")
        os.makedirs(set_dir, exist_ok=True)
        tensor_file(x.numpy(), "x", os.path.join(set_dir, "input_0.pb"))
        tensor_file(y.numpy(), "y", os.path.join(set_dir, "output_0.pb"))

    with open(os.path.join(OUT, "layers.json"), "w") as f:
        json.dump({"generator": "scripts/make_models.py", "torch": torch.__version__,
                   "onnx": onnx.__version__, "models": layers}, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
