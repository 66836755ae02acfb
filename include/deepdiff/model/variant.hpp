// The seven DeepDiff variants (code names of the public implementation) and the sizes that
// define a model, as in Sekhon, Singh & Qi (Bioinformatics 2018); docs/architecture.md lists them.
#pragma once

#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

enum class Variant { raw_d, raw_c, raw, aux, raw_aux, aux_siamese, raw_aux_siamese };

inline const std::array<Variant, 7>& all_variants() {
  static const std::array<Variant, 7> v = {Variant::raw_d,   Variant::raw_c,       Variant::raw,
                                           Variant::aux,     Variant::raw_aux,     Variant::aux_siamese,
                                           Variant::raw_aux_siamese};
  return v;
}

inline std::string variant_name(Variant v) {
  switch (v) {
    case Variant::raw_d: return "raw_d";
    case Variant::raw_c: return "raw_c";
    case Variant::raw: return "raw";
    case Variant::aux: return "aux";
    case Variant::raw_aux: return "raw_aux";
    case Variant::aux_siamese: return "aux_siamese";
    case Variant::raw_aux_siamese: return "raw_aux_siamese";
  }
  return "?";
}

inline Variant parse_variant(const std::string& s) {
  for (Variant v : all_variants())
    if (variant_name(v) == s) return v;
  throw std::invalid_argument("unknown model name '" + s +
                              "' (expected raw_d, raw_c, raw, aux, raw_aux, aux_siamese or raw_aux_siamese)");
}

// The study's baselines (spec, "Baselines"), first-class models beside the seven variants:
// `deepdiff train --model-name` and checkpoints (meta "model") know them by these names.
inline const std::vector<std::string>& baseline_names() {
  static const std::vector<std::string> v = {"ridge", "xgboost", "deepchrome", "attentivechrome_diff"};
  return v;
}
inline bool is_baseline_name(const std::string& s) {
  for (const std::string& b : baseline_names())
    if (b == s) return true;
  return false;
}
inline bool is_variant_name(const std::string& s) {
  for (Variant v : all_variants())
    if (variant_name(v) == s) return true;
  return false;
}
// Every model name: the seven variants, then the baselines.
inline std::vector<std::string> model_names() {
  std::vector<std::string> v;
  for (Variant x : all_variants()) v.push_back(variant_name(x));
  for (const std::string& b : baseline_names()) v.push_back(b);
  return v;
}
inline std::string model_names_text() {
  std::string t;
  for (const std::string& n : model_names()) t += (t.empty() ? "" : ", ") + n;
  return t;
}
// Throws std::invalid_argument naming the known models unless `s` is one of them.
inline const std::string& check_model_name(const std::string& s) {
  if (!is_variant_name(s) && !is_baseline_name(s))
    throw std::invalid_argument("unknown model name '" + s + "' (known: " + model_names_text() + ")");
  return s;
}

// Models with attention write attention_beta.csv / attention_alpha.csv: the seven variants
// and attentivechrome_diff (one attention per cell); ridge, xgboost and deepchrome have none.
inline bool model_has_attention(const std::string& name) {
  return is_variant_name(name) || name == "attentivechrome_diff";
}
// The models with a level-1 hidden size (--hidden): the LSTM models. ridge, xgboost and
// deepchrome have none (metrics.json records 0).
inline bool model_has_hidden(const std::string& name) { return model_has_attention(name); }
// The models trained in epochs by the recipe (the neural ones); ridge and xgboost are not.
inline bool model_trained_in_epochs(const std::string& name) {
  return name != "ridge" && name != "xgboost";
}

inline bool has_aux_heads(Variant v) {
  return v == Variant::aux || v == Variant::raw_aux || v == Variant::aux_siamese || v == Variant::raw_aux_siamese;
}
inline bool is_siamese(Variant v) { return v == Variant::aux_siamese || v == Variant::raw_aux_siamese; }
inline bool has_raw_block(Variant v) { return v == Variant::raw_aux || v == Variant::raw_aux_siamese; }

struct ModelConfig {
  Variant variant = Variant::raw_d;
  Index bins = 200;    // T
  Index marks = 5;     // M
  Index hidden1 = 32;  // level-1 LSTM hidden size per direction; level 2 uses hidden1 / 2
  double gamma = 4.0;  // weight of the contrastive loss (siamese variants)
  double margin = 2.0; // contrastive margin
  Index hidden2() const { return hidden1 / 2; }
};

}  // namespace deepdiff
