// Tensor<T>: a dense, row-major, contiguous array of rank 0..4 that owns its storage.
//
// Shapes are small vectors of Index; storage is one std::vector<T>. Vectorized math goes
// through Eigen Maps (matrix() for rank <= 2, vec() for any rank): no copies, no expression
// templates stored in `auto`. Element access checks bounds when NDEBUG is not defined (and
// always when DEEPDIFF_CHECK_BOUNDS is defined); release builds pay nothing.
#pragma once

#include <Eigen/Core>

#include <cstddef>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#if !defined(NDEBUG) || defined(DEEPDIFF_CHECK_BOUNDS)
#define DEEPDIFF_BOUNDS_CHECKING 1
#else
#define DEEPDIFF_BOUNDS_CHECKING 0
#endif

namespace deepdiff {

using Index = Eigen::Index;
using Shape = std::vector<Index>;

// Storage aligned as Eigen's packets want it. Not for speed: Eigen's vectorized reductions
// (sum, dot, small products) start their packets at the first aligned element, so with
// malloc's varying alignment the summation order - and the last bits of the result - would
// change from run to run. Aligned storage makes every result reproducible.
template <class T>
using AlignedVector = std::vector<T, Eigen::aligned_allocator<T>>;

template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MatrixMap = Eigen::Map<RowMatrix<T>>;
template <class T>
using ConstMatrixMap = Eigen::Map<const RowMatrix<T>>;
template <class T>
using VectorMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstVectorMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>;
// Row-major array views for element-wise work: whole tiles, and rows of a wider tile (e.g. one
// gate block of a [B, 4H] tile: B rows of H values, outer stride 4H).
template <class T>
using RowArray = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ArrayMap = Eigen::Map<RowArray<T>>;
template <class T>
using ConstArrayMap = Eigen::Map<const RowArray<T>>;
template <class T>
using StridedArrayMap = Eigen::Map<RowArray<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <class T>
using ConstStridedArrayMap = Eigen::Map<const RowArray<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

inline std::string shape_string(const Shape& s) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < s.size(); ++i) os << (i ? "," : "") << s[i];
  os << ']';
  return os.str();
}

inline Index shape_numel(const Shape& s) {
  Index n = 1;
  for (Index d : s) {
    if (d < 0) throw std::invalid_argument("negative dimension in shape " + shape_string(s));
    n *= d;
  }
  return n;
}

template <class T>
class Tensor {
 public:
  using value_type = T;

  Tensor() = default;
  explicit Tensor(Shape shape, T fill = T(0)) : shape_(std::move(shape)) {
    if (shape_.size() > 4) throw std::invalid_argument("Tensor rank above 4: " + shape_string(shape_));
    data_.assign(static_cast<std::size_t>(shape_numel(shape_)), fill);
  }
  Tensor(std::initializer_list<Index> shape) : Tensor(Shape(shape)) {}

  static Tensor from(Shape shape, const std::vector<T>& values) {
    Tensor t;
    t.shape_ = std::move(shape);
    if (static_cast<Index>(values.size()) != shape_numel(t.shape_))
      throw std::invalid_argument("Tensor::from: " + std::to_string(values.size()) +
                                  " values for shape " + shape_string(t.shape_));
    t.data_.assign(values.begin(), values.end());
    return t;
  }

  const Shape& shape() const { return shape_; }
  Index rank() const { return static_cast<Index>(shape_.size()); }
  Index dim(Index i) const {
    if (i < 0 || i >= rank()) throw std::out_of_range("Tensor::dim " + std::to_string(i) + " of " + shape_string(shape_));
    return shape_[static_cast<std::size_t>(i)];
  }
  Index size() const { return static_cast<Index>(data_.size()); }
  bool empty() const { return data_.empty(); }
  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  AlignedVector<T>& storage() { return data_; }
  const AlignedVector<T>& storage() const { return data_; }

  // Rows and columns of the rank-2 view: rank 0 -> 1x1, rank 1 -> 1xN (a row, as NumPy
  // broadcasts it), rank >= 2 -> dim0 x (product of the rest).
  Index rows() const { return rank() <= 1 ? 1 : shape_[0]; }
  Index cols() const { return rank() == 0 ? 1 : (rank() == 1 ? shape_[0] : size() / (shape_[0] ? shape_[0] : 1)); }

  MatrixMap<T> matrix() { return MatrixMap<T>(data(), rows(), cols()); }
  ConstMatrixMap<T> matrix() const { return ConstMatrixMap<T>(data(), rows(), cols()); }
  VectorMap<T> vec() { return VectorMap<T>(data(), size()); }
  ConstVectorMap<T> vec() const { return ConstVectorMap<T>(data(), size()); }

  T& operator[](Index i) { check_flat(i); return data_[static_cast<std::size_t>(i)]; }
  const T& operator[](Index i) const { check_flat(i); return data_[static_cast<std::size_t>(i)]; }
  T& operator()(Index i, Index j) { return data_[offset2(i, j)]; }
  const T& operator()(Index i, Index j) const { return data_[offset2(i, j)]; }
  T& operator()(Index i, Index j, Index k) { return data_[offset3(i, j, k)]; }
  const T& operator()(Index i, Index j, Index k) const { return data_[offset3(i, j, k)]; }

  // Same storage, new shape of the same element count.
  Tensor reshaped(Shape s) const& {
    Tensor t = *this;
    t.reshape(std::move(s));
    return t;
  }
  void reshape(Shape s) {
    if (shape_numel(s) != size())
      throw std::invalid_argument("reshape " + shape_string(shape_) + " -> " + shape_string(s));
    shape_ = std::move(s);
  }
  void fill(T v) { std::fill(data_.begin(), data_.end(), v); }

  template <class U>
  Tensor<U> cast() const {
    Tensor<U> t(shape_);
    for (Index i = 0; i < size(); ++i) t.data()[i] = static_cast<U>(data_[static_cast<std::size_t>(i)]);
    return t;
  }

 private:
  void check_flat(Index i) const {
#if DEEPDIFF_BOUNDS_CHECKING
    if (i < 0 || i >= size())
      throw std::out_of_range("Tensor index " + std::to_string(i) + " out of " + shape_string(shape_));
#else
    (void)i;
#endif
  }
  std::size_t offset2(Index i, Index j) const {
#if DEEPDIFF_BOUNDS_CHECKING
    if (rank() != 2 || i < 0 || j < 0 || i >= shape_[0] || j >= shape_[1])
      throw std::out_of_range("Tensor index (" + std::to_string(i) + "," + std::to_string(j) +
                              ") out of " + shape_string(shape_));
#endif
    return static_cast<std::size_t>(i * shape_[1] + j);
  }
  std::size_t offset3(Index i, Index j, Index k) const {
#if DEEPDIFF_BOUNDS_CHECKING
    if (rank() != 3 || i < 0 || j < 0 || k < 0 || i >= shape_[0] || j >= shape_[1] || k >= shape_[2])
      throw std::out_of_range("Tensor index (" + std::to_string(i) + "," + std::to_string(j) + "," +
                              std::to_string(k) + ") out of " + shape_string(shape_));
#endif
    return static_cast<std::size_t>((i * shape_[1] + j) * shape_[2] + k);
  }

  Shape shape_;
  AlignedVector<T> data_;
};

}  // namespace deepdiff
