// What a data root says beside the marks and expression tables, for the files and plots of a
// run: the genes' names and places (DATA_ROOT/genes.tsv, data/gene_table.hpp) and the bins
// (DATA_ROOT/prepare.json, written by `deepdiff prepare`). Read once per command, before
// anything is trained, so a damaged file stops a run at its start, not at its end.
#pragma once

#include <deepdiff/data/gene_table.hpp>
#include <deepdiff/io/read_file.hpp>
#include <deepdiff/train/prediction_files.hpp>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "metrics.hpp"
#include "plots.hpp"

namespace deepdiff_cli {

using namespace deepdiff;

// What a data root says beside the marks and expression tables, read once per command: the
// genes' names and places (genes.tsv) and the bins (prepare.json), for the predictions files
// and the alpha plot; with the cells' names, which the files repeat so that the sign of y
// can be read from them alone.
struct DataLabels {
  std::string cell1 = "Cell1", cell2 = "Cell2";
  std::optional<GeneTable> genes;
  BinAxis bins;

  PredictionLabels prediction_labels() const {
    PredictionLabels l;
    l.cell_a = cell1;
    l.cell_b = cell2;
    l.genes = genes ? &*genes : nullptr;
    return l;
  }
};

// prepare.json's settings.bin_size and settings.bin_order (`deepdiff prepare` writes them);
// nothing without the file. A damaged file is an error naming it: it is read before training,
// so a run never ends with a plot on a guessed axis.
inline BinAxis read_bin_axis(const std::string& data_root) {
  const std::string path = (std::filesystem::path(data_root) / "prepare.json").string();
  BinAxis a;
  if (!file_exists(path)) return a;
  try {
    const Json j = Json::parse(read_file(path));
    const Json& st = j.at("settings");
    const double size = st.at("bin_size").get<double>();
    if (!(size > 0)) throw std::invalid_argument("settings.bin_size is not positive");
    a.bin_size = size;
    a.bin_order = st.value("bin_order", std::string());
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": not the prepare.json of deepdiff prepare (" + e.what() + ")");
  }
  return a;
}

inline DataLabels read_data_labels(const std::string& data_root, const std::string& cell1, const std::string& cell2) {
  DataLabels d;
  d.cell1 = cell1;
  d.cell2 = cell2;
  d.genes = read_gene_table(data_root);
  d.bins = read_bin_axis(data_root);
  return d;
}

}  // namespace deepdiff_cli
