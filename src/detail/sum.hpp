#pragma once
// The one compensated sum of the estimators: Neumaier's variant of Kahan summation. Terms added
// in index order give a result independent of the thread count that computed them.

#include <cmath>

namespace klest::detail {

class CompensatedSum {
 public:
  void add(double term) {
    const double t = sum_ + term;
    carry_ += std::abs(sum_) >= std::abs(term) ? (sum_ - t) + term : (term - t) + sum_;
    sum_ = t;
  }
  double value() const { return sum_ + carry_; }

 private:
  double sum_ = 0, carry_ = 0;
};

}  // namespace klest::detail
