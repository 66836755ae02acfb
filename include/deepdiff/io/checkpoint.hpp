// Checkpoints, exactly as docs/checkpoint-format.md (version 1):
//
//   magic "DDIFFCKP" | u32 version | u32 scalar_bytes | u64 meta_len | meta | u64 n_tensors |
//   n_tensors x (u32 name_len | name | u32 rank | rank x u64 dims | values) | u64 FNV-1a
//
// All integers little-endian, written byte by byte so the file is the same on any host.
// Values are held as double in memory: float -> double -> float is exact, so a float32
// checkpoint round-trips bit for bit, and float64 ones trivially.
//
// The reader trusts nothing in the file: every length is checked against the bytes that
// remain *before* anything is allocated, so a corrupted length field gives an error, not a
// 2^60-byte allocation.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "deepdiff/io/checksum.hpp"
#include "deepdiff/io/atomic_file.hpp"
#include "deepdiff/io/read_file.hpp"
#include "deepdiff/tensor/tensor.hpp"

namespace deepdiff {

struct NamedArray {
  std::string name;
  Shape shape;
  std::vector<double> values;  // row-major, shape_numel(shape) of them
};

struct Checkpoint {
  std::map<std::string, std::string> meta;  // sorted keys, as the file stores them
  std::vector<NamedArray> tensors;          // parameters first, in state_dict order; then "__" state
  std::uint32_t scalar_bytes = 4;           // 4: float32 values, 8: float64

  const NamedArray* find(const std::string& name) const {
    for (const NamedArray& t : tensors)
      if (t.name == name) return &t;
    return nullptr;
  }
};

struct CheckpointError : std::runtime_error {
  CheckpointError(const std::string& file_, const std::string& reason_)
      : std::runtime_error(file_ + ": " + reason_), file(file_), reason(reason_) {}
  std::string file;
  std::string reason;
};

// meta[key], or an error naming the entry: what every reader of a checkpoint's entries calls.
inline const std::string& checkpoint_meta(const Checkpoint& ck, const std::string& key, const std::string& path) {
  const auto it = ck.meta.find(key);
  if (it == ck.meta.end()) throw CheckpointError(path, "checkpoint has no '" + key + "' entry");
  return it->second;
}

// meta[key] as an integer in [lo, hi] written as plain decimal digits (no sign but '-', no
// space), or an error naming the entry and the range.
inline long long checkpoint_meta_integer(const Checkpoint& ck, const std::string& key, long long lo, long long hi,
                                         const std::string& path) {
  const std::string& v = checkpoint_meta(ck, key, path);
  long long x = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size() || x < lo || x > hi)
    throw CheckpointError(path, "checkpoint entry " + key + "='" + v + "' is not an integer in [" + std::to_string(lo) +
                                    ", " + std::to_string(hi) + "]");
  return x;
}

constexpr std::uint32_t kCheckpointVersion = 1;

// Metadata every checkpoint carries (docs/checkpoint-format.md); tools/checkpoint.py
// insists on them too, so a file one side accepts the other accepts.
inline const std::vector<std::string>& checkpoint_required_meta() {
  static const std::vector<std::string> keys = {"variant", "bins", "marks", "hidden1", "hidden2"};
  return keys;
}

namespace ckpt_detail {

constexpr char kMagic[8] = {'D', 'D', 'I', 'F', 'F', 'C', 'K', 'P'};
constexpr std::uint32_t kMaxRank = 4;

using ::deepdiff::fnv1a64;  // io/checksum.hpp

inline void put_u32(std::string& out, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) out += static_cast<char>((v >> (8 * k)) & 0xFF);
}
inline void put_u64(std::string& out, std::uint64_t v) {
  for (int k = 0; k < 8; ++k) out += static_cast<char>((v >> (8 * k)) & 0xFF);
}

// Reads little-endian fields, checking each against the end of the buffer.
class Reader {
 public:
  Reader(const std::string& path, const std::string& bytes, std::size_t end)
      : path_(path), p_(reinterpret_cast<const unsigned char*>(bytes.data())), end_(end) {}

  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return end_ - pos_; }

  void need(std::uint64_t n, const std::string& what) const {
    if (n > remaining())
      throw CheckpointError(path_, "truncated: " + what + " needs " + std::to_string(n) + " bytes at offset " +
                                       std::to_string(pos_) + ", only " + std::to_string(remaining()) + " remain");
  }
  std::uint32_t u32(const std::string& what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(p_[pos_ + static_cast<std::size_t>(k)]) << (8 * k);
    pos_ += 4;
    return v;
  }
  std::uint64_t u64(const std::string& what) {
    need(8, what);
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v |= static_cast<std::uint64_t>(p_[pos_ + static_cast<std::size_t>(k)]) << (8 * k);
    pos_ += 8;
    return v;
  }
  std::string bytes(std::uint64_t n, const std::string& what) {
    need(n, what);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  const unsigned char* take(std::uint64_t n, const std::string& what) {
    need(n, what);
    const unsigned char* q = p_ + pos_;
    pos_ += static_cast<std::size_t>(n);
    return q;
  }

 private:
  std::string path_;
  const unsigned char* p_;
  std::size_t end_;
  std::size_t pos_ = 0;
};

// Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF), as Python's
// decoder demands of names and metadata.
inline bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // the sequence runs past the end
    for (std::size_t k = 1; k <= n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    static const std::uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

inline void check_meta(const std::string& path, const std::map<std::string, std::string>& meta) {
  for (const auto& kv : meta) {
    if (kv.first.empty() || kv.first.find_first_of("=\r\n") != std::string::npos)
      throw CheckpointError(path, "metadata key '" + kv.first + "' is empty or holds '=' or a line break");
    if (kv.second.find_first_of("\r\n") != std::string::npos)
      throw CheckpointError(path, "metadata value of '" + kv.first + "' holds a line break");
    if (!valid_utf8(kv.first) || !valid_utf8(kv.second))
      throw CheckpointError(path, "metadata entry '" + kv.first + "' is not valid UTF-8");
  }
  std::string missing;
  for (const std::string& k : checkpoint_required_meta())
    if (!meta.count(k)) missing += (missing.empty() ? "" : ", ") + k;
  if (!missing.empty()) throw CheckpointError(path, "metadata lacks the required key(s) " + missing);
}

inline std::string encode_meta(const std::string& path, const std::map<std::string, std::string>& meta) {
  check_meta(path, meta);
  std::string s;
  for (const auto& kv : meta) s += kv.first + "=" + kv.second + "\n";  // std::map: sorted bytewise
  return s;
}

inline std::map<std::string, std::string> decode_meta(const std::string& path, const std::string& text) {
  std::map<std::string, std::string> meta;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) throw CheckpointError(path, "metadata does not end with a newline");
    const std::string line = text.substr(start, nl - start);
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CheckpointError(path, "metadata line '" + line.substr(0, 60) + "' is not key=value");
    const std::string key = line.substr(0, eq);
    if (!meta.empty() && key < meta.rbegin()->first)
      throw CheckpointError(path, "metadata keys are not sorted ('" + key + "' after '" + meta.rbegin()->first + "')");
    if (!meta.emplace(key, line.substr(eq + 1)).second)
      throw CheckpointError(path, "metadata key '" + key + "' appears twice");
    start = nl + 1;
  }
  check_meta(path, meta);
  return meta;
}

}  // namespace ckpt_detail

// The file's bytes (what write_checkpoint stores); `path` only names the file in errors.
inline std::string encode_checkpoint(const Checkpoint& ck, const std::string& path = "checkpoint") {
  namespace cd = ckpt_detail;
  if (ck.scalar_bytes != 4 && ck.scalar_bytes != 8)
    throw CheckpointError(path, "scalar_bytes must be 4 or 8, not " + std::to_string(ck.scalar_bytes));
  std::string out(cd::kMagic, sizeof cd::kMagic);
  cd::put_u32(out, kCheckpointVersion);
  cd::put_u32(out, ck.scalar_bytes);
  const std::string meta = cd::encode_meta(path, ck.meta);
  cd::put_u64(out, meta.size());
  out += meta;
  cd::put_u64(out, ck.tensors.size());
  std::set<std::string> names;
  for (const NamedArray& t : ck.tensors) {
    if (t.name.empty() || !names.insert(t.name).second)
      throw CheckpointError(path, "tensor name '" + t.name + "' is empty or appears twice");
    if (!cd::valid_utf8(t.name)) throw CheckpointError(path, "tensor name '" + t.name + "' is not valid UTF-8");
    for (Index dim : t.shape)
      if (dim < 0) throw CheckpointError(path, "tensor '" + t.name + "' has a negative dimension");
    if (t.shape.size() > cd::kMaxRank)
      throw CheckpointError(path, "tensor '" + t.name + "' has rank " + std::to_string(t.shape.size()) + " > 4");
    if (static_cast<Index>(t.values.size()) != shape_numel(t.shape))
      throw CheckpointError(path, "tensor '" + t.name + "' has " + std::to_string(t.values.size()) +
                                      " values for shape " + shape_string(t.shape));
    cd::put_u32(out, static_cast<std::uint32_t>(t.name.size()));
    out += t.name;
    cd::put_u32(out, static_cast<std::uint32_t>(t.shape.size()));
    for (Index d : t.shape) cd::put_u64(out, static_cast<std::uint64_t>(d));
    out.reserve(out.size() + t.values.size() * ck.scalar_bytes + 8);
    for (double v : t.values) {
      if (ck.scalar_bytes == 4) {
        const float f = static_cast<float>(v);
        std::uint32_t bits;
        std::memcpy(&bits, &f, 4);
        cd::put_u32(out, bits);
      } else {
        std::uint64_t bits;
        std::memcpy(&bits, &v, 8);
        cd::put_u64(out, bits);
      }
    }
  }
  cd::put_u64(out, cd::fnv1a64(reinterpret_cast<const unsigned char*>(out.data()), out.size()));
  return out;
}

// Parses the bytes of a checkpoint; `path` only names the file in errors.
inline Checkpoint decode_checkpoint(const std::string& bytes, const std::string& path = "checkpoint") {
  namespace cd = ckpt_detail;
  if (bytes.size() < sizeof cd::kMagic || std::memcmp(bytes.data(), cd::kMagic, sizeof cd::kMagic) != 0)
    throw CheckpointError(path, "not a deepdiff checkpoint (the file does not start with DDIFFCKP)");
  if (bytes.size() < sizeof cd::kMagic + 4 + 4 + 8 + 8 + 8)
    throw CheckpointError(path, "truncated: " + std::to_string(bytes.size()) + " bytes is shorter than any checkpoint");
  // The checksum occupies the last 8 bytes; the fields are read from what comes before.
  cd::Reader r(path, bytes, bytes.size() - 8);
  r.take(sizeof cd::kMagic, "magic");
  const std::uint32_t version = r.u32("version");
  if (version != kCheckpointVersion)
    throw CheckpointError(path, "format version " + std::to_string(version) + ", this build reads version " +
                                    std::to_string(kCheckpointVersion));
  Checkpoint ck;
  ck.scalar_bytes = r.u32("scalar_bytes");
  if (ck.scalar_bytes != 4 && ck.scalar_bytes != 8)
    throw CheckpointError(path, "scalar_bytes is " + std::to_string(ck.scalar_bytes) + ", expected 4 or 8");
  const std::uint64_t meta_len = r.u64("meta_len");
  ck.meta = cd::decode_meta(path, r.bytes(meta_len, "metadata"));
  const std::uint64_t n = r.u64("n_tensors");
  // Each tensor takes at least 8 bytes (name_len and rank), which bounds a sane count.
  if (n > r.remaining() / 8)
    throw CheckpointError(path, "truncated or corrupt: " + std::to_string(n) + " tensors cannot fit in " +
                                    std::to_string(r.remaining()) + " bytes");
  ck.tensors.reserve(static_cast<std::size_t>(n));
  std::set<std::string> names;
  for (std::uint64_t k = 0; k < n; ++k) {
    NamedArray t;
    const std::string which = "tensor #" + std::to_string(k);
    const std::uint32_t name_len = r.u32(which + " name length");
    t.name = r.bytes(name_len, which + " name");
    if (t.name.empty() || !names.insert(t.name).second)
      throw CheckpointError(path, which + " name '" + t.name + "' is empty or appears twice");
    if (!cd::valid_utf8(t.name)) throw CheckpointError(path, which + " name is not valid UTF-8");
    const std::uint32_t rank = r.u32("tensor '" + t.name + "' rank");
    if (rank > cd::kMaxRank) throw CheckpointError(path, "tensor '" + t.name + "' has rank " + std::to_string(rank) + " > 4");
    std::uint64_t count = 1;
    for (std::uint32_t d = 0; d < rank; ++d) {
      const std::uint64_t dim = r.u64("tensor '" + t.name + "' dims");
      // Bounding each dim by the bytes left keeps the product from overflowing.
      if (dim > r.remaining() || (dim != 0 && count > r.remaining() / dim))
        throw CheckpointError(path, "truncated or corrupt: tensor '" + t.name + "' dimension " + std::to_string(dim) +
                                        " does not fit in the " + std::to_string(r.remaining()) + " bytes left");
      count *= dim;
      t.shape.push_back(static_cast<Index>(dim));
    }
    const unsigned char* v = r.take(count * ck.scalar_bytes, "tensor '" + t.name + "' values");
    t.values.resize(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      if (ck.scalar_bytes == 4) {
        std::uint32_t bits = 0;
        for (int b = 0; b < 4; ++b) bits |= static_cast<std::uint32_t>(v[4 * i + static_cast<std::size_t>(b)]) << (8 * b);
        float f;
        std::memcpy(&f, &bits, 4);
        t.values[i] = static_cast<double>(f);
      } else {
        std::uint64_t bits = 0;
        for (int b = 0; b < 8; ++b) bits |= static_cast<std::uint64_t>(v[8 * i + static_cast<std::size_t>(b)]) << (8 * b);
        std::memcpy(&t.values[i], &bits, 8);
      }
    }
    ck.tensors.push_back(std::move(t));
  }
  if (r.remaining() != 0)
    throw CheckpointError(path, std::to_string(r.remaining()) + " trailing bytes after the last tensor");
  std::uint64_t stored = 0;
  for (int k = 0; k < 8; ++k)
    stored |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[bytes.size() - 8 + static_cast<std::size_t>(k)])) << (8 * k);
  const std::uint64_t actual = cd::fnv1a64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size() - 8);
  if (stored != actual) throw CheckpointError(path, "checksum mismatch: the file is corrupt");
  return ck;
}

inline void write_checkpoint(const std::string& path, const Checkpoint& ck) {
  write_file_atomic(path, encode_checkpoint(ck, path));
}

inline Checkpoint read_checkpoint(const std::string& path) {
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const std::runtime_error& e) {
    throw CheckpointError(path, e.what());
  }
  return decode_checkpoint(bytes, path);
}

// Conversions between tensors and stored arrays.
template <class T>
NamedArray to_named_array(const std::string& name, const Tensor<T>& t) {
  NamedArray a{name, t.shape(), {}};
  a.values.assign(t.data(), t.data() + t.size());
  return a;
}

template <class T>
Tensor<T> to_tensor(const NamedArray& a) {
  std::vector<T> v(a.values.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(a.values[i]);
  return Tensor<T>::from(a.shape, std::move(v));
}

}  // namespace deepdiff
