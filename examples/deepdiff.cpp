// deepdiff: the command-line program. Subcommands prepare, synth, train, eval, predict,
// attention, attribute, score-attention, report.
// Exit codes: 0 success, 2 usage error, 1 data or runtime error.
#include <cxxopts.hpp>

#include <deepdiff/data/synthetic.hpp>
#include <deepdiff/train/attribution_files.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/cli.hpp"
#include "common/flags.hpp"
#include "common/metrics.hpp"
#include "common/prepare_cmd.hpp"
#include "common/provenance.hpp"
#include "common/report.hpp"
#include "common/run.hpp"
#include "common/score_attention.hpp"
#include "common/version.hpp"

using namespace deepdiff;
using namespace deepdiff_cli;

namespace {


const char* kTopHelp = R"(deepdiff - DeepDiff (Sekhon, Singh & Qi 2018): differential gene expression between two
cell types from five histone marks, with attention over marks and positions.

usage: deepdiff <command> [options]      (deepdiff <command> --help for its options)
       deepdiff --version                the version and the git commit it was built from

commands:
  prepare    turn BAM / tagAlign / bigWig files, a gene annotation and expression tables into a data
             root for train (the same numbers as bedtools multicov / computeMatrix; docs/prepare.md)
  synth      write synthetic data with a planted, known answer (same CSV format as the real data)
  train      train a variant with the published recipe; writes checkpoint, metrics, predictions,
             attention and plots into --save-root (resumable with --resume)
  eval       score a checkpoint on a split (PCC, MSE)
  predict    apply a checkpoint to genes (no expression needed); one CSV row per gene
  attention  export a checkpoint's attention (beta per gene and channel, alpha per bin) + plots
  attribute  integrated gradients or gradient x input of each prediction: per gene, mark and cell
             (and per bin), with the completeness gap
  report     write RUN_DIR/report.html: one offline page with the run's figures, genes and a gene lookup
  score-attention
             score a run's attention and attributions against synth's planted answer (AUROC of
             informative vs noise marks and of the planted H3K4me3 bins) into attention_scores.json

example:
  deepdiff synth --out data/synth
  deepdiff train --data-root data/synth --save-root results/synth --epochs 20

exit codes: 0 success, 2 usage error, 1 data or runtime error.
)";

// Options shared by the commands that read a cell pair.
void add_data_options(cxxopts::Options& o) {
  o.add_options("data")
      ("data-root", "folder with CELL.{train,valid,test,expr}.csv (the public DeepDiff layout)", cxxopts::value<std::string>())
      ("cell-1", "first cell type (A); the target is log2((eB+1)/(eA+1))", cxxopts::value<std::string>()->default_value("Cell1"))
      ("cell-2", "second cell type (B)", cxxopts::value<std::string>()->default_value("Cell2"));
}

void add_common(cxxopts::Options& o) {
  o.add_options()("h,help", "show this help")
      ("threads", "OpenMP threads, at most 1024 (0: all cores / OMP_NUM_THREADS)", cxxopts::value<long long>()->default_value("0"));
}


std::string need(const cxxopts::ParseResult& r, const std::string& key) {
  if (!r.count(key)) throw UsageError("--" + key + " is required");
  return r[key].as<std::string>();
}

void set_threads(const cxxopts::ParseResult& r) {
  const int t = threads_flag(r);
  if (t > 0) omp_set_num_threads(t);
}

int cmd_synth(int argc, char** argv) {
  cxxopts::Options o("deepdiff synth",
                     "Write synthetic data in the public CSV layout (CELL.{train,valid,test,expr}.csv for two cells)\n"
                     "with a planted answer: H3K4me3 at the TSS, H3K36me3 over the gene body, H3K4me1 flanking and\n"
                     "H3K27me3 (repressive) drive expression; H3K9me3 is noise (--noise-marks: more). truth.md\n"
                     "describes it; truth_marks.csv and truth_bins.csv list it per gene (deepdiff score-attention).\n"
                     "--rule additive: y nearly linear in windowed sums; --rule combinatorial: a promoter counts\n"
                     "only without H3K27me3 and with its H3K4me3 peak at the +1 nucleosome.");
  add_common(o);
  o.add_options("synth")
      ("genes", "genes in all (split 60/20/20 into train/valid/test)", cxxopts::value<long long>()->default_value("1000"))
      ("bins", "bins per gene (T)", cxxopts::value<long long>()->default_value("200"))
      ("seed", "random seed", cxxopts::value<unsigned long long>()->default_value("1"))
      ("effect", "strength of the planted differential effect", cxxopts::value<double>()->default_value("1.0"))
      ("rule", "generative rule: additive or combinatorial", cxxopts::value<std::string>()->default_value("additive"))
      ("noise-marks", "marks of pure noise, 1..4, taken in this order: H3K9me3, H3K4me1, H3K36me3, H3K27me3 (never H3K4me3); 1 is the data as before", cxxopts::value<long long>()->default_value("1"))
      ("cell-1", "name of the first cell", cxxopts::value<std::string>()->default_value("Cell1"))
      ("cell-2", "name of the second cell", cxxopts::value<std::string>()->default_value("Cell2"))
      ("out", "output folder (created)", cxxopts::value<std::string>());
  auto r = parse_options(o, argc, argv);
  if (r.count("help")) {
    std::cout << o.help() << "\n";
    return 0;
  }
  SynthConfig c;
  threads_flag(r);
  c.genes = static_cast<Index>(int_flag(r, "genes", 10, kMaxSynthGenes));
  c.bins = static_cast<Index>(int_flag(r, "bins", 1, kMaxSynthBins));
  check_synthetic_size(c.genes, c.bins);
  c.seed = r["seed"].as<unsigned long long>();
  c.effect = real_flag(r, "effect", 0, 100);
  c.noise_marks = static_cast<int>(int_flag(r, "noise-marks", 1, 4));
  try {
    c.rule = parse_synth_rule(r["rule"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--rule: ") + e.what());
  }
  c.cell1 = r["cell-1"].as<std::string>();
  c.cell2 = r["cell-2"].as<std::string>();
  check_cells_differ(c.cell1, c.cell2);
  const std::string out = need(r, "out");
  SynthSummary s = write_synthetic(out, c);
  char ceiling[96];
  std::snprintf(ceiling, sizeof ceiling, "train %.3f, valid %.3f, test %.3f", s.noise_ceiling[0], s.noise_ceiling[1],
                s.noise_ceiling[2]);
  std::cout << "synthetic data in " << out << ": " << s.train << " train, " << s.valid << " valid, " << s.test
            << " test genes x " << c.bins << " bins (cells " << c.cell1 << ", " << c.cell2 << "), rule "
            << synth_rule_name(c.rule) << ", noise marks " << c.noise_marks << "; noise ceiling (PCC of y with E[y | latent]) " << ceiling
            << "; the planted answer is described in "
            << (std::filesystem::path(out) / "truth.md").string() << "\n";
  return 0;
}

// --predict-splits: a comma list of train, valid and test, each at most once.
std::vector<std::string> predict_splits_flag(const cxxopts::ParseResult& r) {
  const std::string v = r["predict-splits"].as<std::string>();
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = v.find(',', start);
    const std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item != "train" && item != "valid" && item != "test")
      throw UsageError("--predict-splits: '" + item + "' is not a split (train, valid or test, comma-separated)");
    for (const std::string& seen : out)
      if (seen == item) throw UsageError("--predict-splits: '" + item + "' given twice");
    out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int cmd_train(int argc, char** argv) {
  cxxopts::Options o("deepdiff train",
                     "Train a DeepDiff variant with the published recipe (Adam, batch 10, gradient clipping 1,\n"
                     "shuffled genes, uniform(-0.1, 0.1) init from --seed); the epoch with the best validation PCC\n"
                     "(ties: the later) is kept and scored on the test split. Writes into --save-root:\n"
                     "checkpoint.bin, state.bin (for --resume), metrics.json, predictions.csv (test genes;\n"
                     "--predict-splits adds predictions_train.csv, predictions_valid.csv), top_genes.tsv,\n"
                     "attention_beta.csv, attention_alpha.csv, training_curves.svg, scatter.svg,\n"
                     "attention_beta.svg, attention_alpha.svg, and train.log (what it prints; appended on\n"
                     "--resume). A --save-root that already holds a run\n"
                     "(metrics.json, checkpoint.bin or state.bin) needs --resume or --force.\n"
                     "Sequencing depth: when the median y of the training genes is farther than 0.5 from 0, a\n"
                     "warning on stderr says so; --expression-scale size-factors (or cpm) scales it out.");
  add_common(o);
  add_data_options(o);
  o.add_options("training")
      ("model-name", "a DeepDiff variant (raw_d, raw_c, raw, aux, raw_aux, aux_siamese, raw_aux_siamese) or a baseline of the study (ridge, xgboost, deepchrome, attentivechrome_diff; docs/reproduction.md)", cxxopts::value<std::string>()->default_value("raw_d"))
      ("epochs", "epochs (the paper: 120)", cxxopts::value<long long>()->default_value("120"))
      ("lr", "Adam learning rate (at most 1)", cxxopts::value<double>()->default_value("0.0001"))
      ("batch-size", "genes per batch", cxxopts::value<long long>()->default_value("10"))
      ("clip", "global gradient-norm clipping (0: off)", cxxopts::value<double>()->default_value("1"))
      ("seed", "seed of the initialization and of the shuffling", cxxopts::value<unsigned long long>()->default_value("1"))
      ("hidden", "level-1 LSTM hidden size per direction, even, >= 2 (level 2 uses half)", cxxopts::value<long long>()->default_value("32"))
      ("encoder-path", "level-1 implementation: fused (fast) or composed (autograd reference, slow)", cxxopts::value<std::string>()->default_value("fused"))
      ("precision", kPrecisionHelp, cxxopts::value<std::string>()->default_value("fp32"))
      ("fixed-threads", "use --threads for every batch; by default the count adapts batch by batch, 1 thread "
       "while a busy machine makes that faster (the results are the same bits either way)")
      ("expression-scale", kExpressionScaleHelp, cxxopts::value<std::string>()->default_value("none"))
      ("save-root", "output folder (created)", cxxopts::value<std::string>())
      ("resume", "continue from SAVE_ROOT/state.bin if it exists")
      ("force", "train afresh into a --save-root that holds an earlier run, removing its files first")
      ("no-plots", "do not write SVG plots")
      ("no-report", "do not write SAVE_ROOT/report.html (the run's page; `deepdiff report` writes it later)")
      ("no-alpha-csv", "do not write attention_alpha.csv (large: genes x channels x bins)")
      ("predict-splits", "comma list of the splits whose predictions are written: train, valid, test (test: predictions.csv, always; train, valid: predictions_train.csv, predictions_valid.csv)", cxxopts::value<std::string>()->default_value("test"))
      ("quiet", "print nothing but errors and warnings");
  auto r = parse_options(o, argc, argv);
  if (r.count("help")) {
    std::cout << o.help() << "\n";
    return 0;
  }
  RunOptions ro;
  ro.data_root = need(r, "data-root");
  ro.save_root = need(r, "save-root");
  ro.cell1 = r["cell-1"].as<std::string>();
  ro.cell2 = r["cell-2"].as<std::string>();
  check_cells_differ(ro.cell1, ro.cell2);
  ro.model_name = r["model-name"].as<std::string>();
  try {
    check_model_name(ro.model_name);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--model-name: ") + e.what());
  }
  ro.train.epochs = static_cast<int>(int_flag(r, "epochs", 1, kMaxEpochs));
  ro.train.lr = real_flag(r, "lr", 0, kMaxLr, /*lo_open=*/true);
  ro.train.batch_size = static_cast<Index>(int_flag(r, "batch-size", 1, kMaxBatch));
  ro.train.clip = real_flag(r, "clip", 0, kMaxClip);
  ro.train.seed = r["seed"].as<unsigned long long>();
  ro.train.expression_scale = expression_scale_flag(r);
  ro.hidden1 = static_cast<Index>(hidden_flag(r));
  // The parameters do not depend on the bins: refuse a model too large for this machine
  // before anything is read or created (run_training checks again with the data's bins).
  if (is_variant_name(ro.model_name)) {
    ModelConfig size;
    size.variant = parse_variant(ro.model_name);
    size.hidden1 = ro.hidden1;
    size.bins = 1;
    check_training_memory(size, ro.train.batch_size);
  }
  if (ro.model_name == "xgboost" && !xgboost_available()) throw std::runtime_error(xgboost_missing_reason());
  const std::string path = r["encoder-path"].as<std::string>();
  if (path == "fused") ro.train.path = EncoderPath::fused;
  else if (path == "composed") ro.train.path = EncoderPath::composed;
  else throw UsageError("--encoder-path must be fused or composed");
  ro.precision = precision_flag(r);
  if (ro.precision == kernels::Precision::bf16 && ro.train.path == EncoderPath::composed)
    throw UsageError("--precision bf16 runs on --encoder-path fused, not composed");
  check_precision_hidden(ro.precision, ro.hidden1, "--hidden");
  ro.threads = threads_flag(r);
  ro.train.adapt_threads = r.count("fixed-threads") == 0;
  ro.resume = r.count("resume") > 0;
  ro.force = r.count("force") > 0;
  if (ro.resume && ro.force) throw UsageError("--resume and --force contradict: continue the run, or replace it");
  ro.plots = r.count("no-plots") == 0;
  ro.alpha_csv = r.count("no-alpha-csv") == 0;
  ro.report = r.count("no-report") == 0;
  ro.quiet = r.count("quiet") > 0;
  ro.predict_splits = predict_splits_flag(r);
  ro.log_file = true;
  ro.version = build_version();
  ro.commit = build_commit();
  // main passes argv + 1 (argv[0] here is "train"): argv[-1] is the program as it was called.
  ro.command_line = quoted_command_line(argc + 1, argv - 1);
  run_training(ro, std::cout);
  return 0;
}

struct Loaded {
  AnyModel model;
  Split split;
  std::string checkpoint;
};

// `needs_attention`: the command exports attention, which ridge, xgboost and deepchrome lack.
Loaded load_for(const cxxopts::ParseResult& r, ExpressionMode mode, bool needs_attention = false) {
  check_cells_differ(r["cell-1"].as<std::string>(), r["cell-2"].as<std::string>());
  const std::string ck = need(r, "checkpoint");
  const kernels::Precision precision = precision_flag(r);
  AnyModel model = load_any_model(ck);
  if (model.deepdiff) check_precision_hidden(precision, model.deepdiff->config().hidden1, "the checkpoint's hidden size");
  if (model.cell_a) check_precision_hidden(precision, model.cell_a->config().hidden1, "the checkpoint's hidden size");
  set_any_precision(model, precision);
  if (needs_attention && !has_attention(model))
    throw std::runtime_error("the checkpoint " + ck + " holds a " + model.name +
                             " model, which has no attention to export (attention: a DeepDiff variant or "
                             "attentivechrome_diff; predict and eval read it)");
  // The targets of the scale the model was trained on (its checkpoint says; none for files
  // without the entry), with this data's divisors: the same as training's on the same tables.
  const ExpressionScaling& trained = model.target_scaling;
  Split s = load_split(need(r, "data-root"), r["cell-1"].as<std::string>(), r["cell-2"].as<std::string>(),
                       r["split"].as<std::string>(), mode, trained.scale);
  if (s.bins != any_bins(model) || s.marks != any_marks(model))
    throw std::runtime_error("the checkpoint " + ck + " expects " + std::to_string(any_bins(model)) + " bins x " +
                             std::to_string(any_marks(model)) + " marks, the data has " + describe(s));
  if (s.has_expression && s.scaling != trained)
    std::fprintf(stderr,
                 "note: the checkpoint was trained on targets of expression scale %s with divisors %s (cell 1) and %s "
                 "(cell 2); these expression tables give %s and %s, which the targets here use (other tables or cells "
                 "than training's)\n",
                 expression_scale_name(trained.scale), format_number(trained.divisor_a).c_str(),
                 format_number(trained.divisor_b).c_str(), format_number(s.scaling.divisor_a).c_str(),
                 format_number(s.scaling.divisor_b).c_str());
  return Loaded{std::move(model), std::move(s), ck};
}

void add_checkpoint_options(cxxopts::Options& o) {
  o.add_options("model")
      ("checkpoint", "a checkpoint.bin written by train (or tools/torch_to_deepdiff.py)", cxxopts::value<std::string>())
      ("split", "which CELL.SPLIT.csv to read (train, valid, test, or any name)", cxxopts::value<std::string>()->default_value("test"))
      ("batch-size", "genes per inference batch", cxxopts::value<long long>()->default_value("10"))
      ("precision", kPrecisionHelp, cxxopts::value<std::string>()->default_value("fp32"));
}

// What eval, predict and attention share: the common, data and checkpoint flags, then the
// command's own (add_own), --help and --threads. nullopt when the help was printed.
template <class AddOwn>
std::optional<cxxopts::ParseResult> parse_checkpoint_command(cxxopts::Options& o, int argc, char** argv,
                                                             AddOwn add_own) {
  add_common(o);
  add_data_options(o);
  add_checkpoint_options(o);
  add_own(o);
  cxxopts::ParseResult r = parse_options(o, argc, argv);
  if (r.count("help")) {
    std::cout << o.help() << "\n";
    return std::nullopt;
  }
  set_threads(r);
  return r;
}

Index inference_batch(const cxxopts::ParseResult& r) { return static_cast<Index>(int_flag(r, "batch-size", 1, kMaxBatch)); }

// The training genes' mean y, the constant of eval's baseline MSE: from CELL.train.csv of the same
// data root, with the targets' scale (the split's own when it is train). Without a readable
// train split: nothing, and `why` says why (eval still scores the split).
std::optional<double> training_mean_y(const cxxopts::ParseResult& r, const Loaded& l, std::string& why) {
  const auto mean_y = [](const Split& s) {
    std::vector<double> ys;
    for (Index g = 0; g < s.genes(); ++g) ys.push_back(s.y(g));
    return mean_of_values(ys);
  };
  if (l.split.name == "train") return mean_y(l.split);
  try {
    return mean_y(load_split(r["data-root"].as<std::string>(), r["cell-1"].as<std::string>(),
                             r["cell-2"].as<std::string>(), "train", ExpressionMode::required,
                             l.model.target_scaling.scale));
  } catch (const std::exception& e) {
    why = e.what();
    return std::nullopt;
  }
}

int cmd_eval(int argc, char** argv) {
  cxxopts::Options o("deepdiff eval", "Score a checkpoint on a split: Pearson correlation (PCC) and MSE of the\n"
                                      "predicted log2 fold change (and of the aux heads where the variant has them),\n"
                                      "with its calibration: Spearman, R^2, the slope of y on the prediction, and the\n"
                                      "MSE of predicting the training genes' mean y (from CELL.train.csv beside the split).\n"
                                      "The targets use the expression scale the checkpoint was trained with\n"
                                      "(train --expression-scale), its divisors computed from these expression tables.");
  const auto parsed = parse_checkpoint_command(o, argc, argv, [](cxxopts::Options& x) {
    x.add_options("output")("json", "also write the scores to this JSON file", cxxopts::value<std::string>());
  });
  if (!parsed) return 0;
  const cxxopts::ParseResult& r = *parsed;
  const Index batch = inference_batch(r);
  Loaded l = load_for(r, ExpressionMode::required);
  const auto t0 = std::chrono::steady_clock::now();
  Predictions p = predict_any(l.model, l.split, batch, false);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string no_train_mean;
  const std::optional<double> mean_y_train = training_mean_y(r, l, no_train_mean);
  const PredictionScores sc =
      prediction_scores(p.pred, p.target, mean_y_train.value_or(std::numeric_limits<double>::quiet_NaN()));
  const double pcc = sc.pcc, mse = sc.mse;
  const ExpressionScaling& scaling = l.split.scaling;
  const std::string scale_note = scaling.scale == ExpressionScale::none
                                     ? ""
                                     : std::string(", expression scale ") + expression_scale_name(scaling.scale);
  std::printf("%s (%s, %lld genes%s): %s", l.split.name.c_str(), l.model.name.c_str(),
              static_cast<long long>(l.split.genes()), scale_note.c_str(), scores_text("", sc).c_str());
  if (!mean_y_train) std::printf(" (no training mean to compare the MSE with: %s)", no_train_mean.c_str());
  if (!p.pred_a.empty())
    std::printf("  aux PCC A %.4f  B %.4f", pearson(p.pred_a, p.target_a), pearson(p.pred_b, p.target_b));
  std::printf("  (%.1f genes/s)\n", static_cast<double>(l.split.genes()) / secs);
  const std::string warning = near_constant_warning(sc, "the checkpoint", "the " + l.split.name + " genes");
  if (!warning.empty()) {
    std::fflush(stdout);
    std::fprintf(stderr, "warning: %s\n", warning.c_str());
  }
  if (r.count("json")) {
    Json j = {{"split", l.split.name},
              {"model_name", l.model.name},
              {"genes", static_cast<long long>(l.split.genes())},
              {"pcc", pcc},
              {"spearman", sc.spearman},
              {"r2", sc.r2},
              {"slope", sc.slope},
              {"mse", mse}};
    if (mean_y_train) {
      j["mean_y_train"] = *mean_y_train;
      j["mse_train_mean"] = sc.mse_train_mean;
    }
    j["sd_prediction"] = sc.sd_prediction;
    j["sd_target"] = sc.sd_target;
    if (!p.pred_a.empty()) {
      j["pcc_a"] = pearson(p.pred_a, p.target_a);
      j["pcc_b"] = pearson(p.pred_b, p.target_b);
    }
    j["expression_scale"] = expression_scale_name(scaling.scale);
    j["expression_divisor_1"] = scaling.divisor_a;
    j["expression_divisor_2"] = scaling.divisor_b;
    if (!warning.empty()) j["warnings"] = Json::array({warning});
    write_file_atomic(r["json"].as<std::string>(), json_text(j));
  }
  return 0;
}

int cmd_predict(int argc, char** argv) {
  cxxopts::Options o("deepdiff predict",
                     "Apply a checkpoint to the genes of CELL.SPLIT.csv (expression not needed). Writes a '#' line\n"
                     "saying what y is, then one row per gene: gene_id (then symbol, chrom, tss, strand when the\n"
                     "data root has genes.tsv), prediction, the aux heads' predictions (prediction_a, prediction_b)\n"
                     "where the variant has them, then target (and target_a, target_b) and residual when\n"
                     "CELL.expr.csv is present, of the expression scale the checkpoint was trained with.");
  const auto parsed = parse_checkpoint_command(o, argc, argv, [](cxxopts::Options& x) {
    x.add_options("output")("out", "output CSV file", cxxopts::value<std::string>());
  });
  if (!parsed) return 0;
  const cxxopts::ParseResult& r = *parsed;
  const Index batch = inference_batch(r);
  const std::string out = need(r, "out");
  Loaded l = load_for(r, ExpressionMode::optional);
  const auto t0 = std::chrono::steady_clock::now();
  Predictions p = predict_any(l.model, l.split, batch, false);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const DataLabels data =
      read_data_labels(r["data-root"].as<std::string>(), r["cell-1"].as<std::string>(), r["cell-2"].as<std::string>());
  write_file_atomic(out, predictions_csv(l.split, p, data.prediction_labels()));
  std::printf("%lld predictions written to %s (%.1f genes/s)\n", static_cast<long long>(l.split.genes()), out.c_str(),
              static_cast<double>(l.split.genes()) / secs);
  return 0;
}

int cmd_attention(int argc, char** argv) {
  cxxopts::Options o("deepdiff attention",
                     "Export a checkpoint's attention on a split: attention_beta_SPLIT.csv (beta: gene x level-2\n"
                     "channel), attention_alpha_SPLIT.csv (alpha: gene x channel x bin), predictions_SPLIT.csv, and\n"
                     "plots of mean beta per channel and mean alpha per channel and bin.");
  const auto parsed = parse_checkpoint_command(o, argc, argv, [](cxxopts::Options& x) {
    x.add_options("output")("out-dir", "output folder (created)", cxxopts::value<std::string>())
        ("no-plots", "do not write SVG plots");
  });
  if (!parsed) return 0;
  const cxxopts::ParseResult& r = *parsed;
  const Index batch = inference_batch(r);
  const std::string dir = need(r, "out-dir");
  Loaded l = load_for(r, ExpressionMode::optional, /*needs_attention=*/true);
  Predictions p = predict_any(l.model, l.split, batch, true);
  const DataLabels data =
      read_data_labels(r["data-root"].as<std::string>(), r["cell-1"].as<std::string>(), r["cell-2"].as<std::string>());
  make_directories(dir);
  std::vector<std::string> files =
      write_split_outputs(dir, l.split.name, l.split, l.model, p, true, r.count("no-plots") == 0, data);
  std::cout << "attention of " << l.split.genes() << " genes written to " << dir << ":";
  for (const std::string& f : files) std::cout << " " << f;
  std::cout << "\n";
  return 0;
}

// Genes of the split named in a comma-separated list of ids, in that order; an unknown id is an error.
std::vector<Index> genes_by_id(const Split& s, const std::string& list) {
  std::unordered_map<std::string, Index> at;
  for (Index g = 0; g < s.genes(); ++g) at.emplace(s.gene_ids[static_cast<std::size_t>(g)], g);
  std::vector<Index> out;
  for (const std::string& id : split_list(list)) {
    const auto it = at.find(id);
    if (it == at.end())
      throw std::runtime_error("gene '" + id + "' (--genes) is not in the " + s.name + " split (" +
                               std::to_string(s.genes()) + " genes)");
    out.push_back(it->second);
  }
  if (out.empty()) throw UsageError("--genes names no gene");
  return out;
}

int cmd_attribute(int argc, char** argv) {
  cxxopts::Options o("deepdiff attribute",
                     "Attribute each prediction y of a checkpoint to its inputs, the counts of every mark, bin and\n"
                     "cell (spec, \"Attributions\"): integrated gradients from no reads (x' = 0) in --steps steps of\n"
                     "the midpoint rule (ig), or the gradient times the input (grad_input). Writes, in --out-dir:\n"
                     "  attributions_mark_METHOD.csv  per gene: y(x), y(0), the sum of attributions and the\n"
                     "                                completeness gap (sum - (y(x) - y(0))), the signed sum per cell\n"
                     "                                and mark (A.<mark>, B.<mark>) and |attribution| per mark (abs.<mark>)\n"
                     "  attributions_bin_METHOD.csv   with --per-bin: per gene and bin, each cell and mark (large)\n"
                     "Attention (deepdiff attention) shows where the model looked; attributions what the prediction\n"
                     "needed. deepdiff score-attention scores both against a synthetic data set's planted truth.");
  const auto parsed = parse_checkpoint_command(o, argc, argv, [](cxxopts::Options& x) {
    x.add_options("attribution")
        ("method", "ig (integrated gradients) or grad_input (gradient x input)", cxxopts::value<std::string>()->default_value("ig"))
        ("steps", "integrated gradients' steps S, 1..100000 (the completeness gap shrinks as S grows)",
         cxxopts::value<long long>()->default_value("64"))
        ("genes", "only these genes: comma-separated ids of the split", cxxopts::value<std::string>())
        ("per-bin", "also write attributions_bin_METHOD.csv (one row per gene and bin)")
        ("out-dir", "output folder (created; default: the checkpoint's folder)", cxxopts::value<std::string>())
        ("quiet", "no progress on stderr");
  });
  if (!parsed) return 0;
  const cxxopts::ParseResult& r = *parsed;
  AttributionOptions opt;
  try {
    opt.method = parse_attribution_method(r["method"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--method: ") + e.what());
  }
  opt.steps = static_cast<Index>(int_flag(r, "steps", 1, 100000));
  opt.batch = inference_batch(r);
  Loaded l = load_for(r, ExpressionMode::optional);
  if (!l.model.deepdiff)
    throw std::runtime_error("the checkpoint " + l.checkpoint + " holds a " + l.model.name +
                             " model; attributions are computed for the DeepDiff variants");
  std::vector<Index> genes;
  if (r.count("genes")) genes = genes_by_id(l.split, r["genes"].as<std::string>());
  const std::string dir = r.count("out-dir") ? r["out-dir"].as<std::string>()
                                             : std::filesystem::path(l.checkpoint).parent_path().string();
  const bool quiet = r.count("quiet") > 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  double last = -1.0;
  opt.progress = [&](Index done, Index total) {
    const double s = seconds();
    if (quiet || (s - last < 2.0 && done < total)) return;
    last = s;
    std::fprintf(stderr, "\rattribute: %lld / %lld genes, %.0f s, about %.0f s left   ", static_cast<long long>(done),
                 static_cast<long long>(total), s, s / static_cast<double>(done) * static_cast<double>(total - done));
    if (done == total) std::fputc('\n', stderr);
  };
  const Attributions a = attribute(*l.model.deepdiff, l.split, opt, genes);
  const double secs = seconds();
  if (!dir.empty()) make_directories(dir);
  std::vector<std::string> files = {(std::filesystem::path(dir) / attributions_mark_file(opt.method)).string()};
  write_file_atomic(files[0], attributions_mark_csv(l.split, a));
  if (r.count("per-bin")) {
    files.push_back((std::filesystem::path(dir) / attributions_bin_file(opt.method)).string());
    write_file_atomic(files[1], attributions_bin_csv(l.split, a));
  }
  double worst = 0.0, mean = 0.0;
  for (Index i = 0; i < a.count(); ++i) {
    worst = std::max(worst, std::abs(a.gap(i)));
    mean += std::abs(a.gap(i)) / static_cast<double>(a.count());
  }
  std::printf("%s of %lld genes (%s, %lld step%s) in %.1f s; completeness gap |sum - (y(x) - y(0))|: mean %.3g, "
              "max %.3g\n",
              opt.method == AttributionMethod::integrated_gradients ? "integrated gradients" : "gradient x input",
              static_cast<long long>(a.count()), l.model.name.c_str(), static_cast<long long>(a.steps),
              a.steps == 1 ? "" : "s", secs, mean, worst);
  for (const std::string& f : files) std::printf("wrote %s\n", f.c_str());
  return 0;
}

}  // namespace

int DEEPDIFF_MAIN(int argc, char** argv) {  // main, or this copy's entry (common/version.hpp)
  if (argc < 2) {
    std::fputs(kTopHelp, stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      std::fputs(kTopHelp, stdout);
      return 0;
    }
    if (cmd == "--version") {
      std::printf("%s\n", version_line().c_str());
      return 0;
    }
    if (cmd == "prepare") return cmd_prepare(argc - 1, argv + 1);
    if (cmd == "synth") return cmd_synth(argc - 1, argv + 1);
    if (cmd == "train") return cmd_train(argc - 1, argv + 1);
    if (cmd == "eval") return cmd_eval(argc - 1, argv + 1);
    if (cmd == "predict") return cmd_predict(argc - 1, argv + 1);
    if (cmd == "attention") return cmd_attention(argc - 1, argv + 1);
    if (cmd == "attribute") return cmd_attribute(argc - 1, argv + 1);
    if (cmd == "report") return deepdiff_report::report_command(argc - 1, argv + 1, version_line());
    if (cmd == "score-attention") return deepdiff_score::score_attention_command(argc - 1, argv + 1);
    throw UsageError("unknown command '" + cmd + "'");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "deepdiff %s: %s\n(see deepdiff %s --help)\n", cmd.c_str(), e.what(),
                 cmd == "synth" || cmd == "train" || cmd == "eval" || cmd == "predict" || cmd == "attention" || cmd == "attribute" || cmd == "report" ? cmd.c_str() : "");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "deepdiff %s: error: %s\n", cmd.c_str(), e.what());
    return 1;
  }
}
