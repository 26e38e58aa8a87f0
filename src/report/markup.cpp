#include "conveq/report/markup.hpp"

#include <cmath>
#include <cstdio>

namespace conveq {
namespace {

std::string attribute(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + html_escape(value) + "\"";
}

std::string titled(const std::string& open, std::string_view tooltip, const char* element) {
  if (tooltip.empty()) return open + "/>";
  return open + "><title>" + html_escape(tooltip) + "</title></" + element + ">";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

std::string svg_number(double value) {
  if (!std::isfinite(value)) return "0";
  char text[64];
  std::snprintf(text, sizeof text, "%.2f", value);
  std::string s = text;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

Svg::Svg(double width, double height, std::string_view label)
    : width_(width), height_(height), label_(label) {}

Svg& Svg::rect(double x, double y, double width, double height, std::string_view fill,
               std::string_view tooltip) {
  const std::string open = "<rect" + attribute("x", svg_number(x)) + attribute("y", svg_number(y)) +
                           attribute("width", svg_number(width)) +
                           attribute("height", svg_number(height)) + attribute("fill", fill);
  body_ += titled(open, tooltip, "rect");
  return *this;
}

Svg& Svg::line(double x1, double y1, double x2, double y2, std::string_view stroke, bool dashed) {
  body_ += "<line" + attribute("x1", svg_number(x1)) + attribute("y1", svg_number(y1)) +
           attribute("x2", svg_number(x2)) + attribute("y2", svg_number(y2)) +
           attribute("stroke", stroke) + (dashed ? attribute("stroke-dasharray", "4 3") : "") +
           "/>";
  return *this;
}

Svg& Svg::circle(double cx, double cy, double r, std::string_view fill, std::string_view tooltip) {
  const std::string open = "<circle" + attribute("cx", svg_number(cx)) +
                           attribute("cy", svg_number(cy)) + attribute("r", svg_number(r)) +
                           attribute("fill", fill);
  body_ += titled(open, tooltip, "circle");
  return *this;
}

Svg& Svg::text(double x, double y, std::string_view content, std::string_view anchor,
               std::string_view css_class) {
  body_ += "<text" + attribute("x", svg_number(x)) + attribute("y", svg_number(y)) +
           attribute("text-anchor", anchor) +
           (css_class.empty() ? "" : attribute("class", css_class)) + ">" + html_escape(content) +
           "</text>";
  return *this;
}

std::string Svg::str() const {
  return "<svg" + attribute("width", svg_number(width_)) +
         attribute("height", svg_number(height_)) +
         attribute("viewBox", "0 0 " + svg_number(width_) + " " + svg_number(height_)) +
         attribute("role", "img") + attribute("aria-label", label_) + "><title>" +
         html_escape(label_) + "</title>" + body_ + "</svg>";
}

}  // namespace conveq
