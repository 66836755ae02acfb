// Tests of examples/common/plots.hpp: the plots of a run say what they show (beta as where the
// model looked), keep loss and PCC on separate axes, and label alpha's bins in kb from the bin
// size prepare recorded (or say that 100 bp is assumed).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "common/plots.hpp"
#include "svg_checks.hpp"

using namespace deepdiff_cli;
using namespace svg_checks;

namespace {

Predictions attention_of(Index genes, Index channels, Index bins) {
  Predictions p;
  p.beta = Tensor<float>(Shape{genes, channels});
  p.alpha = Tensor<float>(Shape{genes, channels, bins});
  for (Index g = 0; g < genes; ++g) {
    p.pred.push_back(0.1 * static_cast<double>(g));
    p.target.push_back(static_cast<double>(g) - 1.5);
    for (Index k = 0; k < channels; ++k) {
      p.beta(g, k) = 1.0f / static_cast<float>(channels);
      for (Index t = 0; t < bins; ++t) p.alpha(g, k, t) = 1.0f / static_cast<float>(bins);
    }
  }
  return p;
}

}  // namespace

TEST_CASE("curves_svg: loss and PCC in two panels, each on its own axis", "[programs][plots]") {
  std::vector<EpochRecord> h;
  for (int e = 1; e <= 5; ++e) {
    EpochRecord r;
    r.epoch = e;
    r.train_loss = 30.0 / e;  // a loss far above 1: on a shared axis the PCC lines were flat
    r.train_pcc = 0.1 * e;
    r.valid_pcc = 0.08 * e;
    h.push_back(r);
  }
  const std::string svg = curves_svg(h, "raw_d");
  check_svg(svg);
  CHECK(contains(svg, "Training of raw_d"));
  const std::size_t second = svg.find("<g transform=\"translate(0 336)\">");
  REQUIRE(second != std::string::npos);
  const std::string loss = svg.substr(0, second), pcc = svg.substr(second);
  CHECK(contains(loss, "train loss"));
  CHECK_FALSE(contains(loss, "valid PCC"));
  CHECK(contains(loss, ">30<"));  // the loss axis reaches the loss
  CHECK(contains(pcc, "train PCC"));
  CHECK(contains(pcc, "valid PCC"));
  CHECK_FALSE(contains(pcc, "train loss"));
  CHECK_FALSE(contains(pcc, ">30<"));  // the PCC axis does not
  CHECK(contains(pcc, ">epoch<"));
}

TEST_CASE("beta_svg: the title says beta is where the model looked", "[programs][plots]") {
  const Predictions p = attention_of(4, 2, 3);
  const std::string svg = beta_svg({"A.H3K4me3", "B.H3K4me3"}, p);
  check_svg(svg);
  CHECK(contains(svg, "Level-2 attention (beta): where the model looked, by mark"));
  CHECK_FALSE(contains(svg, "mattered"));
}

TEST_CASE("alpha_svg: bins in kb from prepare.json's bin size, or 100 bp said to be assumed", "[programs][plots]") {
  const Predictions p = attention_of(2, 1, 4);
  // no prepare.json: 100 bp, and the label says so
  std::string svg = alpha_svg({"D.H3K4me3"}, p, BinAxis());
  check_svg(svg);
  CHECK(contains(svg, "assumed 100 bp bins: no prepare.json"));
  CHECK(contains(svg, ">-0.2<"));
  CHECK(contains(svg, ">+0.1<"));
  // prepare's 250 bp, strand-oriented bins
  BinAxis b;
  b.bin_size = 250;
  b.bin_order = "strand";
  svg = alpha_svg({"D.H3K4me3"}, p, b);
  check_svg(svg);
  CHECK(contains(svg, "250 bp bins from prepare.json; &lt; 0 is upstream)"));
  CHECK_FALSE(contains(svg, "assumed"));
  CHECK(contains(svg, ">-0.50<"));  // bin 0 of 4 starts 2 bins = 500 bp upstream
  CHECK(contains(svg, ">+0.25<"));
  // 25 bp in genomic order: three decimals, and - strand genes are mirrored
  b.bin_size = 25;
  b.bin_order = "genomic";
  svg = alpha_svg({"D.H3K4me3"}, p, b);
  CHECK(contains(svg, ">-0.050<"));
  CHECK(contains(svg, ">+0.025<"));
  CHECK(contains(svg, "bins in genomic order: &lt; 0 is upstream only for + strand genes"));
}

TEST_CASE("kb_decimals: the decimals that show every multiple of the bin size", "[programs][plots]") {
  CHECK(kb_decimals(0.1) == 1);
  CHECK(kb_decimals(0.025) == 3);
  CHECK(kb_decimals(0.25) == 2);
  CHECK(kb_decimals(1.0) == 0);
  CHECK(kb_decimals(2.0) == 0);
}
