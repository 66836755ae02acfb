// Splits that share no reads (issue 25).
//
// A gene's values are the reads in its window, TSS +/- bins x bin_size / 2 (make_windows in
// signal.hpp; a gene-window file's window as written). Neighbouring genes and bidirectional
// promoters have overlapping windows, so a random split by gene puts the same reads into a
// training gene's input and a test gene's input: the test score then rewards memorising
// regions, not learning marks. This header measures that (split_overlap: for the valid and
// test genes, how many have a window overlapping a training window, and how many bp of their
// windows training windows cover) and avoids it (window_clusters: the connected components
// of overlapping windows; fill_by_clusters: a split drawn by whole clusters, so no window is
// shared across splits).
//
// Windows are half-open [start, end), like BED: [a, b) and [b, c) abut and do not overlap
// (bedtools intersect agrees). A window is clipped at 0, since nothing is read before a
// chromosome's start (the part before it shares no reads); it is not clipped at the
// chromosome's end, whose length a tagAlign file does not give. A window wholly before the
// chromosome is empty: it overlaps nothing and forms a cluster of its own.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "deepdiff/genomics/annotation.hpp"
#include "deepdiff/tensor/random.hpp"

namespace deepdiff {
namespace genomics {

struct Window {
  std::int64_t start = 0, end = 0;  // half-open, start >= 0; empty when end <= start
  bool empty() const { return end <= start; }
};

// The window whose reads a gene's values count (make_windows: [tss - F, tss + F) with
// F = bins x bin_size / 2; a gene-window file's [start, end), which prepare checks to be
// bins x bin_size long, is that same window), clipped at 0.
inline Window gene_window(const Gene& g, int bins, std::int64_t bin_size) {
  const std::int64_t half = static_cast<std::int64_t>(bins) * bin_size / 2;
  Window w = g.window ? Window{g.start, g.end} : Window{g.tss() - half, g.tss() + half};
  w.start = std::max<std::int64_t>(w.start, 0);
  return w;
}

// At least one base in common (abutting windows do not overlap; an empty one overlaps nothing).
inline bool windows_overlap(const Window& a, const Window& b) {
  return !a.empty() && !b.empty() && a.start < b.end && b.start < a.end;
}

namespace split_overlap_detail {

// The genes' indices per chromosome, each list sorted by window start (then end, then index:
// a total order, so everything below is the same on every platform).
inline std::map<std::string, std::vector<std::size_t>> by_chrom(const std::vector<std::string>& chrom,
                                                                const std::vector<Window>& w) {
  std::map<std::string, std::vector<std::size_t>> m;
  for (std::size_t i = 0; i < w.size(); ++i) m[chrom[i]].push_back(i);
  for (auto& kv : m)
    std::sort(kv.second.begin(), kv.second.end(), [&](std::size_t a, std::size_t b) {
      if (w[a].start != w[b].start) return w[a].start < w[b].start;
      if (w[a].end != w[b].end) return w[a].end < w[b].end;
      return a < b;
    });
  return m;
}

}  // namespace split_overlap_detail

// Cluster id per window: the connected components of the "overlaps" relation (a chain A-B-C
// is one cluster even when A and C do not overlap), numbered 0, 1, ... in the order of their
// first window in the input, so the numbering does not depend on how chromosomes sort.
inline std::vector<std::size_t> window_clusters(const std::vector<std::string>& chrom, const std::vector<Window>& w) {
  const std::size_t n = w.size();
  std::vector<std::size_t> raw(n, 0);
  std::size_t next = 0;
  for (const auto& kv : split_overlap_detail::by_chrom(chrom, w)) {
    // Sorted by start, a window joins the current component exactly when it starts before the
    // component's furthest end (it then overlaps the window reaching that end).
    bool open = false;
    std::size_t current = 0;
    std::int64_t reach = 0;
    for (const std::size_t i : kv.second) {
      if (w[i].empty()) {
        raw[i] = next++;  // alone, and the component being swept stays open
        continue;
      }
      if (!open || w[i].start >= reach) {
        current = next++;
        open = true;
        reach = w[i].end;
      } else {
        reach = std::max(reach, w[i].end);
      }
      raw[i] = current;
    }
  }
  std::vector<std::size_t> renumber(next, SIZE_MAX), id(n);
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (renumber[raw[i]] == SIZE_MAX) renumber[raw[i]] = k++;
    id[i] = renumber[raw[i]];
  }
  return id;
}

inline std::vector<std::size_t> window_clusters(const std::vector<Gene>& genes, int bins, std::int64_t bin_size) {
  std::vector<std::string> chrom;
  std::vector<Window> w;
  for (const Gene& g : genes) {
    chrom.push_back(g.chrom);
    w.push_back(gene_window(g, bins, bin_size));
  }
  return window_clusters(chrom, w);
}

struct OverlapCount {
  std::size_t genes = 0;  // windows of the set that overlap some window of the other set
  std::int64_t bp = 0;    // bases of the set's windows that the other set's windows cover (summed per window)
};

// Of the windows with of[i], how many overlap a window with by[i], and how many of their bases
// lie in by's windows (their union: a base covered by two of them counts once per window of
// the set, as `bedtools merge` of by's windows then `bedtools intersect` with the set's gives).
inline OverlapCount overlap_count(const std::vector<std::string>& chrom, const std::vector<Window>& w,
                                  const std::vector<char>& of, const std::vector<char>& by) {
  OverlapCount r;
  for (const auto& kv : split_overlap_detail::by_chrom(chrom, w)) {
    std::vector<Window> u;  // by's windows merged: sorted, disjoint
    for (const std::size_t i : kv.second) {
      if (!by[i] || w[i].empty()) continue;
      if (!u.empty() && w[i].start <= u.back().end) u.back().end = std::max(u.back().end, w[i].end);
      else u.push_back(w[i]);
    }
    if (u.empty()) continue;
    for (const std::size_t i : kv.second) {
      if (!of[i] || w[i].empty()) continue;
      // The first merged interval ending after the window's start, then on while they start before its end.
      auto it = std::upper_bound(u.begin(), u.end(), w[i].start, [](std::int64_t x, const Window& m) { return x < m.end; });
      std::int64_t covered = 0;
      for (; it != u.end() && it->start < w[i].end; ++it)
        covered += std::min(it->end, w[i].end) - std::max(it->start, w[i].start);
      if (covered > 0) {
        ++r.genes;
        r.bp += covered;
      }
    }
  }
  return r;
}

// How much the splits share. valid and test: against the training windows; valid_test: the
// test genes against the validation windows (model selection on valid then also sees test reads).
struct SplitOverlap {
  std::array<std::size_t, 3> genes = {0, 0, 0};  // genes per split (train, valid, test)
  std::array<std::int64_t, 3> bp = {0, 0, 0};    // bases of their windows, summed per gene
  OverlapCount valid, test, valid_test;
};

// split[g]: 0 train, 1 valid, 2 test, anything else unused (not counted).
inline SplitOverlap split_overlap(const std::vector<Gene>& genes, const std::vector<int>& split, int bins,
                                  std::int64_t bin_size) {
  const std::size_t n = genes.size();
  std::vector<std::string> chrom(n);
  std::vector<Window> w(n);
  std::array<std::vector<char>, 3> in;
  for (auto& v : in) v.assign(n, 0);
  SplitOverlap r;
  for (std::size_t g = 0; g < n; ++g) {
    chrom[g] = genes[g].chrom;
    w[g] = gene_window(genes[g], bins, bin_size);
    const int s = split[g];
    if (s < 0 || s > 2) continue;
    in[static_cast<std::size_t>(s)][g] = 1;
    ++r.genes[static_cast<std::size_t>(s)];
    r.bp[static_cast<std::size_t>(s)] += w[g].empty() ? 0 : w[g].end - w[g].start;
  }
  r.valid = overlap_count(chrom, w, in[1], in[0]);
  r.test = overlap_count(chrom, w, in[2], in[0]);
  r.valid_test = overlap_count(chrom, w, in[2], in[1]);
  return r;
}

// The report as one line (prepare logs it when the splits are drawn).
inline std::string split_overlap_text(const SplitOverlap& o) {
  auto part = [&](const OverlapCount& c, std::size_t of, std::int64_t bp, const char* what) {
    char b[200];
    std::snprintf(b, sizeof b, "%zu of %zu %s genes (%.1f%%; %lld of their %lld bp)", c.genes, of, what,
                  of ? 100.0 * static_cast<double>(c.genes) / static_cast<double>(of) : 0.0, static_cast<long long>(c.bp),
                  static_cast<long long>(bp));
    return std::string(b);
  };
  if (o.valid.genes == 0 && o.test.genes == 0 && o.valid_test.genes == 0)
    return "split overlap: no window is shared across the train, valid and test splits";
  std::string s = "split overlap: " + part(o.valid, o.genes[1], o.bp[1], "valid") + " and " +
                  part(o.test, o.genes[2], o.bp[2], "test") +
                  " have a window overlapping a training gene's, so the same reads are in both; " +
                  part(o.valid_test, o.genes[2], o.bp[2], "test") + " overlap a valid gene's. ";
  return s + "--test-chromosomes or --no-overlap avoid it (docs/prepare.md, \"Leakage\")";
}

// What fill_by_clusters placed.
struct ClusterFill {
  std::array<long long, 3> filled = {0, 0, 0};  // genes per split
  std::size_t clusters = 0, largest = 0;         // clusters among the pool's genes, and the most genes in one
};

// Draws the pool's genes by whole clusters: the clusters (cluster_of[g], over the pool's genes)
// in an order shuffled by rng, each to the first split of `order` with room for all of its
// genes (room: counts[s] minus the genes given so far); one that fits in none stays unused
// (split -1), and later, smaller clusters may still fill the room it left. So the counts are
// met exactly while small clusters remain to fill the last places (most genes are alone),
// and the shortfall is what clustering cost. Every split is a random set of clusters;
// within a split, genes keep their order.
inline ClusterFill fill_by_clusters(const std::vector<std::size_t>& pool, const std::vector<std::size_t>& cluster_of,
                                    const std::array<long long, 3>& counts, const std::vector<int>& order, Rng& rng,
                                    std::vector<int>& split) {
  ClusterFill f;
  std::map<std::size_t, std::size_t> index;  // cluster id -> position in members (first appearance in the pool)
  std::vector<std::vector<std::size_t>> members;
  for (const std::size_t g : pool) {
    const auto ins = index.emplace(cluster_of[g], members.size());
    if (ins.second) members.emplace_back();
    members[ins.first->second].push_back(g);
  }
  f.clusters = members.size();
  for (const auto& m : members) f.largest = std::max(f.largest, m.size());
  std::vector<std::size_t> draw(members.size());
  for (std::size_t k = 0; k < draw.size(); ++k) draw[k] = k;
  rng.shuffle(draw);
  std::array<long long, 3> room = counts;
  for (const std::size_t k : draw) {
    const long long size = static_cast<long long>(members[k].size());
    for (const int s : order) {
      if (room[static_cast<std::size_t>(s)] < size) continue;
      room[static_cast<std::size_t>(s)] -= size;
      f.filled[static_cast<std::size_t>(s)] += size;
      for (const std::size_t g : members[k]) split[g] = s;
      break;
    }
  }
  return f;
}

}  // namespace genomics
}  // namespace deepdiff
