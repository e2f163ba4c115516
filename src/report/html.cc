#include "report/html.h"

#include <cctype>
#include <cstdlib>

#include "core/status.h"
#include "report/svg_chart.h"

namespace octet::report {
namespace {

constexpr const char* kCss =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px auto;max-width:1200px;color:#222;"
    "line-height:1.4;padding:0 16px}"
    "h1{border-bottom:2px solid #ddd;padding-bottom:6px}"
    "table{border-collapse:collapse;margin:10px 0 18px}"
    "th,td{border:1px solid #ccc;padding:4px 10px}"
    "th{background:#f2f2f2}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "tr:nth-child(even) td{background:#fafafa}"
    "pre{background:#f6f6f6;padding:10px;overflow-x:auto}"
    "details{margin:8px 0}summary{cursor:pointer;font-weight:bold}"
    ".figure{margin:12px 0}"
    ".figure svg{max-width:100%;height:auto}";  // wide grids shrink to the page instead of scrolling

// A cell is numeric when it starts with a number: "98.85%", "-3.2", "1.4 ms", "+inf".
bool looks_numeric(const std::string& cell) {
  size_t i = 0;
  if (i < cell.size() && (cell[i] == '-' || cell[i] == '+')) ++i;
  if (cell.compare(i, 3, "inf") == 0) return true;
  if (i < cell.size() && cell[i] == '.') ++i;
  return i < cell.size() && std::isdigit(static_cast<unsigned char>(cell[i]));
}

// Inline SVG in HTML needs no namespace declarations; dropping them keeps the page free of any
// http:// text, so a test can check that nothing is fetched from the network.
std::string strip_namespaces(std::string svg) {
  for (const char* ns : {" xmlns=\"http://www.w3.org/2000/svg\"", " xmlns:xlink=\"http://www.w3.org/1999/xlink\""}) {
    const std::string pattern = ns;
    for (size_t pos; (pos = svg.find(pattern)) != std::string::npos;) svg.erase(pos, pattern.size());
  }
  return svg;
}

}  // namespace

std::string html_escape(const std::string& text) { return xml_escape(text); }

HtmlPage::HtmlPage(std::string title) : title_(std::move(title)) {}

void HtmlPage::heading(int level, const std::string& text) {
  OCTET_CHECK(level >= 1 && level <= 4);
  const char digit = static_cast<char>('0' + level);
  body_ += std::string("<h") + digit + ">" + html_escape(text) + "</h" + digit + ">\n";
}

void HtmlPage::paragraph(const std::string& text) { body_ += "<p>" + html_escape(text) + "</p>\n"; }

void HtmlPage::preformatted(const std::string& text) { body_ += "<pre>" + html_escape(text) + "</pre>\n"; }

void HtmlPage::table(const Table& t) {
  size_t cols = t.header.size();
  for (const auto& r : t.rows) cols = std::max(cols, r.size());
  std::vector<bool> numeric = t.numeric;
  if (numeric.empty()) {
    numeric.assign(cols, true);
    for (size_t c = 0; c < cols; ++c) {
      bool any = false;
      for (const auto& r : t.rows) {
        if (c >= r.size() || r[c].empty()) continue;
        any = true;
        if (!looks_numeric(r[c])) numeric[c] = false;
      }
      numeric[c] = numeric[c] && any;
    }
  }
  numeric.resize(cols, false);
  body_ += "<table>\n";
  if (!t.header.empty()) {
    body_ += "<thead><tr>";
    for (const auto& h : t.header) body_ += "<th>" + html_escape(h) + "</th>";
    body_ += "</tr></thead>\n";
  }
  body_ += "<tbody>\n";
  for (const auto& r : t.rows) {
    body_ += "<tr>";
    for (size_t c = 0; c < cols; ++c) {
      body_ += numeric[c] ? "<td class=\"num\">" : "<td>";
      if (c < r.size()) body_ += html_escape(r[c]);
      body_ += "</td>";
    }
    body_ += "</tr>\n";
  }
  body_ += "</tbody></table>\n";
}

void HtmlPage::svg(const std::string& svg_text) {
  body_ += "<div class=\"figure\">\n" + strip_namespaces(svg_text) + "</div>\n";
}

void HtmlPage::image(const std::string& data_uri, const std::string& alt) {
  OCTET_CHECK_MSG(data_uri.rfind("data:", 0) == 0, "images must be data: URIs, the page is self-contained");
  body_ += "<div class=\"figure\"><img src=\"" + html_escape(data_uri) + "\" alt=\"" + html_escape(alt) +
           "\"></div>\n";
}

void HtmlPage::begin_details(const std::string& summary) {
  body_ += "<details><summary>" + html_escape(summary) + "</summary>\n";
  ++open_details_;
}

void HtmlPage::end_details() {
  OCTET_CHECK(open_details_ > 0);
  body_ += "</details>\n";
  --open_details_;
}

std::string HtmlPage::str() const {
  OCTET_CHECK_MSG(open_details_ == 0, "begin_details() without end_details()");
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(title_) +
         "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n" + body_ + "</body>\n</html>\n";
}

}  // namespace octet::report
