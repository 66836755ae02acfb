// What the two HTML reports share (report.hpp: one run; study/report.hpp: a deepdiff-pairs
// study): escaping, numbers, the page skeleton with its style sheet and script
// (report_assets.hpp), tables that sort and filter, inlined SVG, and the packing of binary
// per-gene data.
//
// A report is one self-contained file: everything it shows is inside it (no font, script,
// style sheet or image is fetched), so it opens from disk, from a zip or from a mail, offline.
// Tables and figures are plain HTML and inline SVG, readable without JavaScript; the script
// only sorts, filters and looks genes up.
#pragma once

#include <deepdiff/io/read_file.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#ifdef DEEPDIFF_REPORT_ZLIB
#include <zlib.h>
#endif

#include "report_assets.hpp"
#include "svg.hpp"

namespace deepdiff_report {

using Json = nlohmann::ordered_json;

// Text for HTML content and attribute values: svg.hpp's escaping (both quote kinds, so either
// may delimit; control characters dropped), one answer for both kinds of page text.
inline std::string html_escape(std::string_view s) { return deepdiff_cli::svg_detail::esc(std::string(s)); }

// A number with `decimals` places; an en dash for NaN or infinity (a constant prediction's PCC).
inline std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "\u2013";
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  std::string s = b;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // no "-0.000"
  return s;
}

// A number in 4 significant digits ("0.0123", "1.235e+05"), for values of any size.
inline std::string sig(double v) {
  if (!std::isfinite(v)) return "\u2013";
  char b[64];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

// A whole number with thousands separators ("6,100").
inline std::string count(long long n) {
  std::string d = std::to_string(n < 0 ? -n : n), o;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i && (d.size() - i) % 3 == 0) o += ',';
    o += d[i];
  }
  return n < 0 ? "-" + o : o;
}

inline std::string bytes_text(double b) {
  char s[64];
  if (b >= 1e9) std::snprintf(s, sizeof s, "%.1f GB", b / 1e9);
  else if (b >= 1e6) std::snprintf(s, sizeof s, "%.1f MB", b / 1e6);
  else if (b >= 1e3) std::snprintf(s, sizeof s, "%.1f kB", b / 1e3);
  else std::snprintf(s, sizeof s, "%.0f B", b);
  return s;
}

inline std::string base64(const unsigned char* p, std::size_t n) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  o.reserve((n + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < n; i += 3) {
    const std::uint32_t v = (std::uint32_t(p[i]) << 16) | (std::uint32_t(p[i + 1]) << 8) | p[i + 2];
    o += digits[v >> 18];
    o += digits[(v >> 12) & 63];
    o += digits[(v >> 6) & 63];
    o += digits[v & 63];
  }
  if (i < n) {
    const std::uint32_t v = (std::uint32_t(p[i]) << 16) | (i + 1 < n ? std::uint32_t(p[i + 1]) << 8 : 0);
    o += digits[v >> 18];
    o += digits[(v >> 12) & 63];
    o += i + 1 < n ? digits[(v >> 6) & 63] : '=';
    o += '=';
  }
  return o;
}

// JSON for a <script type="application/json"> element: '<', '>' and '&' (only ever inside
// strings) as \u escapes, so no gene name or path can close the element ("</script>") early.
inline std::string script_json(const Json& j) {
  const std::string t = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string o;
  o.reserve(t.size());
  for (char c : t) {
    if (c == '<') o += "\\u003c";
    else if (c == '>') o += "\\u003e";
    else if (c == '&') o += "\\u0026";
    else o += c;
  }
  return o;
}

// Bytes for the page: deflated (zlib format, which the browser's DecompressionStream("deflate")
// inflates) when the programs were built with zlib, else as they are. Base64 either way.
struct Packed {
  std::string encoding;  // "deflate" or "none"
  std::string base64;
  std::size_t raw_bytes = 0, packed_bytes = 0;
};

constexpr bool kCanDeflate =
#ifdef DEEPDIFF_REPORT_ZLIB
    true;
#else
    false;
#endif

// `raw` deflated at zlib's default level (6: within a few per cent of 9 on these bytes, and
// several times faster); empty when the build has no zlib or it fails.
inline std::vector<unsigned char> deflate_bytes(const std::vector<unsigned char>& raw) {
#ifdef DEEPDIFF_REPORT_ZLIB
  uLongf n = compressBound(static_cast<uLong>(raw.size()));
  std::vector<unsigned char> z(n);
  if (compress2(z.data(), &n, raw.data(), static_cast<uLong>(raw.size()), Z_DEFAULT_COMPRESSION) == Z_OK) {
    z.resize(n);
    return z;
  }
#endif
  (void)raw;
  return {};
}

inline Packed pack_bytes(const std::vector<unsigned char>& raw) {
  Packed p;
  p.raw_bytes = raw.size();
  const std::vector<unsigned char> z = deflate_bytes(raw);
  const bool deflated = !z.empty();
  const std::vector<unsigned char>& b = deflated ? z : raw;
  p.encoding = deflated ? "deflate" : "none";
  p.packed_bytes = b.size();
  p.base64 = base64(b.data(), b.size());
  return p;
}

// An SVG document (svg.hpp's, or a file a run drew) as an element of the page: the XML prolog
// dropped, and its ids (the heatmaps' colour-bar gradient is "cbar" in every one) prefixed
// with `prefix` together with their url(#...) and href="#..." references, so that two figures
// on one page never take each other's definitions.
inline std::string inline_svg(const std::string& svg, const std::string& prefix) {
  std::size_t start = svg.find("<svg");
  if (start == std::string::npos) return "";
  std::string s = svg.substr(start);
  const auto replace_all = [&s](const std::string& from, const std::string& to) {
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  };
  replace_all(" id=\"", " id=\"" + prefix + "-");
  replace_all("url(#", "url(#" + prefix + "-");
  replace_all("href=\"#", "href=\"#" + prefix + "-");
  return s;
}

// A figure: the SVG (inlined) and its caption, or, when `svg` is empty, the caption saying why
// there is no figure.
inline std::string figure(const std::string& id, const std::string& svg, const std::string& caption_html) {
  std::string o = "<figure class=\"fig\" id=\"" + html_escape(id) + "\">\n";
  if (!svg.empty()) o += inline_svg(svg, id) + "\n";
  o += "<figcaption>" + caption_html + "</figcaption>\n</figure>\n";
  return o;
}

// A box that says something is missing or worth a warning, in words.
inline std::string notice(const std::string& kind, const std::string& html) {
  return "<div class=\"notice " + kind + "\" role=\"note\">" + html + "</div>\n";
}

// One cell of a table: its HTML and, for numeric columns, what it sorts by when its text does
// not say (a count written "6,100"); otherwise the shown number (NaN's dash sorts last).
struct Cell {
  std::string html;
  bool numeric = false;
  std::string key;  // non-empty: the data-v the script sorts by
};

inline Cell text_cell(const std::string& text) { return Cell{html_escape(text), false, ""}; }
inline Cell html_cell(const std::string& html) { return Cell{html, false, ""}; }
inline Cell number_cell(double v, int decimals) { return Cell{fixed(v, decimals), true, ""}; }
inline Cell count_cell(long long n) { return Cell{count(n), true, std::to_string(n)}; }

struct Column {
  std::string title;
  bool numeric = false;
  std::string tip;  // a title attribute: what the column means
};

// A table that the script makes sortable (click a header: numbers largest first, then
// smallest first; text A to Z) and, with a filter, filterable (the rows holding every word
// typed). Without the script it is a plain table in the order given.
struct Table {
  std::string id, caption_html;
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  std::string filter_label;  // non-empty: a filter box above the table, labelled so
};

inline std::string html_table(const Table& t) {
  std::string o;
  if (!t.filter_label.empty()) {
    o += "<div class=\"filter js-only\"><label>" + html_escape(t.filter_label) + " <input type=\"search\" data-filter=\"" +
         html_escape(t.id) + "\" autocomplete=\"off\"></label> <span class=\"muted\" id=\"" + html_escape(t.id) +
         "-count\" aria-live=\"polite\">" + count(static_cast<long long>(t.rows.size())) + " rows</span></div>\n";
  }
  o += "<div class=\"table-wrap\"><table class=\"sortable\" id=\"" + html_escape(t.id) + "\">\n";
  if (!t.caption_html.empty()) o += "<caption>" + t.caption_html + "</caption>\n";
  o += "<thead><tr>";
  for (const Column& c : t.columns) {
    o += "<th scope=\"col\"" + std::string(c.numeric ? " data-type=\"num\" class=\"num\"" : "");
    if (!c.tip.empty()) o += " title=\"" + html_escape(c.tip) + "\"";
    o += ">" + html_escape(c.title) + "</th>";
  }
  o += "</tr></thead>\n<tbody>\n";
  for (const std::vector<Cell>& row : t.rows) {
    o += "<tr>";
    for (const Cell& c : row) {
      if (c.numeric) o += "<td class=\"num\"" + (c.key.empty() ? "" : " data-v=\"" + html_escape(c.key) + "\"") + ">";
      else o += "<td>";
      o += c.html + "</td>";
    }
    o += "</tr>\n";
  }
  o += "</tbody></table></div>\n";
  return o;
}

// A two-column table of names and values (settings, provenance).
inline std::string key_values(const std::vector<std::pair<std::string, std::string>>& kv, const std::string& cls = "kv") {
  std::string o = "<div class=\"table-wrap\"><table class=\"" + cls + "\"><tbody>\n";
  for (const auto& [k, v] : kv) o += "<tr><th scope=\"row\">" + html_escape(k) + "</th><td>" + v + "</td></tr>\n";
  return o + "</tbody></table></div>\n";
}

// The whole document: `nav` (links to the sections), `body` and the page's own script after
// the shared one. The generator line names the program, so a reader knows where it came from.
inline std::string page(const std::string& title, const std::string& nav_html, const std::string& body,
                        const std::string& page_script, const std::string& generator) {
  std::string o;
  o.reserve(body.size() + 32768);
  o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // Nothing on the page may come from elsewhere: said to the browser too (inline style and
  // script only, images only as data: URLs).
  o += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:\">\n";
  o += "<meta name=\"generator\" content=\"" + html_escape(generator) + "\">\n";
  o += "<link rel=\"icon\" href=\"data:,\">\n";  // else the browser asks the folder for favicon.ico
  o += "<title>" + html_escape(title) + "</title>\n<style>\n";
  o += kReportCss;
  o += "</style>\n</head>\n<body>\n";
  if (!nav_html.empty()) o += "<nav class=\"top\" aria-label=\"sections\">" + nav_html + "</nav>\n";
  o += "<main>\n" + body + "</main>\n";
  o += "<footer>" + html_escape(generator) + ". One file: it opens offline and fetches nothing.</footer>\n";
  o += "<script>\n";
  o += kReportJs;
  o += page_script;
  o += "</script>\n</body>\n</html>\n";
  return o;
}

// The links of the navigation bar: (anchor, label) pairs.
inline std::string nav_links(const std::vector<std::pair<std::string, std::string>>& links) {
  std::string o;
  for (const auto& [anchor, label] : links) o += "<a href=\"#" + html_escape(anchor) + "\">" + html_escape(label) + "</a>";
  return o;
}

// A file's size in words for the list of a folder's files ("" when it is not there).
inline std::string file_size_text(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? std::string() : bytes_text(static_cast<double>(n));
}

}  // namespace deepdiff_report
