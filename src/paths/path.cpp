// The formulations' views of a problem, and the skip reasons they share.
#include "conveq/paths/path.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace conveq {

std::vector<int64_t> ConvGeometry::input_shape(bool rank1) const {
  if (rank1) return {batch, in_channels, w};
  return {batch, in_channels, h, w};
}
std::vector<int64_t> ConvGeometry::weight_shape(bool rank1) const {
  if (rank1) return {out_channels, cin_g(), kw};
  return {out_channels, cin_g(), kh, kw};
}
std::vector<int64_t> ConvGeometry::output_shape(bool rank1) const {
  if (rank1) return {batch, out_channels, ow};
  return {batch, out_channels, oh, ow};
}

namespace {
int64_t padding_after(int64_t in, int64_t kernel, int64_t stride, int64_t before, int64_t dilation,
                      int64_t out) {
  return std::max<int64_t>(0, (out - 1) * stride + (kernel - 1) * dilation + 1 - in - before);
}
}  // namespace

int64_t ConvGeometry::pad_after_h() const {
  return padding_after(h, kh, sh, ph, dh, oh);
}
int64_t ConvGeometry::pad_after_w() const {
  return padding_after(w, kw, sw, pw, dw, ow);
}

ConvGeometry conv2d_view(const Problem& p) {
  return ConvGeometry{p.batch,      p.in_channels, p.out_channels, p.groups,
                      p.height,     p.width,       p.kernel_h,     p.kernel_w,
                      p.stride_h,   p.stride_w,    p.pad_top,      p.pad_left,
                      p.dilation_h, p.dilation_w,  p.out_height(), p.out_width()};
}

bool has_conv1d_view(const Problem& p) {
  const bool single_row = p.height == 1 && p.kernel_h == 1 && p.pad_top == 0 && p.pad_bottom == 0;
  return p.rank == 1 || single_row || p.is_pointwise();
}

ConvGeometry conv1d_view(const Problem& p) {
  ConvGeometry g = conv2d_view(p);
  if (p.height != 1) {  // pointwise: flatten (H, W) into L
    g.w = g.ow = p.height * p.width;
  }
  g.h = g.kh = g.sh = g.dh = g.oh = 1;
  g.ph = 0;
  return g;
}

ConvGeometry column_view(const Problem& p) {
  ConvGeometry g = conv1d_view(p);
  std::swap(g.h, g.w);
  std::swap(g.kh, g.kw);
  std::swap(g.sh, g.sw);
  std::swap(g.ph, g.pw);
  std::swap(g.dh, g.dw);
  std::swap(g.oh, g.ow);
  return g;
}

ConvGeometry folded_view(const Problem& p) {
  ConvGeometry g = conv2d_view(p);
  g.h = g.oh = p.fold_h;
  g.w = g.ow = p.fold_w;
  return g;
}

std::string formulation_name(Formulation formulation) {
  switch (formulation) {
    case Formulation::conv1d:
      return "conv1d";
    case Formulation::conv2d:
      return "conv2d";
    case Formulation::conv2d_col:
      return "conv2d_col";
    case Formulation::conv2d_hw:
      return "conv2d_hw";
    case Formulation::linear:
      break;
  }
  return "linear";
}

Formulation formulation_of(const std::string& name) {
  for (const Formulation f : {Formulation::conv1d, Formulation::conv2d, Formulation::conv2d_col,
                              Formulation::conv2d_hw, Formulation::linear}) {
    if (formulation_name(f) == name) return f;
  }
  throw std::logic_error("no formulation " + name);
}

ConvGeometry formulation_geometry(Formulation formulation, const Problem& p) {
  switch (formulation) {
    case Formulation::conv2d:
      return conv2d_view(p);
    case Formulation::conv2d_col:
      return column_view(p);
    case Formulation::conv2d_hw:
      return folded_view(p);
    case Formulation::conv1d:
    case Formulation::linear:
      break;
  }
  return conv1d_view(p);
}

std::string formulation_skip_reason(Formulation formulation, const Problem& p) {
  switch (formulation) {
    case Formulation::conv1d:
    case Formulation::conv2d_col:
      return conv1d_skip_reason(p);
    case Formulation::conv2d_hw:
      return folded_skip_reason(p);
    case Formulation::linear:
      return linear_skip_reason(p);
    case Formulation::conv2d:
      break;
  }
  return "";
}

std::string conv1d_skip_reason(const Problem& p) {
  if (has_conv1d_view(p)) return "";
  return "a 2D problem has a Conv1d twin only when H = 1 and KH = 1 (no vertical padding), or when "
         "it is pointwise";
}

std::string folded_skip_reason(const Problem& p) {
  if (p.rank == 2) return "a 2D problem is already its own (H, W) view: see conv2d/*";
  if (!p.is_pointwise()) {
    return "folding L into (H, W) computes the same convolution only for pointwise problems "
           "(kernel 1, stride 1, no padding)";
  }
  return "";
}

std::string linear_skip_reason(const Problem& p) {
  if (!p.is_pointwise()) {
    return "nn.Linear is a convolution only when it is pointwise (kernel 1, stride 1, no "
           "padding)";
  }
  if (p.groups != 1) return "nn.Linear has no groups";
  return "";
}

}  // namespace conveq
