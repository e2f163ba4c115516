// A small builder for one self-contained HTML page: inline CSS, inline SVG and images as data URIs,
// no scripts and no network references. All text is escaped.
#pragma once

#include <string>
#include <vector>

namespace octet::report {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  // Right-aligned columns; when empty, a column is numeric if every non-empty cell starts with a
  // number (e.g. "98.85%", "-3.2", "1.4 ms").
  std::vector<bool> numeric;
};

class HtmlPage {
 public:
  explicit HtmlPage(std::string title);

  void heading(int level, const std::string& text);  // level 1..4
  void paragraph(const std::string& text);
  void preformatted(const std::string& text);
  void table(const Table& table);
  // SVG text from svg_chart.h / image_grid.h, inserted as is (it is trusted, already escaped).
  void svg(const std::string& svg_text);
  // An <img> whose src must be a data: URI (checked: the page stays self-contained).
  void image(const std::string& data_uri, const std::string& alt);
  // A collapsible section; everything added until end_details() goes inside.
  void begin_details(const std::string& summary);
  void end_details();

  // The whole page. Every begin_details() must have been closed.
  std::string str() const;

 private:
  std::string title_;
  std::string body_;
  int open_details_ = 0;
};

// Escapes & < > " ' (same as xml_escape).
std::string html_escape(const std::string& text);

}  // namespace octet::report
