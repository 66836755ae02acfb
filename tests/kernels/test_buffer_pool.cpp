// kernels/buffer_pool.hpp: aligned pooled buffers, reuse of released blocks, release of the
// pool, and the NaN fill where DEEPDIFF_KERNELS_NAN_FILL is on (the sanitizer build).
#include <catch2/catch.hpp>

#include <deepdiff/kernels/buffer_pool.hpp>

#include <cmath>
#include <cstdint>

using namespace deepdiff;

TEST_CASE("pooled buffers are aligned, reused after release, and freed by release_buffer_pool", "[kernels]") {
  kernels::release_buffer_pool();
  CHECK(kernels::BufferPool::instance().held_bytes() == 0);
  const Index n = 100000;  // 400 KB of float: above the pool's minimum block
  const float* first = nullptr;
  {
    kernels::AlignedBuffer<float> a(n);
    REQUIRE(a.data() != nullptr);
    CHECK(a.size() == n);
    CHECK(reinterpret_cast<std::uintptr_t>(a.data()) % kernels::kAlignBytes == 0);
    a.data()[n - 1] = 1.0f;  // writable to the end
    first = a.data();
  }
  CHECK(kernels::BufferPool::instance().held_bytes() >= static_cast<std::size_t>(n) * sizeof(float));
  {
    kernels::AlignedBuffer<float> b(n);  // the released block comes back
    CHECK(b.data() == first);
    CHECK(kernels::BufferPool::instance().held_bytes() == 0);
  }
  kernels::release_buffer_pool();
  CHECK(kernels::BufferPool::instance().held_bytes() == 0);
  kernels::AlignedBuffer<double> small(3);  // below the pool's minimum: plain aligned memory
  CHECK(reinterpret_cast<std::uintptr_t>(small.data()) % kernels::kAlignBytes == 0);
}

TEST_CASE("kernel buffers are NaN-filled where DEEPDIFF_KERNELS_NAN_FILL is on", "[kernels]") {
  kernels::AlignedBuffer<double> a(1000);
  bool all_nan = true;
  for (Index i = 0; i < a.size(); ++i) all_nan = all_nan && std::isnan(a.data()[i]);
#if DEEPDIFF_KERNELS_NAN_FILL
  CHECK(all_nan);
#else
  WARN("DEEPDIFF_KERNELS_NAN_FILL is off in this build: the fill is not checked");
  SUCCEED();
#endif
}
