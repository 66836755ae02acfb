// SAVE_ROOT/report.html of a deepdiff-pairs study: the page a reader opens instead of the
// hundreds of run folders. `deepdiff-pairs` writes it at the end of a study and of a merge,
// `deepdiff-pairs report SAVE_ROOT` again for any study folder.
//
// It shows the results table (pairs x models, test PCC) and every run with a link to that
// run's own page (RUN/report.html, written first where the run has none: an earlier
// version's study), the comparison table (DeepDiff against the baselines, intervals, tests)
// when the study has one, the summary figure and, per pair, the attention summary. Links are
// relative, so the folder can be zipped and moved. What is missing (runs not finished,
// failed, or their folders not found; a figure not drawn) is said on the page, not an error.
#pragma once

#include <deepdiff/io/csv.hpp>
#include <deepdiff/io/read_file.hpp>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "../report.hpp"
#include "../report_html.hpp"
#include "pairs.hpp"
#include "results.hpp"

namespace deepdiff_study {

namespace study_page_detail {

namespace fs = std::filesystem;
using deepdiff_report::html_escape;

// The figure of `file` under the study folder, or a caption saying it is not there.
inline std::string svg_figure(const fs::path& root, const std::string& file, const std::string& id,
                              const std::string& caption) {
  const fs::path p = root / file;
  std::string svg;
  if (deepdiff::file_exists(p.string())) svg = deepdiff::read_file(p.string());
  return deepdiff_report::figure(id, svg,
                                 svg.empty() ? html_escape(caption) + " <em>(not drawn: " + html_escape(file) +
                                                   " is not in the study folder)</em>"
                                             : html_escape(caption));
}

// A CSV file of the study folder as a sortable table, every column as written (numbers sort
// as numbers); empty when the file is absent.
inline std::string csv_file_table(const fs::path& path, const std::string& id, const std::string& caption) {
  if (!deepdiff::file_exists(path.string())) return "";
  const deepdiff::CsvTable t = deepdiff::read_csv_table(path.string(), deepdiff::read_file(path.string()));
  deepdiff_report::Table tab;
  tab.id = id;
  tab.caption_html = html_escape(caption);
  tab.filter_label = "Filter rows:";
  // A column is numeric when every field reads as a number (or is empty), whole when every
  // number is an integer (seeds, counts: no decimals shown).
  std::vector<bool> numeric(t.header.size(), true), whole(t.header.size(), true);
  for (const auto& row : t.rows)
    for (std::size_t c = 0; c < row.size(); ++c) {
      double v = 0;
      if (!row[c].empty() && !parse_double(row[c], v)) numeric[c] = false;
      else if (!row[c].empty() && std::isfinite(v) && v != std::floor(v)) whole[c] = false;
    }
  for (std::size_t c = 0; c < t.header.size(); ++c) tab.columns.push_back({t.header[c], numeric[c], ""});
  for (const auto& row : t.rows) {
    std::vector<deepdiff_report::Cell> cells;
    for (std::size_t c = 0; c < row.size(); ++c) {
      double v = 0;
      if (numeric[c] && parse_double(row[c], v)) cells.push_back(deepdiff_report::number_cell(v, whole[c] ? 0 : 4));
      else cells.push_back(deepdiff_report::text_cell(row[c]));
    }
    tab.rows.push_back(std::move(cells));
  }
  return deepdiff_report::html_table(tab);
}

}  // namespace study_page_detail

// Writes OUT/report.html for the study whose rows are `rows` (each run's folder under its
// row's source_root, else under `out`), `source` the line that says where the data came from.
// Run pages that are missing are written first (a run whose page cannot be written is named
// on the study page instead). Returns the page's path.
inline std::string write_study_report(const std::string& out, const std::vector<Row>& rows, const std::string& source,
                                      const std::string& generator, std::ostream& log) {
  namespace fs = std::filesystem;
  using namespace deepdiff_report;
  using study_page_detail::csv_file_table;
  using study_page_detail::svg_figure;
  const fs::path root(out);
  const std::vector<std::string> pairs = pairs_of(rows), variants = variants_of(rows);
  const Tally tl = tally(rows);

  std::string body = "<h1>DeepDiff study: " + count(static_cast<long long>(pairs.size())) + " cell pair" +
                     (pairs.size() == 1 ? "" : "s") + " x " + count(static_cast<long long>(variants.size())) + " model" +
                     (variants.size() == 1 ? "" : "s") + "</h1>\n";
  body += "<p>" + html_escape(source) + "</p>\n";
  body += "<p>Each run predicts y = log2((e<sub>B</sub> + 1) / (e<sub>A</sub> + 1)) of its pair's test genes; its score is "
          "the Pearson correlation (PCC) of the predicted with the true y. The epoch with the best validation PCC is "
          "kept.</p>\n";
  body += "<p>Runs: " + count(static_cast<long long>(rows.size())) + " (" + count(tl.ok) + " ok, " + count(tl.pending) +
          " pending, " + count(tl.missing) + " missing data, " + count(tl.errors) + " failed).</p>\n";
  if (tl.ok < static_cast<int>(rows.size()))
    body += notice("warn", "Not every run is finished: the tables below leave the unfinished runs' scores empty, "
                           "and their pages are missing. The status column says why.");

  // Pairs x models, as results.md has it.
  body += "<section id=\"results\"><h2>Test PCC per pair and model</h2>\n";
  {
    Table t;
    t.id = "pcc-table";
    t.caption_html = "Mean test PCC over seeds (&plusmn; sd where there are several); &ndash; where no run finished.";
    t.columns.push_back({"pair", false, ""});
    t.columns.push_back({"cells", false, ""});
    for (const std::string& v : variants) t.columns.push_back({v, true, ""});
    for (const std::string& p : pairs) {
      std::vector<Cell> cells = {text_cell(p), text_cell("")};
      for (const Row& r : rows)
        if (r.pair == p) cells[1] = text_cell(r.cells);
      for (const std::string& v : variants) {
        const std::vector<double> x = test_pccs(rows, p, v);
        Cell c = number_cell(x.empty() ? std::nan("") : mean_of(x), 4);
        if (x.size() > 1) c.html += " &plusmn; " + fixed(sd_of(x), 4);
        cells.push_back(c);
      }
      t.rows.push_back(std::move(cells));
    }
    body += html_table(t);
  }
  body += svg_figure(root, "summary_test_pcc.svg", "summary", "Test PCC per pair (groups) and model (bars).");
  body += "</section>\n";

  // Every run, with its page.
  body += "<section id=\"runs\"><h2>Every run</h2>\n";
  std::vector<std::string> unreadable;
  {
    Table t;
    t.id = "run-table";
    t.filter_label = "Filter runs:";
    t.caption_html = "One row per run; its page has the training curves, the test scatter, the attention and a gene lookup.";
    t.columns = {{"pair", false, ""},      {"variant", false, ""},  {"seed", true, ""},
                 {"best epoch", true, ""}, {"valid PCC", true, ""}, {"test PCC", true, ""},
                 {"test MSE", true, ""},   {"status", false, ""},   {"page", false, ""}};
    for (const Row& r : rows) {
      const fs::path dir = run_dir(r.source_root.empty() ? out : r.source_root, r.pair, r.variant, r.seed());
      const fs::path page_path = dir / "report.html";
      std::string link;
      if (deepdiff::file_exists((dir / "metrics.json").string())) {
        if (!deepdiff::file_exists(page_path.string())) {
          try {
            deepdiff_report::write_run_report(dir.string(), "", generator);
          } catch (const std::exception& e) {
            unreadable.push_back(dir.string() + ": " + e.what());
          }
        }
        if (deepdiff::file_exists(page_path.string()))
          link = "<a href=\"" + html_escape(page_path.lexically_relative(root).generic_string()) + "\">report</a>";
      }
      if (link.empty())
        link = "<span class=\"muted\">" +
               std::string(r.ok() ? "none: no metrics.json in " + html_escape(dir.string()) + " (moved or deleted?)"
                                  : "none: not finished") +
               "</span>";
      t.rows.push_back({text_cell(r.pair), text_cell(r.variant), count_cell(static_cast<long long>(r.seed())),
                        r.best_epoch > 0 ? count_cell(r.best_epoch) : number_cell(std::nan(""), 0),
                        number_cell(r.valid_pcc, 4), number_cell(r.test_pcc, 4), number_cell(r.test_mse, 4),
                        text_cell(r.status), html_cell(link)});
    }
    body += html_table(t);
  }
  for (const std::string& u : unreadable) body += notice("warn", "No page for " + html_escape(u));
  body += "</section>\n";

  // DeepDiff against the baselines, when the study has both.
  const std::string comparisons = csv_file_table(root / "comparisons.csv", "comparison-table",
                                                 "Every DeepDiff variant against every baseline (comparisons.csv): the "
                                                 "difference in test PCC with its bootstrap interval and tests.");
  body += "<section id=\"comparisons\"><h2>DeepDiff against the baselines</h2>\n";
  body += comparisons.empty() ? notice("info", "No comparisons.csv: the study has no variant and baseline on the same pair "
                                               "(or it is a shard; merge the shards).")
                              : comparisons;
  body += "</section>\n";

  body += "<section id=\"attention\"><h2>Attention per pair</h2>\n<p>Each mark's mean share of the level-2 attention "
          "(&beta;: where the models looked) over the test genes, for all, up- and down-regulated genes.</p>\n";
  for (const std::string& p : pairs)
    body += svg_figure(root, p + "/attention_summary.svg", "attention-" + p, "Attention summary of " + p + ".");
  body += "</section>\n";

  const std::string nav =
      nav_links({{"results", "Results"}, {"runs", "Runs"}, {"comparisons", "Baselines"}, {"attention", "Attention"}});
  const std::string path = (root / "report.html").string();
  deepdiff::write_file_atomic(path, page("DeepDiff study", nav, body, "", generator));
  if (!unreadable.empty()) log << "deepdiff-pairs: " << unreadable.size() << " run page(s) could not be written (see " << path << ")\n";
  return path;
}

}  // namespace deepdiff_study
