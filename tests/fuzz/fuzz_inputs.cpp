// fuzz_inputs: a re-runnable, deterministic mutation fuzzer of the library's input readers.
// Build it in the sanitizer build (tests/run_all.sh's build-asan) and run N cases:
//
//   cmake --build build-asan --target fuzz_inputs
//   build-asan/tests/fuzz_inputs --cases 3000 --seed 1            (all targets)
//   build-asan/tests/fuzz_inputs --cases 500 --target state        (one target)
//   build-asan/tests/fuzz_inputs --seed 1 --case 1234              (re-run one case)
//
// Every case is a pure function of (--seed, case number): seed inputs (a small synthetic pair,
// a model checkpoint and a state.bin of one trained epoch) are made in-process, one is mutated
// (bytes, fields, lines, or decoded values re-encoded with a valid checksum, so the checks
// behind the checksum are reached too) and handed to the reader, and what the library does
// with it is classified:
//   rejected    the reader threw its error type (DataError, CheckpointError) with a message
//   accepted    the input was read, and what it fed (a forward pass, a training epoch) stayed finite
//   WRONG       accepted, but the result is non-finite or an unexpected exception type came out
//               (std::bad_alloc, std::out_of_range, ...): a bug, printed with its case number
//   crash       the sanitizer stops the process; the case being run is in WORK/current_case
// Exit status: 0 when no case was WRONG (a crash exits non-zero by itself).
//
// Targets: csv (CELL.SPLIT.csv marks and CELL.expr.csv tables through load_split), checkpoint
// (load_model + inference), state (restore_training + one training epoch), and, where the
// optional deepdiff::genomics target is built (DEEPDIFF_FUZZ_GENOMICS), the readers of
// `deepdiff prepare` through genomics::prepare_data_root on a tiny project: samplesheet,
// annotation (GTF, GFF3, BED6), expression, bam (SAM text, BAM from mutated SAM, BAM with its
// decompressed stream damaged, damaged BGZF bytes), reads (tagAlign/BED), bigwig (odd
// intervals, values, lengths and names through libBigWig's writer, or damaged bytes).
// The three text targets are also packed as gzip, multi-member gzip or BGZF (README.md).
// To add a target: a `run_<reader>` (seed input, mutation, reader call, Outcome) in targets().
#include <deepdiff/deepdiff.hpp>

#include <omp.h>

#if DEEPDIFF_FUZZ_GENOMICS
#include <deepdiff/genomics/prepare.hpp>
#include <deepdiff/genomics/signal.hpp>
#include <htslib/bgzf.h>
#include <htslib/hts_log.h>
#include <htslib/kstring.h>
#include <htslib/sam.h>
#include <zlib.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

using namespace deepdiff;

namespace {

struct Outcome {
  enum Kind { accepted, rejected, wrong } kind = accepted;
  std::string detail;  // the error message (rejected) or what went wrong
};

// The seed inputs, made once per process.
struct Seeds {
  std::string dir;                   // a synthetic pair: Cell1/Cell2 .{train,valid,test,expr}.csv
  std::map<std::string, std::string> files;  // name -> bytes of those files
  std::string checkpoint, state;     // bytes of checkpoint.bin and state.bin (raw_d, hidden 2)
  ModelConfig cfg;
  TrainOptions opt;
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
  if (!f) throw std::runtime_error("fuzz: cannot write " + path);
}

Seeds make_seeds(const std::string& work) {
  Seeds s;
  s.dir = work + "/seed-data";
  SynthConfig c;
  c.genes = 20;
  c.bins = 6;
  c.seed = 7;
  write_synthetic(s.dir, c);
  for (const char* cell : {"Cell1", "Cell2"})
    for (const char* part : {"train", "valid", "test", "expr"}) {
      const std::string n = std::string(cell) + "." + part + ".csv";
      s.files[n] = read_file(s.dir + "/" + n);
    }
  s.cfg.variant = Variant::raw_d;
  s.cfg.bins = c.bins;
  s.cfg.hidden1 = 2;
  s.opt.epochs = 1;
  s.opt.lr = 1e-3;
  s.opt.batch_size = 5;
  const Split train = load_split(s.dir, "Cell1", "Cell2", "train");
  const Split valid = load_split(s.dir, "Cell1", "Cell2", "valid");
  DeepDiff<float> m(s.cfg);
  Rng r(1);
  m.params().init_uniform(r, -0.1, 0.1);
  Trainer<float> t(m, s.opt);
  t.epoch(train, valid);
  s.checkpoint = encode_checkpoint(model_checkpoint(m));
  s.state = encode_checkpoint(training_checkpoint(m, t.state(), s.opt));
  return s;
}

// ---------------------------------------------------------------------------------------
// Mutations

std::size_t below(Rng& r, std::size_t n) { return n ? static_cast<std::size_t>(r.next_u64() % n) : 0; }

const std::vector<std::string>& tokens() {
  static const std::vector<std::string> t = {"",      "nan",   "inf",  "-inf", "-1",   "1e400", "1e38",  "3.4e38",
                                             "0x10",  "1e-320", " ",   "\"",   ",",    "\n",    "\r\n",  "99999999999999999999",
                                             "-0",    "+5",    "1,2",  "\t7",  "ENSG", "_",     "__",    std::string(1, '\0')};
  return t;
}

// Text: edit lines and fields (the structure the CSV parser cares about) or raw bytes.
std::string mutate_text(std::string s, Rng& r, char sep = ',') {
  const int edits = 1 + static_cast<int>(below(r, 3));
  for (int e = 0; e < edits; ++e) {
    std::vector<std::size_t> starts = {0};
    for (std::size_t i = 0; i < s.size(); ++i)
      if (s[i] == '\n' && i + 1 < s.size()) starts.push_back(i + 1);
    const std::size_t li = below(r, starts.size());
    const std::size_t a = starts[li], b = s.find('\n', a) == std::string::npos ? s.size() : s.find('\n', a) + 1;
    switch (below(r, 9)) {
      case 0: s.erase(a, b - a); break;                                     // drop a line
      case 1: s.insert(a, s.substr(a, b - a)); break;                       // duplicate it
      case 2: s.insert(starts[below(r, starts.size())], s.substr(a, b - a)); break;  // copy it elsewhere
      case 3: s.resize(below(r, s.size() + 1)); break;                      // truncate
      case 4: {                                                             // a field -> a token
        std::vector<std::size_t> commas;
        for (std::size_t i = a; i < b; ++i)
          if (s[i] == sep) commas.push_back(i);
        if (commas.empty()) break;
        const std::size_t c = commas[below(r, commas.size())] + 1;
        std::size_t end = s.find_first_of(std::string(1, sep) + "\n", c);
        if (end == std::string::npos) end = s.size();
        s.replace(c, end - c, tokens()[below(r, tokens().size())]);
        break;
      }
      case 5: s.insert(below(r, s.size() + 1), tokens()[below(r, tokens().size())]); break;
      case 6:
        if (!s.empty()) s[below(r, s.size())] = static_cast<char>(r.next_u64() & 0xFF);
        break;
      case 7:
        if (!s.empty()) s.erase(below(r, s.size()), 1 + below(r, 8));
        break;
      default: {                                                            // a digit changed
        std::vector<std::size_t> digits;
        for (std::size_t i = a; i < b; ++i)
          if (s[i] >= '0' && s[i] <= '9') digits.push_back(i);
        if (!digits.empty()) s[digits[below(r, digits.size())]] = static_cast<char>('0' + below(r, 10));
        break;
      }
    }
  }
  return s;
}

void put_le(std::string& s, std::size_t at, std::uint64_t v, int bytes) {
  for (int k = 0; k < bytes && at + static_cast<std::size_t>(k) < s.size(); ++k)
    s[at + static_cast<std::size_t>(k)] = static_cast<char>((v >> (8 * k)) & 0xFF);
}

// Recompute the trailing FNV-1a checksum, so the mutation reaches the checks behind it.
void fix_checksum(std::string& s) {
  if (s.size() < 8) return;
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < s.size() - 8; ++i) {
    h ^= static_cast<unsigned char>(s[i]);
    h *= 0x100000001b3ull;
  }
  put_le(s, s.size() - 8, h, 8);
}

// Binary checkpoints: raw byte damage (with or without a valid checksum), or a decoded
// checkpoint whose meta entries, shapes or values are changed and re-encoded.
std::string mutate_checkpoint(const std::string& seed, Rng& r) {
  const std::size_t mode = below(r, 4);
  if (mode <= 1) {
    std::string s = seed;
    const int edits = 1 + static_cast<int>(below(r, 4));
    static const std::uint64_t interesting[] = {0, 1, 2, 3, 4, 5, 8, 0x7F, 0xFF, 0xFFFF, 0xFFFFFFFFull,
                                                0x7FFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull, 1ull << 32, 1ull << 40};
    for (int e = 0; e < edits; ++e) {
      switch (below(r, 5)) {
        case 0: s[below(r, s.size())] ^= static_cast<char>(1u << below(r, 8)); break;
        case 1: put_le(s, below(r, s.size()), interesting[below(r, sizeof interesting / sizeof *interesting)], 4); break;
        case 2: put_le(s, below(r, s.size()), interesting[below(r, sizeof interesting / sizeof *interesting)], 8); break;
        case 3: s.resize(below(r, s.size() + 1)); break;
        default: s.insert(below(r, s.size() + 1), std::string(1 + below(r, 16), static_cast<char>(r.next_u64())));
      }
      if (s.empty()) break;
    }
    if (mode == 1) fix_checksum(s);
    return s;
  }
  Checkpoint ck = decode_checkpoint(seed);
  const int edits = 1 + static_cast<int>(below(r, 3));
  static const std::vector<std::string> meta_values = {"-1", "0", "1", "2", "3", "100000", "x", "", "1e3", "9223372036854775807",
                                                       "-9223372036854775808", "raw", "raw_aux", "0.5", " 2", "2 "};
  static const double bad_values[] = {std::nan(""), HUGE_VAL, -HUGE_VAL, 1e30, -1e30, 1e300, -1.0, 0.0, 3.4e38};
  for (int e = 0; e < edits; ++e) {
    switch (below(r, 4)) {
      case 0: {  // a meta entry
        auto it = ck.meta.begin();
        std::advance(it, static_cast<long>(below(r, ck.meta.size())));
        it->second = meta_values[below(r, meta_values.size())];
        break;
      }
      case 1: {  // drop a tensor or a meta entry
        if (below(r, 2) && !ck.tensors.empty()) ck.tensors.erase(ck.tensors.begin() + static_cast<long>(below(r, ck.tensors.size())));
        else if (!ck.meta.empty()) ck.meta.erase(std::next(ck.meta.begin(), static_cast<long>(below(r, ck.meta.size()))));
        break;
      }
      case 2: {  // a value
        NamedArray& a = ck.tensors[below(r, ck.tensors.size())];
        if (!a.values.empty()) a.values[below(r, a.values.size())] = bad_values[below(r, sizeof bad_values / sizeof *bad_values)];
        break;
      }
      default: {  // a shape (values resized to match, so the file stays encodable)
        NamedArray& a = ck.tensors[below(r, ck.tensors.size())];
        if (a.shape.empty()) break;
        a.shape[below(r, a.shape.size())] = static_cast<Index>(below(r, 4));
        a.values.assign(static_cast<std::size_t>(shape_numel(a.shape)), 0.01);
      }
    }
  }
  try {
    return encode_checkpoint(ck);
  } catch (const CheckpointError&) {
    return seed.substr(0, seed.size() / 2);  // not encodable: a truncated file instead
  }
}

// ---------------------------------------------------------------------------------------
// Targets: feed one mutated input to a reader, classify what happened.

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

Outcome run_csv(const Seeds& s, Rng& r, const std::string& dir) {
  // All seed files into the case folder, one of them mutated.
  std::filesystem::create_directories(dir);
  auto it = s.files.begin();
  std::advance(it, static_cast<long>(below(r, s.files.size())));
  const std::string victim = it->first;
  for (const auto& f : s.files) write_bytes(dir + "/" + f.first, f.first == victim ? mutate_text(f.second, r) : f.second);
  const std::string split = victim.find(".expr.") != std::string::npos ? "train" : victim.substr(6, victim.size() - 10);
  Split sp;
  try {
    sp = load_split(dir, "Cell1", "Cell2", split);
  } catch (const DataError& e) {
    return {Outcome::rejected, e.what()};
  }
  // Accepted: the data must be finite and usable by a model of its shape.
  for (float x : sp.xa)
    if (!std::isfinite(x)) return {Outcome::wrong, "accepted a non-finite count in " + victim};
  for (float x : sp.xb)
    if (!std::isfinite(x)) return {Outcome::wrong, "accepted a non-finite count in " + victim};
  if (!all_finite(sp.ea) || !all_finite(sp.eb)) return {Outcome::wrong, "accepted a non-finite expression in " + victim};
  ModelConfig c = s.cfg;
  c.bins = sp.bins;
  c.marks = sp.marks;
  DeepDiff<float> m(c);
  Rng init(1);
  m.params().init_uniform(init, -0.1, 0.1);
  const Predictions p = predict_split(m, sp, 7, false);
  if (!all_finite(p.pred)) return {Outcome::wrong, "accepted data of " + victim + " gives non-finite predictions"};
  return {};
}

Outcome run_checkpoint(const Seeds& s, Rng& r, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/checkpoint.bin";
  write_bytes(path, mutate_checkpoint(s.checkpoint, r));
  std::unique_ptr<DeepDiff<float>> m;
  try {
    m = std::make_unique<DeepDiff<float>>(load_model<float>(path));
  } catch (const CheckpointError& e) {
    return {Outcome::rejected, e.what()};
  }
  // A model of another shape than the data is refused by the programs (load_for); mimic it.
  if (m->config().bins != s.cfg.bins || m->config().marks != s.cfg.marks)
    return {Outcome::rejected, "shape differs from the data"};
  const Split valid = load_split(s.dir, "Cell1", "Cell2", "valid");
  const Predictions p = predict_split(*m, valid, 7, true);
  if (!all_finite(p.pred)) return {Outcome::wrong, "accepted checkpoint predicts non-finite values"};
  return {};
}

Outcome run_state(const Seeds& s, Rng& r, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/state.bin";
  write_bytes(path, mutate_checkpoint(s.state, r));
  DeepDiff<float> m(s.cfg);
  TrainOptions o = s.opt;
  o.epochs = 3;
  Trainer<float> t(m, o);
  try {
    restore_training(m, t.state(), read_checkpoint(path), path);
  } catch (const CheckpointError& e) {
    return {Outcome::rejected, e.what()};
  }
  const std::vector<std::string> diff = recipe_differences(read_checkpoint(path), o, model_precision(m));
  if (!diff.empty()) return {Outcome::rejected, "recipe differs: " + diff.front()};
  const TrainState<float>& st = t.state();
  if (st.epochs_done < 0 || st.epochs_done != static_cast<int>(st.history.size()) || st.adam.step < st.epochs_done ||
      st.best_epoch < 0 || st.best_epoch > st.epochs_done)
    return {Outcome::wrong, "accepted inconsistent counters"};
  const Split train = load_split(s.dir, "Cell1", "Cell2", "train");
  const Split valid = load_split(s.dir, "Cell1", "Cell2", "valid");
  try {
    if (st.epochs_done < o.epochs) {
      const EpochRecord e = t.epoch(train, valid);
      if (!std::isfinite(e.train_loss)) return {Outcome::wrong, "accepted state trains to a non-finite loss"};
    }
  } catch (const TrainingDiverged& e) {
    // Finite but huge values can legitimately overflow; the trainer stops, as it must.
    return {Outcome::rejected, e.what()};
  }
  return {};
}

#if DEEPDIFF_FUZZ_GENOMICS
// ---------------------------------------------------------------------------------------
// The readers of `deepdiff prepare` (samplesheet, annotation, expression, BAM/SAM,
// tagAlign/BED, bigWig). Every case writes a tiny valid project into its folder (two cells,
// three genes on chr1 of 1 kb, 4 bins of 25 bp), mutates one input and runs
// genomics::prepare_data_root on it, so each reader is reached the way the CLI reaches it.
// Accepted: the data root it wrote must load with load_split and hold finite values.

namespace gx = deepdiff::genomics;

const char* const kGenesBed = "chr1\t300\t600\tG1_ONE\t0\t+\nchr1\t400\t700\tG2_TWO\t0\t-\nchr1\t100\t200\tG3_THREE\t0\t+\n";
const char* const kGenesGtf =
    "#!genome-build test\n"
    "chr1\tsrc\tgene\t301\t600\t.\t+\t.\tgene_id \"G1.1\"; gene_name \"ONE\"; gene_type \"protein_coding\";\n"
    "chr1\tsrc\ttranscript\t301\t600\t.\t+\t.\tgene_id \"G1.1\"; transcript_id \"T1\";\n"
    "chr1\tsrc\tgene\t401\t700\t.\t-\t.\tgene_id \"G2.3\"; gene_name \"TWO\";\n"
    "chr1\tsrc\tgene\t101\t200\t.\t+\t.\tgene_id \"G3\"; gene_name \"THREE\";\n";
const char* const kGenesGff3 =
    "##gff-version 3\n"
    "chr1\tsrc\tgene\t301\t600\t.\t+\t.\tID=gene:G1;Name=ONE;biotype=protein_coding\n"
    "chr1\tsrc\tmRNA\t301\t600\t.\t+\t.\tID=transcript:T1;Parent=gene:G1\n"
    "chr1\tsrc\tgene\t401\t700\t.\t-\t.\tID=gene:G2;Name=TWO\n"
    "chr1\tsrc\tgene\t101\t200\t.\t+\t.\tID=gene:G3;Name=THREE\n";
const char* const kSam =
    "@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:1000\n"
    "r1\t0\tchr1\t261\t60\t25M\t*\t0\t0\t*\t*\n"
    "r2\t16\tchr1\t321\t0\t20M5D30M\t*\t0\t0\t*\t*\n"
    "r3\t1024\tchr1\t691\t60\t25M\t*\t0\t0\t*\t*\n"
    "r4\t256\tchr1\t701\t60\t10M\t*\t0\t0\t*\t*\n"
    "r5\t99\tchr1\t741\t60\t5S20M\t=\t781\t60\tACGTACGTACGTACGTACGTACGTA\tIIIIIIIIIIIIIIIIIIIIIIIII\n";
const char* const kTagAlign = "chr1\t240\t251\tN\t1000\t+\nchr1\t749\t800\tN\t1000\t-\nchrUn\t1\t50\tN\t0\t+\n1\t90\t120\tN\t0\t+\n";
const char* const kExpr = "gene,value\nG1,10\nG2,20.5\nG3,0\n";

std::string samplesheet_text() {
  std::string sheet = "cell,assay,path\n";
  for (const std::string c : {"A", "B"})
    sheet += c + ",H3K4me1,a.bam\n" + c + ",H3K4me3,a.tagAlign\n" + c + ",H3K9me3,a.bw\n" + c + ",H3K27me3,a.tagAlign\n" + c +
             ",H3K36me3,a.bam\n" + c + ",expression,expr.csv\n";
  return sheet;
}

// SAM text -> BAM through htslib; records htslib cannot parse are left out (the mutation then
// tests the BAM reader on what is left). false when even the header does not parse.
bool sam_to_bam(const std::string& path, const std::string& sam_text, bool index) {
  std::size_t body = 0;
  while (body < sam_text.size() && sam_text[body] == '@') {
    const std::size_t eol = sam_text.find('\n', body);
    body = eol == std::string::npos ? sam_text.size() : eol + 1;
  }
  sam_hdr_t* h = sam_hdr_parse(body, sam_text.c_str());
  if (!h) return false;
  htsFile* fp = sam_open(path.c_str(), "wb");
  bool ok = fp && sam_hdr_write(fp, h) == 0;
  bam1_t* b = bam_init1();
  kstring_t line{0, 0, nullptr};
  std::size_t pos = body;
  while (ok && pos < sam_text.size()) {
    std::size_t eol = sam_text.find('\n', pos);
    if (eol == std::string::npos) eol = sam_text.size();
    line.l = 0;
    kputsn(sam_text.data() + pos, eol - pos, &line);
    pos = eol + 1;
    if (line.l && sam_parse1(&line, h, b) >= 0) ok = sam_write1(fp, h, b) >= 0;
  }
  free(line.s);
  bam_destroy1(b);
  sam_hdr_destroy(h);
  if (fp && sam_close(fp) != 0) ok = false;
  // Indexing may fail on odd records: the case then runs without an index (a valid input too).
  if (ok && index && sam_index_build(path.c_str(), 0) != 0) std::filesystem::remove(path + ".bai");
  return ok;
}

// The uncompressed BAM stream of a BGZF file (so byte damage reaches the record parser
// instead of the CRC check), and back.
std::string bgzf_inflate(const std::string& path) {
  BGZF* f = bgzf_open(path.c_str(), "r");
  if (!f) throw std::runtime_error("fuzz: cannot open " + path);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = bgzf_read(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  bgzf_close(f);
  return out;
}
void bgzf_deflate(const std::string& path, const std::string& raw) {
  BGZF* f = bgzf_open(path.c_str(), "w");
  if (!f || bgzf_write(f, raw.data(), raw.size()) < 0 || bgzf_close(f) != 0)
    throw std::runtime_error("fuzz: cannot write " + path);
}

// A one-chromosome bigWig through libBigWig's writer; false for intervals the writer cannot
// take (unsorted, overlapping, empty, past the chromosome's end: libBigWig's bwClose crashes
// on some of those, in constructZoomLevels), which the caller then damages as bytes instead.
bool write_bigwig(const std::string& path, const std::string& chrom, std::uint32_t len, std::vector<std::uint32_t> starts,
                  std::vector<std::uint32_t> ends, std::vector<float> vals) {
  if (chrom.empty() || len == 0) return false;
  for (std::size_t k = 0; k < starts.size(); ++k)
    if (starts[k] >= ends[k] || ends[k] > len || (k + 1 < starts.size() && ends[k] > starts[k + 1])) return false;
  gx::signal_detail::bigwig_init();
  bigWigFile_t* bw = bwOpen(const_cast<char*>(path.c_str()), nullptr, "w");
  if (!bw) return false;
  bool ok = bwCreateHdr(bw, 2) == 0;
  const char* names[] = {chrom.c_str()};
  const std::uint32_t lens[] = {len};
  if (ok) bw->cl = bwCreateChromList(const_cast<char**>(names), const_cast<std::uint32_t*>(lens), 1);
  ok = ok && bw->cl && bwWriteHdr(bw) == 0;
  std::vector<const char*> chroms(starts.size(), chrom.c_str());
  if (ok && !starts.empty())
    ok = bwAddIntervals(bw, const_cast<char**>(chroms.data()), starts.data(), ends.data(), vals.data(),
                        static_cast<std::uint32_t>(starts.size())) == 0;
  bwClose(bw);
  return ok;
}

// Raw byte damage of a binary file (bit flips, little-endian fields set to edge values,
// truncation, insertion), as for the checkpoints.
std::string mutate_bytes(std::string s, Rng& r) {
  static const std::uint64_t interesting[] = {0, 1, 2, 0x7F, 0xFF, 0xFFFF, 0x7FFFFFFFull, 0xFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull, 1ull << 31};
  const int edits = 1 + static_cast<int>(below(r, 4));
  for (int e = 0; e < edits && !s.empty(); ++e) {
    switch (below(r, 5)) {
      case 0: s[below(r, s.size())] ^= static_cast<char>(1u << below(r, 8)); break;
      case 1: put_le(s, below(r, s.size()), interesting[below(r, sizeof interesting / sizeof *interesting)], 4); break;
      case 2: put_le(s, below(r, s.size()), interesting[below(r, sizeof interesting / sizeof *interesting)], 2); break;
      case 3: s.resize(below(r, s.size() + 1)); break;
      default: s.insert(below(r, s.size() + 1), std::string(1 + below(r, 16), static_cast<char>(r.next_u64())));
    }
  }
  return s;
}

// Text as labs hand it over: plain, one gzip member, several gzip members (what
// `cat a.gz b.gz > ab.gz` makes: prepare reads every member, as zcat does; bedtools 2.30 reads
// only the first), or BGZF (bgzip). A quarter of the compressed ones get their compressed bytes
// damaged; the others must give exactly what the plain text gives (checked by the caller).
enum class Packing { plain, gzip, multi, bgzf };
struct Packed {
  std::string bytes;
  Packing how = Packing::plain;
  bool damaged = false;
  std::string note;
};

std::string gzip_member(const std::string& text) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("fuzz: deflateInit2");
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("fuzz: deflate");
  return out;
}

Packed pack_text(const std::string& text, Rng& r, const std::string& dir) {
  Packed p;
  const std::size_t k = below(r, 8);
  p.how = k < 4 ? Packing::plain : k < 6 ? Packing::gzip : k < 7 ? Packing::multi : Packing::bgzf;
  if (p.how == Packing::plain) {
    p.bytes = text;
    return p;
  }
  if (p.how == Packing::gzip) {
    p.bytes = gzip_member(text);
    p.note = "gzip";
  } else if (p.how == Packing::multi) {
    // Two or three members cut at arbitrary bytes (mid-line too: zcat joins them).
    std::size_t a = below(r, text.size() + 1), b = below(r, text.size() + 1);
    if (a > b) std::swap(a, b);
    p.bytes = gzip_member(text.substr(0, a)) + gzip_member(text.substr(a, b - a));
    if (b < text.size() || below(r, 2)) p.bytes += gzip_member(text.substr(b));
    p.note = "multi-member gzip";
  } else {
    const std::string tmp = dir + "/packing.bgz";
    bgzf_deflate(tmp, text);
    p.bytes = read_file(tmp);
    std::filesystem::remove(tmp);
    p.note = "BGZF";
  }
  if (below(r, 4) == 0) {
    p.bytes = mutate_bytes(p.bytes, r);
    p.damaged = true;
    p.note += ", compressed bytes damaged";
  }
  return p;
}

// The files of a data root that the inputs decide (prepare.json records sizes and times).
std::string data_root_text(const std::string& root) {
  std::string all;
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root, ec))
    if (e.path().filename() != "prepare.json") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) all += n + "\n" + read_file(root + "/" + n) + "\n";
  return all;
}

enum class Victim { samplesheet, annotation, expression, bam, reads, bigwig };

Outcome run_prepare(Victim v, Rng& r, const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::string note;  // how the input was mutated, for --verbose
  // The annotation: BED6 unless it is the victim, then one of the three formats.
  const std::size_t afmt = v == Victim::annotation ? below(r, 3) : 0;
  const std::string ann_text = afmt == 0 ? kGenesBed : afmt == 1 ? kGenesGtf : kGenesGff3;
  const std::string ann = dir + "/genes" + (afmt == 0 ? ".bed" : afmt == 1 ? ".gtf" : ".gff3");
  // The text victim (annotation, expression table, tagAlign), mutated, then maybe compressed.
  std::string victim_path, victim_text;
  Packed packed;
  if (v == Victim::annotation) victim_path = ann, victim_text = mutate_text(ann_text, r, '\t');
  if (v == Victim::expression) victim_path = dir + "/expr.csv", victim_text = mutate_text(kExpr, r);
  if (v == Victim::reads) victim_path = dir + "/a.tagAlign", victim_text = mutate_text(kTagAlign, r, '\t');
  if (!victim_path.empty()) {
    packed = pack_text(victim_text, r, dir);
    note = packed.note;
  }
  auto put = [&](const std::string& path, const std::string& seed_text) {
    write_bytes(path, path == victim_path ? packed.bytes : seed_text);
  };
  put(ann, ann_text);
  std::string sheet = samplesheet_text();
  if (v == Victim::samplesheet) sheet = mutate_text(sheet, r);
  put(dir + "/expr.csv", kExpr);
  put(dir + "/a.tagAlign", kTagAlign);

  // BAM: valid and indexed, or (victim) mutated SAM text read as SAM or converted to BAM,
  // or the decompressed BAM stream damaged and re-compressed, or the compressed file damaged.
  const std::string bam = dir + "/a.bam";
  if (v != Victim::bam) {
    if (!sam_to_bam(bam, kSam, true)) throw std::runtime_error("fuzz: cannot write the seed BAM");
  } else {
    const std::size_t mode = below(r, 4);
    note = "bam mode " + std::to_string(mode);
    if (mode == 0) {
      write_bytes(bam, mutate_text(kSam, r, '\t'));  // SAM text (the reader detects content, not names)
    } else if (mode == 1) {
      // Not indexed: indexing a file htslib refuses (unsorted, ...) leaks in sam_index_build3.
      if (!sam_to_bam(bam, mutate_text(kSam, r, '\t'), false)) write_bytes(bam, kSam);
    } else {
      // Half the time with the valid file's index left beside the damaged one (a stale index):
      // indexing the damaged file itself leaks in htslib's sam_index_build3 error path (LSan).
      if (!sam_to_bam(bam, kSam, mode == 2 && below(r, 2) == 0)) throw std::runtime_error("fuzz: cannot write the seed BAM");
      if (mode == 2) {
        bgzf_deflate(bam, mutate_bytes(bgzf_inflate(bam), r));
      } else {
        write_bytes(bam, mutate_bytes(read_file(bam), r));
      }
    }
  }

  // bigWig: valid, or (victim) written with odd intervals / lengths / names / values, or damaged bytes.
  const std::string bw = dir + "/a.bw";
  std::string chrom = "chr1";
  std::uint32_t len = 1000;
  std::vector<std::uint32_t> st = {250, 300, 740}, en = {260, 330, 760};
  std::vector<float> val = {2.0f, 0.5f, 1.5f};
  const std::size_t bmode = v == Victim::bigwig ? below(r, 2) : 9;
  if (bmode == 0) {
    note = "bigwig intervals";
    static const float bad[] = {std::nanf(""), HUGE_VALF, -HUGE_VALF, 3.4e38f, -1.0f, 0.0f, 1e-30f};
    static const std::uint32_t pos[] = {0, 1, 24, 25, 999, 1000, 1001, 5000, 0xFFFFFFFFu};
    static const char* names[] = {"1", "chrX", "chr1_random", "", "chr1 ", "MT"};
    const int edits = 1 + static_cast<int>(below(r, 3));
    for (int e = 0; e < edits; ++e) {
      const std::size_t k = below(r, st.size());
      switch (below(r, 5)) {
        case 0: val[k] = bad[below(r, sizeof bad / sizeof *bad)]; break;
        case 1: st[k] = pos[below(r, sizeof pos / sizeof *pos)]; break;
        case 2: en[k] = pos[below(r, sizeof pos / sizeof *pos)]; break;
        case 3: len = pos[below(r, sizeof pos / sizeof *pos)]; break;
        default: chrom = names[below(r, sizeof names / sizeof *names)];
      }
    }
    if (!write_bigwig(bw, chrom, len, st, en, val)) {  // the writer refused: damage bytes instead
      note += " (refused by the writer; bytes damaged)";
      write_bigwig(bw, "chr1", 1000, {250, 300, 740}, {260, 330, 760}, {2.0f, 0.5f, 1.5f});
      write_bytes(bw, mutate_bytes(read_file(bw), r));
    }
  } else {
    if (!write_bigwig(bw, chrom, len, st, en, val)) throw std::runtime_error("fuzz: cannot write the seed bigWig");
    if (bmode == 1) {
      note = "bigwig bytes";
      write_bytes(bw, mutate_bytes(read_file(bw), r));
    }
  }
  write_bytes(dir + "/samples.csv", sheet);

  gx::PrepareOptions o;
  o.samplesheet = dir + "/samples.csv";
  o.annotation = ann;
  o.out = dir + "/root";
  o.bins = 4;
  o.bin_size = 25;
  o.split_counts = {1, 1, 1};
  o.threads = 1;
  // Compressed text that is not damaged must read exactly as the same text uncompressed:
  // the same refusal, or the same data root.
  const bool twin = packed.how != Packing::plain && !packed.damaged;
  std::string plain_error, plain_root;
  if (twin) {
    write_bytes(victim_path, victim_text);
    gx::PrepareOptions po = o;
    po.out = dir + "/root-plain";
    try {
      gx::prepare_data_root(po);
      plain_root = data_root_text(po.out);
    } catch (const DataError& e) {
      plain_error = e.what();
    }
    write_bytes(victim_path, packed.bytes);
  }
  try {
    gx::prepare_data_root(o);
  } catch (const DataError& e) {
    if (twin && plain_error.empty())
      return {Outcome::wrong, note + ": refused, but the same text uncompressed is accepted: " + e.what()};
    return {Outcome::rejected, e.what()};
  }
  if (twin && !plain_error.empty())
    return {Outcome::wrong, note + ": accepted, but the same text uncompressed is refused: " + plain_error};
  if (twin && data_root_text(o.out) != plain_root)
    return {Outcome::wrong, note + ": the data root differs from the one the same text uncompressed gives"};
  // Accepted: what prepare wrote must be a data root the library reads, with finite values.
  // The expression row is optional in a samplesheet; load_split needs a table for both cells,
  // so a cell without one borrows the other's (both missing: the signals are not checked).
  // A sheet left with one cell (a mutation dropped the other's rows) is a valid data root of
  // one cell: it is loaded as a pair with itself.
  const bool cell_a = std::filesystem::exists(o.out + "/A.train.csv"), cell_b = std::filesystem::exists(o.out + "/B.train.csv");
  if (!cell_a && !cell_b) return {Outcome::wrong, note + ": accepted, but no cell's files were written"};
  const std::string c1 = cell_a ? "A" : "B", c2 = cell_b ? "B" : "A";
  const std::string ea = o.out + "/" + c1 + ".expr.csv", eb = o.out + "/" + c2 + ".expr.csv";
  const bool has_a = std::filesystem::exists(ea), has_b = std::filesystem::exists(eb);
  if (!has_a && !has_b) return {Outcome::accepted, note + " (no expression tables: signals not loaded)"};
  if (!has_a) std::filesystem::copy_file(eb, ea);
  if (!has_b) std::filesystem::copy_file(ea, eb);
  for (const char* split : {"train", "valid", "test"}) {
    Split sp;
    try {
      sp = load_split(o.out, c1, c2, split);
    } catch (const DataError& e) {
      return {Outcome::wrong, note + ": prepare accepted the input but wrote a data root load_split refuses: " + e.what()};
    }
    for (float x : sp.xa)
      if (!std::isfinite(x)) return {Outcome::wrong, note + ": accepted, non-finite signal written"};
    for (float x : sp.xb)
      if (!std::isfinite(x)) return {Outcome::wrong, note + ": accepted, non-finite signal written"};
    if (!all_finite(sp.ea) || !all_finite(sp.eb)) return {Outcome::wrong, note + ": accepted, non-finite expression written"};
  }
  return {Outcome::accepted, note};
}

Outcome run_samplesheet(const Seeds&, Rng& r, const std::string& dir) { return run_prepare(Victim::samplesheet, r, dir); }
Outcome run_annotation(const Seeds&, Rng& r, const std::string& dir) { return run_prepare(Victim::annotation, r, dir); }
Outcome run_expression(const Seeds&, Rng& r, const std::string& dir) { return run_prepare(Victim::expression, r, dir); }
Outcome run_bam(const Seeds&, Rng& r, const std::string& dir) { return run_prepare(Victim::bam, r, dir); }
Outcome run_reads(const Seeds&, Rng& r, const std::string& dir) { return run_prepare(Victim::reads, r, dir); }
Outcome run_bigwig(const Seeds&, Rng& r, const std::string& dir) { return run_prepare(Victim::bigwig, r, dir); }
#endif  // DEEPDIFF_FUZZ_GENOMICS

struct Target {
  std::string name;
  std::function<Outcome(const Seeds&, Rng&, const std::string&)> run;
};

const std::vector<Target>& targets() {
  static const std::vector<Target> t = {
      {"csv", run_csv},
      {"checkpoint", run_checkpoint},
      {"state", run_state},
#if DEEPDIFF_FUZZ_GENOMICS
      {"samplesheet", run_samplesheet},
      {"annotation", run_annotation},
      {"expression", run_expression},
      {"bam", run_bam},
      {"reads", run_reads},
      {"bigwig", run_bigwig},
#endif
  };
  return t;
}

// The error's class for the tally: the first five plain lower-case words of the message after
// its "FILE[:LINE]: " prefix (names, numbers and quoted values dropped), e.g. "bins out of order gene".
std::string error_class(const std::string& msg) {
  std::string m = msg.substr(0, msg.find('\n'));
  const std::size_t p = m.find(": ");
  if (p != std::string::npos) m = m.substr(p + 2);
  std::string out, word;
  int words = 0;
  auto flush = [&]() {
    bool plain = !word.empty();
    for (char ch : word) plain = plain && ((ch >= 'a' && ch <= 'z') || ch == '-' || ch == '_');
    if (plain && words < 5) {
      out += (out.empty() ? "" : " ") + word;
      ++words;
    }
    word.clear();
  };
  for (char ch : m) {
    if (ch == ' ' || ch == ':' || ch == ',' || ch == '(' || ch == ')' || ch == ';') flush();
    else word += ch;
  }
  flush();
  return out.empty() ? "(other)" : out;
}

int usage() {
#if DEEPDIFF_FUZZ_GENOMICS
  const char* genomics = " samplesheet annotation expression bam reads bigwig";
#else
  const char* genomics = " (the genomics targets are not built: no deepdiff::genomics)";
#endif
  std::fprintf(stderr,
               "usage: fuzz_inputs [--cases N] [--seed S] [--target NAME|all] [--case K] [--work DIR] [--verbose]\n"
               "  targets: csv checkpoint state%s\n",
               genomics);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  long long cases = 300, only_case = -1;
  unsigned long long seed = 1;
  std::string target = "all", work;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--cases") cases = std::stoll(value());
      else if (a == "--seed") seed = std::stoull(value());
      else if (a == "--target") target = value();
      else if (a == "--case") only_case = std::stoll(value());
      else if (a == "--work") work = value();
      else if (a == "--verbose") verbose = true;
      else return usage();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fuzz_inputs: %s\n", e.what());
      return usage();
    }
  }
  std::vector<const Target*> use;
  for (const Target& t : targets())
    if (target == "all" || target == t.name) use.push_back(&t);
  if (use.empty() || cases < 1) return usage();
  omp_set_num_threads(1);  // cases are tiny; one thread keeps a sanitizer run simple
#if DEEPDIFF_FUZZ_GENOMICS
  hts_set_log_level(HTS_LOG_OFF);  // htslib's own warnings on every damaged input; the tally says what happened
#endif

  const bool own_work = work.empty();
  if (own_work) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "deepdiff_fuzz_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) {
      std::perror("mkdtemp");
      return 1;
    }
    work = tmpl;
  }
  std::filesystem::create_directories(work);
  const Seeds seeds = make_seeds(work);

  std::map<std::string, std::map<std::string, long long>> rejected;  // target -> error class -> count
  std::map<std::string, long long> accepted, wrong;
  long long ran = 0;
  const long long first = only_case >= 0 ? only_case : 0, last = only_case >= 0 ? only_case + 1 : cases;
  for (long long k = first; k < last; ++k) {
    const Target& t = *use[static_cast<std::size_t>(k) % use.size()];
    // Which case is running, for the report of a crash (the sanitizer ends the process).
    write_bytes(work + "/current_case", "seed " + std::to_string(seed) + " case " + std::to_string(k) + " target " + t.name + "\n");
    Rng r(seed * 0x9E3779B97F4A7C15ull + static_cast<unsigned long long>(k));
    const std::string dir = work + "/case";
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    Outcome o;
    try {
      o = t.run(seeds, r, dir);
    } catch (const std::bad_alloc&) {
      o = {Outcome::wrong, "std::bad_alloc (an allocation sized by the input?)"};
    } catch (const std::exception& e) {
      o = {Outcome::wrong, std::string("unexpected exception: ") + e.what()};
    }
    ++ran;
    if (o.kind == Outcome::rejected) ++rejected[t.name][error_class(o.detail)];
    else if (o.kind == Outcome::accepted) ++accepted[t.name];
    else {
      ++wrong[t.name];
      std::printf("WRONG: seed %llu case %lld (%s): %s\n", seed, k, t.name.c_str(), o.detail.c_str());
    }
    if (verbose) std::printf("case %lld %s: %s %s\n", k, t.name.c_str(),
                             o.kind == Outcome::rejected ? "rejected" : o.kind == Outcome::accepted ? "accepted" : "WRONG",
                             o.detail.c_str());
  }
  long long n_wrong = 0, n_rej = 0, n_acc = 0;
  std::printf("fuzz_inputs: seed %llu, %lld cases\n", seed, ran);
  for (const Target* t : use) {
    long long rj = 0;
    for (const auto& c : rejected[t->name]) rj += c.second;
    std::printf("  %-10s accepted %lld, rejected with an error %lld, WRONG %lld\n", t->name.c_str(), accepted[t->name], rj,
                wrong[t->name]);
    for (const auto& c : rejected[t->name]) std::printf("      %6lld  %s\n", c.second, c.first.c_str());
    n_wrong += wrong[t->name];
    n_rej += rj;
    n_acc += accepted[t->name];
  }
  std::printf("total: %lld accepted, %lld rejected, %lld WRONG, 0 crashes (the run finished)\n", n_acc, n_rej, n_wrong);
  if (own_work) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  }
  return n_wrong ? 1 : 0;
}
