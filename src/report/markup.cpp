#include "conveq/report/markup.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace conveq {
namespace {

// The length of the well-formed UTF-8 sequence at text[i] that XML 1.0 allows (no
// surrogates, no U+FFFE/U+FFFF), or 0.
size_t utf8_length(std::string_view text, size_t i) {
  const auto byte = [&text](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  const size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (length == 0 || lead > 0xf4 || i + length > text.size()) return 0;
  uint32_t code = lead & (0x7f >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  const bool valid = code >= smallest[length] && code <= 0x10ffff &&
                     !(code >= 0xd800 && code <= 0xdfff) && code != 0xfffe && code != 0xffff;
  return valid ? length : 0;
}

std::string hex_byte(unsigned char byte) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "\\x%02x", byte);
  return hex;
}

std::string attribute(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + html_escape(value) + "\"";
}

std::string titled(const std::string& open, std::string_view tooltip, const char* element) {
  if (tooltip.empty()) return open + "/>";
  return open + "><title>" + html_escape(tooltip) + "</title></" + element + ">";
}

}  // namespace

std::string xml_escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      const size_t length = utf8_length(text, i);
      out += length == 0 ? hex_byte(byte) : std::string(text.substr(i, length));
      i += length == 0 ? 1 : length;
      continue;
    }
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
        out += "&apos;";
        break;
      // In an attribute, as character references: a parser turns a literal tab or newline
      // there into a space. A carriage return is always one (parsers drop a literal one).
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += byte < 0x20 ? hex_byte(byte) : std::string(1, c);
    }
    ++i;
  }
  return out;
}

// Element text of HTML is XML's: the page shows a stray control byte as \xNN, as JUnit does.
std::string html_escape(std::string_view text) {
  return xml_escape(text, false);
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
