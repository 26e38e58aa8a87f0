#pragma once
// HTML and SVG as text, for the HTML report: escaping, and a tiny SVG writer.
//
// Why our own and not a library: the pages need rectangles, lines, circles and text in a few
// charts, with every string that came from a report (path and problem names, reasons) escaped.
// The C++ SVG libraries in Debian either draw raster images (cairo, which the page would then
// embed as a picture without text or tooltips) or are large document models for editing SVG;
// a hundred tested lines are easier to check for escaping than either.
#include <string>
#include <string_view>

namespace conveq {

// `text` escaped for an XML 1.0 attribute value or, with `attribute` false, for element text
// (where tabs and newlines stay as they are): & < > " ' as entities, bytes XML forbids (control
// characters, malformed UTF-8) written visibly as \xNN.
std::string xml_escape(std::string_view text, bool attribute = true);
// The same for HTML, in element content or in a quoted attribute.
std::string html_escape(std::string_view text);

// A coordinate or length: fixed, at most 2 decimals, no locale, no exponent; non-finite as 0.
std::string svg_number(double value);

// An <svg> element built shape by shape. Every text and attribute value is escaped here; a
// caller never writes markup into the string itself.
class Svg {
 public:
  // `label`: what the picture shows, for screen readers and as its tooltip.
  Svg(double width, double height, std::string_view label);

  // `tooltip` (optional) becomes the shape's <title>, shown when the pointer rests on it.
  Svg& rect(double x, double y, double width, double height, std::string_view fill,
            std::string_view tooltip = {});
  Svg& line(double x1, double y1, double x2, double y2, std::string_view stroke,
            bool dashed = false);
  Svg& circle(double cx, double cy, double r, std::string_view fill, std::string_view tooltip = {});
  // anchor: start, middle or end.
  Svg& text(double x, double y, std::string_view content, std::string_view anchor = "start",
            std::string_view css_class = {});

  std::string str() const;

 private:
  std::string body_;
  double width_, height_;
  std::string label_;
};

}  // namespace conveq
