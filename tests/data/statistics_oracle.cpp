// The library's statistics (data/statistics.hpp) and calibration figures (data/metrics.hpp) on
// tables given on stdin, as JSON lines on stdout, for tests/data/test_statistics_reference.py to
// compare with scipy and numpy.
// Input, whitespace-separated, one request after another:
//   bootstrap SEED R N  pred[N] target[N]          -> {"kind":"bootstrap",estimate,lo,hi,resamples}
//   paired SEED R N  m[N] n[N] target[N]            -> {"kind":"paired",delta,lo,hi,p,resamples}
//   indices SEED R N                                -> {"kind":"indices","idx":[[...],...]}
//   wilcoxon N  m[N] n[N]                           -> {"kind":"wilcoxon",statistic,p,n}
//   holm N  p[N] (nan allowed)                      -> {"kind":"holm","p":[...]}
//   scores N MEAN  pred[N] target[N]                -> {"kind":"scores",spearman,r2,slope,mse_train_mean,
//                                                       sd_prediction,sd_target}
#include <deepdiff/data/statistics.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

std::string num(double v) {
  if (std::isnan(v)) return "null";
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

std::vector<double> read(std::size_t n) {
  std::vector<double> v(n);
  for (double& x : v) {
    std::string s;
    std::cin >> s;
    x = s == "nan" ? std::nan("") : std::stod(s);
  }
  return v;
}

}  // namespace

int main() {
  std::string kind;
  while (std::cin >> kind) {
    if (kind == "bootstrap" || kind == "paired" || kind == "indices") {
      unsigned long long seed = 0;
      int R = 0;
      std::size_t n = 0;
      std::cin >> seed >> R >> n;
      if (kind == "indices") {
        const auto idx = deepdiff::bootstrap_indices(static_cast<deepdiff::Index>(n), R, seed);
        std::cout << "{\"kind\":\"indices\",\"idx\":[";
        for (std::size_t r = 0; r < idx.size(); ++r) {
          std::cout << (r ? ",[" : "[");
          for (std::size_t i = 0; i < idx[r].size(); ++i) std::cout << (i ? "," : "") << idx[r][i];
          std::cout << "]";
        }
        std::cout << "]}\n";
      } else if (kind == "bootstrap") {
        const std::vector<double> p = read(n), y = read(n);
        const deepdiff::Interval i = deepdiff::bootstrap_pcc(p, y, seed, R);
        std::cout << "{\"kind\":\"bootstrap\",\"estimate\":" << num(i.estimate) << ",\"lo\":" << num(i.lo)
                  << ",\"hi\":" << num(i.hi) << ",\"resamples\":" << i.resamples << "}\n";
      } else {
        const std::vector<double> a = read(n), b = read(n), y = read(n);
        const deepdiff::PairedDelta d = deepdiff::paired_bootstrap_delta(a, b, y, seed, R);
        std::cout << "{\"kind\":\"paired\",\"delta\":" << num(d.delta) << ",\"lo\":" << num(d.lo) << ",\"hi\":" << num(d.hi)
                  << ",\"p\":" << num(d.p) << ",\"resamples\":" << d.resamples << "}\n";
      }
    } else if (kind == "wilcoxon") {
      std::size_t n = 0;
      std::cin >> n;
      const std::vector<double> a = read(n), b = read(n);
      const deepdiff::SignedRank w = deepdiff::wilcoxon_greater(a, b);
      std::cout << "{\"kind\":\"wilcoxon\",\"statistic\":" << num(w.statistic) << ",\"p\":" << num(w.p)
                << ",\"n\":" << w.n << "}\n";
    } else if (kind == "holm") {
      std::size_t n = 0;
      std::cin >> n;
      const std::vector<double> h = deepdiff::holm(read(n));
      std::cout << "{\"kind\":\"holm\",\"p\":[";
      for (std::size_t i = 0; i < h.size(); ++i) std::cout << (i ? "," : "") << num(h[i]);
      std::cout << "]}\n";
    } else if (kind == "scores") {
      std::size_t n = 0;
      std::string mean;
      std::cin >> n >> mean;
      const std::vector<double> p = read(n), y = read(n);
      const deepdiff::PredictionScores s = deepdiff::prediction_scores(p, y, std::stod(mean));
      std::cout << "{\"kind\":\"scores\",\"spearman\":" << num(s.spearman) << ",\"r2\":" << num(s.r2)
                << ",\"slope\":" << num(s.slope) << ",\"mse_train_mean\":" << num(s.mse_train_mean)
                << ",\"sd_prediction\":" << num(s.sd_prediction) << ",\"sd_target\":" << num(s.sd_target) << "}\n";
    } else {
      std::cerr << "statistics_oracle: unknown request '" << kind << "'\n";
      return 2;
    }
  }
  return 0;
}
