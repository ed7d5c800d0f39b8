#pragma once
// Scratch space for the temporaries of one call, on the stack when it is small.

#include <array>
#include <cstddef>
#include <vector>

namespace klest::detail {

/// n zero-initialised doubles: in place for n <= N, on the heap beyond, so that the common
/// small case of a per-point computation (a density's coordinates, a mixture's components)
/// allocates nothing. Not copyable: data() points into the object.
template <std::size_t N>
class ScratchBuffer {
 public:
  explicit ScratchBuffer(std::size_t n) {
    if (n > N) {
      big_.resize(n);
      data_ = big_.data();
    }
  }
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;

  double* data() { return data_; }
  double& operator[](std::size_t i) { return data_[i]; }

 private:
  std::array<double, N> small_{};
  std::vector<double> big_;
  double* data_ = small_.data();
};

}  // namespace klest::detail
