// Tests of examples/common/report.hpp and report_html.hpp, the C++ half of report.html: the run
// folder is read by column names and gene ids (whatever the files' order), what is missing
// becomes a note instead of an error, the embedded data cannot end its <script> element, and
// the packed profiles decode (as the page's script does) to the values within half a step.
// The page itself, in a browser: tests/browser/test_report.py.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/report.hpp"
#include "test_helpers.hpp"

using namespace deepdiff_report;
using deepdiff_test::TempDir;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The metrics.json of a finished 2-epoch run of 3 test genes, as RunMetrics writes it.
std::string metrics_text(bool complete, bool with_test) {
  deepdiff_cli::RunMetrics m;
  m.complete = complete;
  m.settings.data_root = "/nonexistent/data_root";
  m.settings.cell1 = "K562";
  m.settings.cell2 = "H1";
  m.settings.model_name = "raw_c";
  m.settings.train.epochs = 2;
  m.settings.bins = 4;
  m.settings.marks = 5;
  m.settings.train_genes = 6;
  m.settings.valid_genes = 3;
  m.settings.test_genes = 3;
  m.best_epoch = 2;
  m.best_valid_pcc = 0.5;
  for (int e = 1; e <= 2; ++e) {
    deepdiff::EpochRecord r;
    r.epoch = e;
    r.train_loss = 3.0 / e;
    r.train_pcc = 0.2 * e;
    r.valid_pcc = 0.25 * e;
    m.epochs.push_back(r);
  }
  if (with_test) {
    deepdiff_cli::TestScores t;
    t.pcc = 0.9;
    t.mse = 0.1;
    t.genes = 3;
    m.test = t;
  }
  return deepdiff_cli::json_text(m);
}

// A run folder: predictions with a comment line, beta and alpha with the genes in another order.
void write_run(const TempDir& d) {
  d.write("metrics.json", metrics_text(true, true));
  d.write("predictions.csv",
          "# target = y = log2((e_B + 1) / (e_A + 1)), A = K562, B = H1\n"
          "gene_id,prediction,target,residual\n"
          "G1,1.5,2,-0.5\n"
          "G2,-0.25,-3,2.75\n"
          "G3,0.125,0,0.125\n");
  d.write("attention_beta.csv",
          "gene_id,A.H3K4me3,B.H3K4me3\n"
          "G3,0.3,0.7\n"
          "G1,0.9,0.1\n"
          "G2,0.5,0.5\n");
  std::string alpha = "gene_id,channel,bin_1,bin_2,bin_3,bin_4\n";
  for (const char* g : {"G2", "G1", "G3"})
    for (const char* c : {"A.H3K4me3", "B.H3K4me3"})
      alpha += std::string(g) + "," + c + ",0.1,0.2,0.3,0.4\n";
  alpha.replace(alpha.find("G1,A.H3K4me3,0.1,0.2,0.3,0.4"), 28, "G1,A.H3K4me3,0.7,0.1,0.1,0.1");
  d.write("attention_alpha.csv", alpha);
}

// What the page's script does with a block: bytes back to values (report_assets.hpp, row()).
std::vector<double> decode_row(const std::vector<unsigned char>& bytes, const Json& part, std::size_t r, std::size_t T) {
  const auto f32 = [&](std::size_t at) {
    float v = 0;
    std::memcpy(&v, &bytes[at], 4);  // the test machine is little-endian, as the page assumes
    return static_cast<double>(v);
  };
  const long lo_at = part["lo"].get<long>();
  const double lo = lo_at >= 0 ? f32(static_cast<std::size_t>(lo_at) + 4 * r) : 0.0;
  const double step = f32(part["step"].get<std::size_t>() + 4 * r);
  const bool nibbles = part["bits"].get<int>() == 4, delta = part["delta"].get<bool>();
  const std::size_t q0 = part["q"].get<std::size_t>();
  std::vector<double> out;
  int q = 0;
  for (std::size_t t = 0; t < T; ++t) {
    const std::size_t i = r * T + t;
    const int b = nibbles ? (bytes[q0 + i / 2] >> (4 * (i % 2))) & 15 : bytes[q0 + i];
    q = delta ? (q + b) & (nibbles ? 15 : 255) : b;
    out.push_back(lo + q * step);
  }
  return out;
}

}  // namespace

TEST_CASE("report html: escaping, base64, JSON that cannot close its script element", "[programs][report]") {
  CHECK(html_escape("<a href=\"x\">R&D's</a>") == "&lt;a href=&quot;x&quot;&gt;R&amp;D&apos;s&lt;/a&gt;");
  const unsigned char foobar[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  CHECK(base64(foobar, 0).empty());
  CHECK(base64(foobar, 1) == "Zg==");
  CHECK(base64(foobar, 2) == "Zm8=");
  CHECK(base64(foobar, 3) == "Zm9v");
  CHECK(base64(foobar, 6) == "Zm9vYmFy");
  const std::string j = script_json(Json{{"id", "</script><script>alert(1)</script>"}, {"a&b", 1}});
  CHECK_FALSE(contains(j, "<"));
  CHECK_FALSE(contains(j, "&"));
  CHECK(Json::parse(j)["id"] == "</script><script>alert(1)</script>");  // the same string, read back
  CHECK(fixed(-0.0001, 3) == "0.000");
  CHECK(fixed(NAN, 3) == "\u2013");
  CHECK(count(6100) == "6,100");
  CHECK(count(-1234567) == "-1,234,567");
}

TEST_CASE("report html: inlined SVG keeps its ids to itself", "[programs][report]") {
  const std::string svg =
      "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><defs><linearGradient id=\"cbar\"/></defs>"
      "<rect fill=\"url(#cbar)\"/><use href=\"#cbar\"/></svg>";
  const std::string a = inline_svg(svg, "fig-a"), b = inline_svg(svg, "fig-b");
  CHECK(a.rfind("<svg", 0) == 0);  // no XML prolog inside HTML
  CHECK(contains(a, "id=\"fig-a-cbar\""));
  CHECK(contains(a, "url(#fig-a-cbar)"));
  CHECK(contains(a, "href=\"#fig-a-cbar\""));
  CHECK_FALSE(contains(a, "\"cbar\""));
  CHECK(contains(b, "url(#fig-b-cbar)"));
  CHECK(inline_svg("not an svg", "x").empty());
}

TEST_CASE("report html: a table sorts by what it shows, counts by their number", "[programs][report]") {
  Table t;
  t.id = "t";
  t.filter_label = "Filter:";
  t.columns = {{"name", false, "the name"}, {"value", true, ""}, {"n", true, ""}};
  t.rows = {{text_cell("<b>"), number_cell(1.23456, 2), count_cell(6100)}};
  const std::string h = html_table(t);
  CHECK(contains(h, "data-filter=\"t\""));
  CHECK(contains(h, "<th scope=\"col\" data-type=\"num\" class=\"num\">value</th>"));
  CHECK(contains(h, "<td>&lt;b&gt;</td>"));
  CHECK(contains(h, "<td class=\"num\">1.23</td>"));
  CHECK(contains(h, "<td class=\"num\" data-v=\"6100\">6,100</td>"));
}

TEST_CASE("report: quantized rows decode within half a step, counts exactly", "[programs][report]") {
  using namespace deepdiff_report::run_detail;
  const std::size_t T = 7;
  const std::vector<float> alpha = {0.0f, 0.1f, 0.5f, 0.25f, 0.05f, 0.05f, 0.05f,   // a peaked row
                                    0.2f, 0.1f, 0.2f, 0.1f,  0.2f,  0.1f,  0.1f};   // a flat one
  for (int levels : {255, 63, 15}) {
    std::vector<unsigned char> bytes;
    const Json part = block_layout(quantize_rows(alpha, T, levels, true, false), true, levels, bytes);
    CHECK(part["bits"] == (levels <= 15 ? 4 : 8));
    for (std::size_t r = 0; r < 2; ++r) {
      double max = 0;
      for (std::size_t t = 0; t < T; ++t) max = std::max(max, static_cast<double>(alpha[r * T + t]));
      const std::vector<double> back = decode_row(bytes, part, r, T);
      for (std::size_t t = 0; t < T; ++t) CHECK(std::fabs(back[t] - alpha[r * T + t]) <= 0.5 * max / levels + 1e-7);
    }
  }
  const std::vector<float> counts = {0, 3, 255, 1, 0, 7, 2, /* a row past 255, and one below 0 */ 0, 1000, 10, 0, 0, 0, 1,
                                     -2, 0, 1, 0, 3, 0, 0};
  std::vector<unsigned char> bytes;
  const Json part = block_layout(quantize_rows(counts, T, 255, false, true), false, 255, bytes);
  const std::vector<double> exact = decode_row(bytes, part, 0, T);
  for (std::size_t t = 0; t < T; ++t) CHECK(exact[t] == counts[t]);
  for (std::size_t r = 1; r < 3; ++r) {
    const std::vector<double> back = decode_row(bytes, part, r, T);
    double lo = 0, hi = 0;
    for (std::size_t t = 0; t < T; ++t) lo = std::min(lo, double(counts[r * T + t])), hi = std::max(hi, double(counts[r * T + t]));
    for (std::size_t t = 0; t < T; ++t) CHECK(std::fabs(back[t] - counts[r * T + t]) <= 0.5 * (hi - lo) / 255 + 1e-4);
  }
}

#ifdef DEEPDIFF_REPORT_ZLIB
TEST_CASE("report: packed bytes are zlib's deflate format, as DecompressionStream reads it", "[programs][report]") {
  std::vector<unsigned char> raw(100000);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<unsigned char>((i * 7) % 13);
  const Packed p = pack_bytes(raw);
  REQUIRE(p.encoding == "deflate");
  CHECK(p.packed_bytes < raw.size() / 10);
  const std::vector<unsigned char> z = deflate_bytes(raw);
  std::vector<unsigned char> back(raw.size());
  uLongf n = static_cast<uLongf>(back.size());
  REQUIRE(uncompress(back.data(), &n, z.data(), static_cast<uLong>(z.size())) == Z_OK);
  CHECK(n == raw.size());
  CHECK(back == raw);
}
#endif

TEST_CASE("report: a run folder read by column names and gene ids", "[programs][report]") {
  const TempDir d("deepdiff_report");
  write_run(d);
  const RunFolder f = read_run_folder(d.path);
  REQUIRE(f.m);
  CHECK(f.cell1() == "K562");
  CHECK(f.ids == std::vector<std::string>{"G1", "G2", "G3"});
  CHECK(f.pred == std::vector<double>{1.5, -0.25, 0.125});
  CHECK(f.target == std::vector<double>{2, -3, 0});
  REQUIRE(f.beta_names == std::vector<std::string>{"A.H3K4me3", "B.H3K4me3"});
  CHECK(f.beta[0] == Approx(0.9f));  // G1's row, though the file lists G3 first
  CHECK(f.beta[5] == Approx(0.7f));  // G3, channel B
  REQUIRE(f.bins == 4);
  REQUIRE(f.alpha_names.size() == 2);
  CHECK(f.alpha[0] == Approx(0.7f));  // G1 A, bin 1
  CHECK(f.alpha[2 * 4 + 0] == Approx(0.1f));  // G2 A, bin 1
  // The data root is gone: a note, no signals, 100 bp assumed.
  CHECK(f.signal.empty());
  CHECK(f.data_root.empty());
  bool said = false;
  for (const std::string& n : f.notes) said = said || contains(n, "/nonexistent/data_root");
  CHECK(said);

  const std::string path = write_run_report(d.path, "", "deepdiff test");
  CHECK(path == d.file("report.html"));
  const std::string html = deepdiff::read_file(path);
  CHECK(contains(html, "<h1>raw_c: K562 \u2192 H1</h1>"));
  CHECK(contains(html, "id=\"run-data\""));
  CHECK(contains(html, "id=\"run-alpha\""));
  CHECK_FALSE(contains(html, "id=\"run-signal\""));  // no data root, no signals
  for (const char* fig : {"fig-curves", "fig-scatter", "fig-beta", "fig-alpha"})
    CHECK(contains(html, std::string("<figure class=\"fig\" id=\"") + fig + "\">\n<svg"));
  CHECK(contains(html, "<td>G2</td>"));
  CHECK(contains(html, "Written by deepdiff test"));
  // Nothing to fetch: no src, no external style sheet, no URL but the SVG namespace.
  CHECK_FALSE(contains(html, " src="));
  CHECK_FALSE(contains(html, "<link rel=\"stylesheet\""));
  std::size_t at = 0, urls = 0;
  while ((at = html.find("http", at)) != std::string::npos) {
    if (html.compare(at, 26, "http://www.w3.org/2000/svg") != 0 && html.compare(at, 10, "http-equiv") != 0) ++urls;
    at += 4;
  }
  CHECK(urls == 0);
  const Json data = Json::parse(html.substr(html.find("id=\"run-data\">") + 14,
                                            html.find("</script>", html.find("id=\"run-data\"")) - html.find("id=\"run-data\">") - 14));
  CHECK(data["genes"]["id"] == Json::array({"G1", "G2", "G3"}));
  CHECK(data["genes"]["pred"][2].get<double>() == Approx(0.125));
  CHECK(data["profiles"]["tss_bin"] == 2);
}

TEST_CASE("report: a run still training, an older run and missing files give a page", "[programs][report]") {
  SECTION("still training: metrics only, not complete") {
    const TempDir d("deepdiff_report");
    d.write("metrics.json", metrics_text(false, false));
    const RunFolder f = read_run_folder(d.path);
    CHECK(f.ids.empty());
    const std::string html = run_report_html(f);
    CHECK(contains(html, "This run has not finished"));
    CHECK(contains(html, "No test predictions yet"));
    CHECK(contains(html, "id=\"fig-curves\">\n<svg"));  // the epochs so far
    CHECK_FALSE(contains(html, "id=\"run-data\""));
  }
  SECTION("an older run: no provenance, no alpha, predictions without a comment line") {
    const TempDir d("deepdiff_report");
    write_run(d);
    std::filesystem::remove(d.file("attention_alpha.csv"));
    d.write("predictions.csv", "gene_id,prediction,target\nG1,1,2\nG2,0,1\nG3,2,2\n");
    const std::string html = run_report_html(read_run_folder(d.path));
    CHECK(contains(html, "records no provenance"));
    CHECK(contains(html, "attention_alpha.csv</code> is missing"));
    CHECK(contains(html, "No \u03b1: the run has no attention_alpha.csv"));
    CHECK(contains(html, "id=\"run-data\""));
  }
  SECTION("damaged files are notes, not errors") {
    const TempDir d("deepdiff_report");
    write_run(d);
    d.write("attention_beta.csv", "gene_id,A\nG1,0.5,0.5\n");
    d.write("attention_alpha.csv", "not,a,header\n");
    const RunFolder f = read_run_folder(d.path);
    CHECK(f.beta_names.empty());
    CHECK(f.alpha_names.empty());
    const std::string html = run_report_html(f);
    CHECK(contains(html, "attention_beta.csv</code> could not be read"));
    CHECK(contains(html, "attention_alpha.csv</code> could not be read"));
  }
}

TEST_CASE("report: a folder without metrics.json is not a run", "[programs][report]") {
  const TempDir d("deepdiff_report");
  CHECK_THROWS_WITH(read_run_folder(d.path), Catch::Contains(d.path) && Catch::Contains("no metrics.json"));
  CHECK_THROWS_WITH(read_run_folder(d.file("absent")), Catch::Contains("not a folder"));
  d.write("metrics.json", "{\"complete\": tru");
  CHECK_THROWS_WITH(read_run_folder(d.path), Catch::Contains(d.file("metrics.json")));
}
